"""PDF summaries: ask for one (a POST that queues it), follow its progress (a JSON status that the page polls, or
a refresh without JavaScript), and download it (the requester only, audited). Rendering happens in the pdf
worker (coordination/summaries/jobs.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from .. import selectors
from ..models import PdfSummary
from ..summaries import documents, services
from ..summaries import selectors as summary_selectors

Status = PdfSummary.Status


def _queued(request, make) -> None:
    try:
        make()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Your PDF is queued. This page shows when it is ready, and you will be notified.")


@login_required
@require_POST
def case_summary_request(request, reference):
    case = selectors.case_for_change(user=request.user, reference=reference)  # 404 for a case they may not see
    _queued(request, lambda: services.summary_request(actor=request.user, case=case))
    return redirect(reverse("case-detail", args=[case.reference]) + "#pdf-summaries")


@login_required
@require_POST
def organisation_summary_request(request, kind):
    """Queue a PDF of one of the user's organisation's documents an app registered, e.g. its sharing register."""
    if not documents.is_organisation_document(kind):
        raise Http404("No such document")
    organisations = services.organisations_printable_by(request.user)
    chosen = request.POST.get("organisation", "")
    organisation = organisations.filter(pk=chosen).first() if chosen.isdigit() else organisations.first()
    if organisation is None:
        raise Http404("No such organisation")
    try:
        _queued(
            request,
            lambda: services.organisation_document_request(actor=request.user, organisation=organisation, kind=kind),
        )
    except PermissionDenied:
        raise Http404("No such organisation") from None
    return redirect(documents.organisation_document(kind).page() + "#pdf-summaries")


@login_required
@require_GET
def summary_status(request, summary_pk):
    """The summary's row as the page shows it, for the page's script to swap in without a reload."""
    summary = services.summary_for(user=request.user, pk=summary_pk)
    if summary is None:
        raise Http404("No such summary")
    latest = summary_selectors.latest_change_for(summary, user=request.user)
    summary_selectors.mark_stale([summary], latest)
    final = summary.status in (Status.READY, Status.FAILED)
    message = {
        Status.QUEUED: "Your PDF is queued.",
        Status.RENDERING: "Your PDF is being prepared.",
        Status.READY: "Your PDF is ready to download.",
        Status.FAILED: f"Your PDF could not be prepared. {summary.failure_reason}",
    }[summary.status]
    return JsonResponse(
        {
            "id": summary.pk,
            "status": summary.status,
            "status_label": summary.get_status_display(),
            "final": final,
            "message": message,
            "html": render_to_string("summaries/_row.html", {"summary": summary}, request=request),
        }
    )


@login_required
@require_GET
def summary_download(request, summary_pk):
    found = services.download(actor=request.user, pk=summary_pk, http_request=request)
    if found is None:
        raise Http404("No such summary")
    summary, data = found
    # Always a download, never shown in the browser, never kept by a cache.
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{services.download_name(summary)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
