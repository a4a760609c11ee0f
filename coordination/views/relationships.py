from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import access, selectors, services
from ..forms import RelationshipEndForm, RelationshipForm, run_service


@login_required
@require_http_methods(["GET", "POST"])
def relationship_record(request, reference):
    case = selectors.case_for_change(user=request.user, reference=reference)
    access.require_manage_case(request.user, case)
    form = RelationshipForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        relationship = run_service(
            form, lambda: services.relationship_record(actor=request.user, case=case, **form.cleaned_data)
        )
        if relationship:
            messages.success(request, "Relationship recorded.")
            return redirect("case-detail", reference=case.reference)
    return render(request, "relationships/record.html", {"case": case, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def relationship_end(request, reference, pk):
    case = selectors.case_for_change(user=request.user, reference=reference)
    access.require_manage_case(request.user, case)
    relationship = case.relationships.select_related("from_process", "to_process").filter(pk=pk).first()
    if relationship is None:
        raise Http404("No such relationship")
    form = RelationshipEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ended = run_service(
            form,
            lambda: services.relationship_end(actor=request.user, relationship=relationship, **form.cleaned_data),
        )
        if ended:
            messages.success(request, "Relationship ended; it stays in the case's history.")
            return redirect("case-detail", reference=case.reference)
    return render(request, "relationships/end.html", {"case": case, "relationship": relationship, "form": form})
