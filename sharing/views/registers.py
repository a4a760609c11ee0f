"""The sharing registers: my organisations' inbox and outbox, the register of every request I may see, and each
case's register, with CSV exports of the two registers (audited; never the child's identity)."""

import csv

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from coordination import access as core_access
from coordination import audit
from coordination.summaries import selectors as summary_selectors
from coordination.summaries import services as summary_services

from .. import selectors, summaries

ROWS_PER_PAGE = 50

CSV_HEADER = (
    "reference", "case reference", "pseudonym", "from", "to", "status", "gateways", "submitted", "due", "overdue",
    "outcome", "disclosed on",
)  # fmt: skip


def _page(request, register, *, template_context: dict):
    page = Paginator(register.qs, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": register, "page": page, "query": query.urlencode(), **template_context}
    return render(request, "sharing/register.html", context)


@login_required
def inbox(request):
    return _page(
        request,
        selectors.inbox(user=request.user, params=request.GET),
        template_context={
            "title": "Inbox",
            "intro": "Requests to your organisation waiting on it: to acknowledge, consider and decide, to decide "
            "again after a deferral, or to disclose once the decision is to share.",
            "tab": "inbox",
        },
    )


@login_required
def outbox(request):
    return _page(
        request,
        selectors.outbox(user=request.user, params=request.GET),
        template_context={
            "title": "Outbox",
            "intro": "Requests your organisation has made, drafts included.",
            "tab": "outbox",
        },
    )


@login_required
def organisation_register(request):
    managed = core_access.partnerships_managed_by(request.user).exists()
    organisations = list(summary_services.organisations_printable_by(request.user))
    intro = "Every request to or from your organisation" + (
        ", and every submitted request on your partnership's cases." if managed else "."
    )
    return _page(
        request,
        selectors.register(user=request.user, params=request.GET),
        template_context={
            "title": "Sharing register",
            "intro": intro,
            "tab": "register",
            "export_url": reverse("sharing-register-export"),
            # A PDF of the organisation's register (coordination/summaries/), listed with the user's earlier ones.
            "pdf_organisations": organisations,
            "pdf_summaries": summary_selectors.organisation_summaries(
                user=request.user, kind=summaries.REGISTER, organisations=organisations
            ),
        },
    )


@login_required
def case_register(request, reference):
    case = selectors.case_for_register(user=request.user, reference=reference)
    return _page(
        request,
        selectors.register(user=request.user, params=request.GET, case=case),
        template_context={
            "title": f"Sharing register for {case.reference}",
            "intro": "Information-sharing requests on this case that your organisation is party to or may see.",
            "case": case,
            "export_url": reverse("case-sharing-export", args=[case.reference]),
            "may_request": core_access.may_see_case(request.user, case) and case.status == case.Status.OPEN,
        },
    )


# --- CSV -------------------------------------------------------------------------------------------


def _cell(value) -> str:
    # A spreadsheet runs a cell that starts like a formula, and references and names are typed by people.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _date(value) -> str:
    return value.isoformat() if value else ""


class _Echo:
    def write(self, value):
        return value


def _csv_rows(rows):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for row in rows.iterator(chunk_size=500):
        values = (
            row.reference,
            row.case.reference,
            row.case.pseudonym,
            row.requesting_organisation.name,
            row.providing_organisation.name,
            row.get_status_display(),
            "; ".join(gateway.get_gateway_display() for gateway in row.gateways.all()),
            _date(timezone.localdate(row.submitted_at)) if row.submitted_at else "",
            _date(row.response_due),
            "yes" if row.overdue else "no",
            row.outcome_label,
            _date(row.disclosed_on),
        )
        yield writer.writerow([_cell(value) for value in values])


def _export(request, register, *, label: str, filename: str, obj=None):
    if not register.is_valid():  # an export must never quietly widen to everything
        return HttpResponseBadRequest("Correct the filters on the register page, then export again.")
    query = request.GET.copy()
    query.pop("page", None)
    audit.record(
        action=audit.Action.EXPORT,
        actor=request.user,
        obj=obj,
        object_type="" if obj else "sharing.sharingrequest",
        object_label=f"{label}{': ' + query.urlencode() if query else ''}",
        request=request,
    )
    # Built whole rather than streamed: a register holds one organisation's requests, small enough to send at once.
    response = HttpResponse("".join(_csv_rows(register.qs)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{timezone.localdate():%Y-%m-%d}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def organisation_register_export(request):
    return _export(
        request,
        selectors.register(user=request.user, params=request.GET),
        label="Sharing register",
        filename="sharing-register",
    )


@login_required
def case_register_export(request, reference):
    case = selectors.case_for_register(user=request.user, reference=reference)
    return _export(
        request,
        selectors.register(user=request.user, params=request.GET, case=case),
        label=f"Sharing register for {case.reference}",
        filename=f"sharing-register-{case.reference}",
        obj=case,
    )
