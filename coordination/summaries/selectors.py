"""The summaries a page lists: the user's own, newest first, each marked when it is older than the latest change
to what it summarises. The same few queries however many are listed."""

from __future__ import annotations

import datetime as dt

from ..models import Case, Organisation, PdfSummary
from . import content, documents

SHOWN = 10


def mark_stale(summaries: list[PdfSummary], latest: dt.datetime | None) -> list[PdfSummary]:
    for summary in summaries:
        summary.is_stale = bool(
            summary.status == PdfSummary.Status.READY and summary.data_as_of and latest and summary.data_as_of < latest
        )
    return summaries


def case_summaries(*, user, case: Case) -> list[PdfSummary]:
    summaries = list(PdfSummary.objects.filter(kind=PdfSummary.CASE, case=case, requested_by=user)[:SHOWN])
    latest = content.latest_case_change(user=user, case=case) if summaries else None
    return mark_stale(summaries, latest)


def organisation_summaries(*, user, kind: str, organisations: list[Organisation]) -> list[PdfSummary]:
    """The user's own PDFs of a registered organisation document, e.g. their organisations' sharing registers."""
    summaries = list(
        PdfSummary.objects.filter(kind=kind, organisation__in=organisations, requested_by=user).select_related(
            "organisation"
        )[:SHOWN]
    )
    document = documents.organisation_document(kind)
    latest = {
        organisation.pk: document.latest_change(user=user, organisation=organisation)
        for organisation in {summary.organisation for summary in summaries}
    }
    for summary in summaries:
        mark_stale([summary], latest[summary.organisation_id])
    return summaries


def latest_change_for(summary: PdfSummary, *, user) -> dt.datetime | None:
    if summary.kind == PdfSummary.CASE:
        return content.latest_case_change(user=user, case=summary.case)
    return documents.organisation_document(summary.kind).latest_change(user=user, organisation=summary.organisation)
