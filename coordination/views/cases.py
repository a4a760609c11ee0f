from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .. import access, audit, extensions, selectors, services
from ..forms import CaseCloseForm, CaseDatesForm, CaseOpenForm, run_service
from ..summaries import selectors as summary_selectors
from ..timeline import build_timeline

CASES_PER_PAGE = 25


@login_required
def case_list(request):
    case_filter = selectors.case_list(user=request.user, params=request.GET)
    page = Paginator(case_filter.qs, CASES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/list.html",
        {
            "filter": case_filter,
            "page": page,
            "query": query.urlencode(),
            "may_open_case": access.partnerships_managed_by(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_open(request):
    partnerships = access.partnerships_managed_by(request.user)
    if not partnerships.exists():
        return render(request, "403.html", {"message": "Only partnership managers can open a case."}, status=403)
    form = CaseOpenForm(request.POST or None, partnerships=partnerships)
    if request.method == "POST" and form.is_valid():
        case = run_service(form, lambda: services.case_open(actor=request.user, **form.cleaned_data))
        if case:
            messages.success(request, f"Case {case.reference} opened for {case.pseudonym}.")
            return redirect("case-detail", reference=case.reference)
    return render(request, "cases/open.html", {"form": form})


@login_required
def case_detail(request, reference):
    case = selectors.case_for_page(user=request.user, reference=reference)
    processes = list(case.processes.all())
    closures = selectors.closures_by_partnership()
    for process in processes:
        process.milestone_rows = (
            selectors.milestone_rows(process, closures=closures.get(case.partnership_id, closures[None]))
            if process.in_full
            else []
        )
        process.open_milestone_rows = [row for row in process.milestone_rows if row.milestone.is_open]
        process.open_pause = selectors.open_pause(process)
        process.history = selectors.history_of(process) if process.in_full else []
    relationships = case.visible_relationships
    timeline = build_timeline(
        processes=processes, relationships=relationships, today=timezone.localdate(), incident_date=case.incident_date
    )
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "processes": processes,
            "timeline": timeline,
            "current_relationships": [r for r in relationships if r.is_current],
            "ended_relationships": [r for r in relationships if not r.is_current],
            "may_manage": access.may_manage_case(request.user, case),
            "may_see_identity": access.identities_visible_to(request.user).filter(case=case).exists(),
            "pdf_summaries": summary_selectors.case_summaries(user=request.user, case=case),
            # The apps' sections (coordination/extensions.py), e.g. the case's information sharing.
            "app_sections": [(s.template, s.context(case, request.user)) for s in extensions.case_sections()],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_close(request, reference):
    case = selectors.case_for_change(user=request.user, reference=reference)
    access.require_manage_case(request.user, case)
    form = CaseCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        closed = run_service(form, lambda: services.case_close(actor=request.user, case=case, **form.cleaned_data))
        if closed:
            messages.success(request, f"Case {case.reference} closed.")
            return redirect("case-detail", reference=case.reference)
    return render(request, "cases/close.html", {"case": case, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def case_dates(request, reference):
    case = selectors.case_for_change(user=request.user, reference=reference)
    access.require_manage_case(request.user, case)
    initial = {"incident_date": case.incident_date, "la_aware_date": case.la_aware_date}
    form = CaseDatesForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(form, lambda: services.case_correct_dates(actor=request.user, case=case, **form.cleaned_data))
    ):
        messages.success(request, "Dates corrected; the deadlines counted from them have been recomputed.")
        return redirect("case-detail", reference=case.reference)
    return render(request, "cases/dates.html", {"case": case, "form": form})


@login_required
def case_identity(request, reference):
    """The child's identifiable details, for those granted them; every view is audited."""
    case = selectors.case_for_change(user=request.user, reference=reference)
    identity = access.identities_visible_to(request.user).filter(case=case).first()
    if identity is None:
        raise Http404("No such page")
    audit.record(action="view_identity", actor=request.user, obj=case, request=request)
    return render(request, "cases/identity.html", {"case": case, "identity": identity})
