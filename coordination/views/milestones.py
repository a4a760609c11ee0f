from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import access, clock, corrections, selectors
from ..forms import (
    MilestoneCompleteForm,
    MilestoneExtendForm,
    MilestoneTriggerCorrectForm,
    MilestoneWaiveForm,
    run_service,
)
from ..models import Milestone

ACTIONS = {
    "complete": (MilestoneCompleteForm, clock.milestone_complete, "Mark as met", "Milestone marked as met."),
    "extend": (MilestoneExtendForm, clock.milestone_extend, "Extend the deadline", "Deadline extended."),
    "waive": (MilestoneWaiveForm, clock.milestone_waive, "Waive", "Milestone waived."),
    "correct": (
        MilestoneTriggerCorrectForm,
        corrections.milestone_trigger_correct,
        "Correct when its clock started",
        "Start date corrected; the deadlines counted from it have been worked out again.",
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def milestone_action(request, reference, pk, action):
    if action not in ACTIONS:
        raise Http404("No such action")
    case = selectors.case_for_change(user=request.user, reference=reference)
    access.require_manage_case(request.user, case)
    milestone = (
        Milestone.objects.select_related("rule", "process", "process__case").filter(process__case=case, pk=pk).first()
    )
    if milestone is None:
        raise Http404("No such milestone")
    form_class, service, title, done = ACTIONS[action]
    form_arguments = {"milestone": milestone} if form_class is MilestoneTriggerCorrectForm else {}
    form = form_class(request.POST or None, **form_arguments)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(form, lambda: service(actor=request.user, milestone=milestone, **form.cleaned_data))
    ):
        messages.success(request, done)
        return redirect("process-detail", reference=case.reference, pk=milestone.process_id)
    return render(
        request, "milestones/action.html", {"case": case, "milestone": milestone, "form": form, "title": title}
    )
