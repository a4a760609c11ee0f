"""Asking for a PDF summary and downloading it. Each request is one transaction, audited, and sends its render
to the pdf worker only once it has committed (jobs.enqueue_on_commit).

A file is filtered for the person who asked for it, so only they may download it, and only while they may still
see what it is about (the case, or their organisation's records). Every download is audited.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from .. import access, audit
from ..models import Case, Organisation, PdfSummary
from . import TEMPLATE_VERSION, documents, jobs

Status = PdfSummary.Status
UNFINISHED = (Status.QUEUED, Status.RENDERING)


@transaction.atomic
def summary_request(*, actor, case: Case) -> PdfSummary:
    """Queue a case summary for `actor`, who must be able to see the case."""
    if not access.may_see_case(actor, case):
        raise PermissionDenied("You cannot see this case.")
    # One at a time per person and case: a second click, or a script, must not fill the pdf worker's queue.
    if PdfSummary.objects.filter(requested_by=actor, case=case, status__in=UNFINISHED).exists():
        raise ValidationError("A summary of this case is already being prepared for you; it is listed below.")
    summary = PdfSummary.objects.create(
        kind=PdfSummary.CASE, case=case, requested_by=actor, requested_at=timezone.now(),
        template_version=TEMPLATE_VERSION,
    )  # fmt: skip
    audit.record(action="create", actor=actor, obj=summary, object_label=case.reference,
                 changes={"kind": summary.kind})  # fmt: skip
    jobs.enqueue_on_commit(summary.pk)
    return summary


def organisations_printable_by(user):
    """The organisations whose own documents `user` may print: those they are a member of."""
    return Organisation.objects.filter(memberships__user=user).order_by("name")


def _label(summary: PdfSummary) -> str:
    if summary.kind == PdfSummary.CASE:
        return summary.case.reference
    return f"{documents.organisation_document(summary.kind).label} of {summary.organisation.name}"


@transaction.atomic
def organisation_document_request(*, actor, organisation: Organisation, kind: str) -> PdfSummary:
    """Queue a PDF of one of `organisation`'s registered documents (e.g. its sharing register), as `actor` sees
    it. Only its own members may."""
    if not documents.is_organisation_document(kind):
        raise ValidationError("There is no such document to print.")
    if not access.acts_for(actor, organisation):
        raise PermissionDenied("You can print only your own organisation's documents.")
    label = documents.organisation_document(kind).label
    unfinished = PdfSummary.objects.filter(
        requested_by=actor, organisation=organisation, kind=kind, status__in=UNFINISHED
    )
    if unfinished.exists():
        raise ValidationError(f"Your organisation's {label.lower()} is already being prepared for you; see below.")
    summary = PdfSummary.objects.create(
        kind=kind, organisation=organisation, requested_by=actor, requested_at=timezone.now(),
        template_version=TEMPLATE_VERSION,
    )  # fmt: skip
    audit.record(action="create", actor=actor, obj=summary, object_label=_label(summary),
                 changes={"kind": summary.kind})  # fmt: skip
    jobs.enqueue_on_commit(summary.pk)
    return summary


# --- Reading and downloading -----------------------------------------------------------------------


def summary_for(*, user, pk: int) -> PdfSummary | None:
    """The summary if `user` asked for it and may still see its subject; otherwise None (the view's 404)."""
    summary = PdfSummary.objects.select_related("case", "organisation").filter(pk=pk, requested_by=user).first()
    if summary is None or not access.is_member(user):
        return None
    if summary.kind == PdfSummary.CASE and not access.may_see_case(user, summary.case):
        return None
    if summary.kind != PdfSummary.CASE and not access.acts_for(user, summary.organisation_id):
        return None
    return summary


class StoredFileDoesNotMatch(Exception):
    """The stored file's SHA-256 is not the one recorded when it was made."""


def download(*, actor, pk: int, http_request=None) -> tuple[PdfSummary, bytes] | None:
    """(the summary, its bytes) for the requester of a ready summary, else None. Audited; the file is checked
    against the SHA-256 recorded when it was made, so a file changed on disk is never handed out as the summary."""
    summary = summary_for(user=actor, pk=pk)
    if summary is None or summary.status != Status.READY:
        return None
    with summary.file.storage.open(summary.file.name, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != summary.sha256:
        raise StoredFileDoesNotMatch(f"PDF summary {summary.pk}: the stored file does not match its SHA-256.")
    audit.record(action="download", actor=actor, obj=summary, object_label=_label(summary),
                 changes={"sha256": summary.sha256, "template_version": summary.template_version},
                 request=http_request)  # fmt: skip
    return summary, data


def download_name(summary: PdfSummary) -> str:
    when = timezone.localtime(summary.requested_at).strftime("%Y-%m-%d-%H%M")
    if summary.case_id:
        return f"case-summary-{summary.case.reference}-{when}.pdf"
    return f"{summary.kind.replace('_', '-')}-{summary.organisation_id}-{when}.pdf"
