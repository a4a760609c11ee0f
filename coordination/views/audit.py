"""The audit trail for auditors: a filterable list and a CSV export (which is itself audited)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from .. import audit

ENTRIES_PER_PAGE = 50


def _filtered(request) -> audit.AuditFilter:
    if not audit.may_read_trail(request.user):
        # A 403, not a 404: the page is no secret, only its contents are.
        raise PermissionDenied("Only auditors can see the audit trail.")
    return audit.entries_for(user=request.user, params=request.GET)


@login_required
def audit_list(request):
    entries = _filtered(request)
    page = Paginator(entries.qs, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/list.html", {"filter": entries, "page": page, "query": query.urlencode()})


@login_required
def audit_export(request):
    entries = _filtered(request)
    if not entries.is_valid():  # an export must never quietly widen to the whole trail
        return HttpResponseBadRequest("Correct the filters on the audit trail page, then export again.")
    query = request.GET.copy()
    query.pop("page", None)
    # Recorded before the first row is sent, so an interrupted download is still on the record; the
    # export holds the entries that existed when it was asked for.
    export = audit.record(
        action=audit.Action.EXPORT,
        actor=request.user,
        object_type="coordination.auditentry",
        object_label=f"Audit trail{': ' + query.urlencode() if query else ''}",
        request=request,
    )
    filename = f"audit-{timezone.localdate():%Y-%m-%d}.csv"
    response = StreamingHttpResponse(
        audit.csv_rows(entries.qs.filter(id__lt=export.pk)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
