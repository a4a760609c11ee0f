"""What this app adds to the PDF summaries (coordination/summaries/documents.py): the case's sharing register as a
section of the case summary, and an organisation's whole register as a document of its own. Both read the rows
the register pages list (sharing.selectors), through this app's access rules, for the person the file is for."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse

from coordination.access import manages_for
from coordination.models import Case, Milestone, Organisation, Partnership
from coordination.summaries.content import reader_of
from coordination.summaries.documents import CaseSection, OrganisationDocument

from . import access, deadlines, selectors
from .models import SharingDecision, SharingRequest, StatusChange

REGISTER = "sharing_register"


def _newest(queryset: QuerySet) -> dt.datetime | None:
    return queryset.order_by("-updated_at").values_list("updated_at", flat=True).first()


def _latest_of(requests: QuerySet[SharingRequest]) -> dt.datetime | None:
    """When these requests, or their response deadlines, last changed."""
    stamps = [
        _newest(requests),
        _newest(Milestone.objects.filter(subject_type=deadlines.SUBJECT, subject_id__in=requests.values("pk"))),
    ]
    stamps = [stamp for stamp in stamps if stamp is not None]
    return max(stamps) if stamps else None


# --- A section of the case summary ------------------------------------------------------------------------------


def case_requests(*, user, case: Case) -> dict:
    """The requests on the case the reader may see, as the case's sharing register lists them, oldest first."""
    rows = selectors.register(user=user, params={}, case=case).qs
    requests = rows.prefetch_related(
        Prefetch("decisions", queryset=SharingDecision.objects.select_related("decided_by")),
        Prefetch("status_changes", queryset=StatusChange.objects.select_related("changed_by")),
    ).order_by("number")
    return {"requests": list(requests)}


def case_latest_change(*, user, case: Case) -> dt.datetime | None:
    return _latest_of(access.requests_visible_to(user).filter(case=case))


CASE_SECTION = CaseSection(
    key="sharing_register",
    template="sharing/summaries/_case_section.html",
    history_template="sharing/summaries/_case_history.html",
    content=case_requests,
    latest_change=case_latest_change,
)


# --- An organisation's register ------------------------------------------------------------------------------


def _scope(*, user, organisation: Organisation) -> Q:
    """Requests to or from the organisation and, for one of the partnership's managers there, every submitted
    request on the partnership's cases."""
    scope = Q(requesting_organisation=organisation) | Q(providing_organisation=organisation)
    if manages_for(user, organisation):
        partners = Q(local_authority=organisation) | Q(icb=organisation) | Q(police=organisation)
        scope |= Q(case__partnership__in=Partnership.objects.filter(partners))
    return scope


def register_requests(*, user, organisation: Organisation) -> QuerySet[SharingRequest]:
    rows = selectors.register(user=user, params={}).qs
    return rows.filter(_scope(user=user, organisation=organisation)).order_by("case__reference", "number")


def register_content(*, user, organisation: Organisation, prepared_at: dt.datetime) -> dict:
    return {
        "organisation": organisation,
        "reader": reader_of(user),
        "prepared_at": prepared_at,
        "requests": list(register_requests(user=user, organisation=organisation)),
    }


def register_latest_change(*, user, organisation: Organisation) -> dt.datetime | None:
    return _latest_of(access.requests_visible_to(user).filter(_scope(user=user, organisation=organisation)))


ORGANISATION_REGISTER = OrganisationDocument(
    key=REGISTER,
    label="Sharing register",
    template="sharing/summaries/register.html",
    content=register_content,
    latest_change=register_latest_change,
    page=lambda: reverse("sharing-register"),
)
