"""Who may see and act on information-sharing requests and documents. Like coordination/access.py, every
question has a queryset form and an object check built on it, so the register, the page, the CSV export, the
download and the e-mail can never disagree.

Requests (an information-sharing log is its own organisations' business, on a need-to-know basis):
- the requesting organisation sees its requests from the first draft;
- the providing organisation sees them once submitted (a draft is the requester's own working paper);
- the case's partnership managers see every submitted request on their cases;
- anyone granted the request (a django-guardian grant, to a person or an organisation) sees it too.

Documents:
- on a request: the organisation that holds the document, the case's partnership managers and grantees; the
  other party sees a document the requester attached once the request is submitted, and a version the
  provider disclosed once it is logged as disclosed. A version not disclosed stays with the provider.
- on a process: whoever sees the process in full (coordination.access.processes_visible_to);
- on the case only: the holding organisation, the case's partnership managers and grantees.
"""

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from coordination import access as core_access
from coordination.access import granted_q, is_member, memberships_of, partnerships_managed_by

from .models import (
    Disclosure,
    Document,
    DocumentGroupObjectPermission,
    DocumentUserObjectPermission,
    DocumentVersion,
    SharingRequest,
    SharingRequestGroupObjectPermission,
    SharingRequestUserObjectPermission,
)

Status = SharingRequest.Status


def _organisations(user):
    return memberships_of(user).values("organisation")


# --- Requests --------------------------------------------------------------------------------------


def requests_visible_to(user) -> QuerySet[SharingRequest]:
    if not is_member(user):
        return SharingRequest.objects.none()
    organisations = _organisations(user)
    # Submitted at some time: a draft withdrawn before it was ever submitted stays the requester's own.
    submitted = Q(submitted_at__isnull=False)
    return SharingRequest.objects.filter(
        Q(requesting_organisation__in=organisations)
        | (
            submitted
            & (
                Q(providing_organisation__in=organisations)
                | Q(case__partnership__in=partnerships_managed_by(user))
                | granted_q(user, SharingRequestUserObjectPermission, SharingRequestGroupObjectPermission,
                           "view_sharingrequest")
            )
        )
    )  # fmt: skip


def may_see_request(user, request: SharingRequest) -> bool:
    return requests_visible_to(user).filter(pk=request.pk).exists()


def acts_for_requester(user, request: SharingRequest) -> bool:
    return memberships_of(user).filter(organisation_id=request.requesting_organisation_id).exists()


def acts_for_provider(user, request: SharingRequest) -> bool:
    return memberships_of(user).filter(organisation_id=request.providing_organisation_id).exists()


# --- Documents -------------------------------------------------------------------------------------


def versions_visible_to(user) -> QuerySet[DocumentVersion]:
    """Every document version the user may download."""
    if not is_member(user):
        return DocumentVersion.objects.none()
    organisations = _organisations(user)
    managed = partnerships_managed_by(user)
    granted = granted_q(user, DocumentUserObjectPermission, DocumentGroupObjectPermission, "view_document")
    granted_documents = Document.objects.filter(granted).values("pk")
    visible_requests = requests_visible_to(user)
    disclosed_to_me = Disclosure.objects.filter(
        versions=OuterRef("pk"), request__requesting_organisation__in=organisations
    )
    on_request = Q(document__request__in=visible_requests) & (
        Q(document__owner__in=organisations)
        | Q(document__case__partnership__in=managed)
        | Q(document__pk__in=granted_documents)
        # The requester's own attachments travel with the submitted request to the provider.
        | Q(document__owner=F("document__request__requesting_organisation"))
        | Q(Exists(disclosed_to_me))
    )
    on_process = Q(document__request=None, document__process__in=core_access.processes_visible_to(user))
    on_case = Q(document__request=None, document__process=None) & (
        Q(document__owner__in=organisations)
        | Q(document__case__partnership__in=managed)
        | Q(document__pk__in=granted_documents)
    )
    return DocumentVersion.objects.filter(on_request | on_process | on_case)


def documents_visible_to(user) -> QuerySet[Document]:
    return Document.objects.filter(Exists(versions_visible_to(user).filter(document=OuterRef("pk"))))


def may_see_document(user, document: Document) -> bool:
    return documents_visible_to(user).filter(pk=document.pk).exists()
