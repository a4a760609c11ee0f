from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.views.decorators.http import require_http_methods

from .. import access, clock, kinds, selectors, services
from ..forms import (
    ProcessAddForm,
    ProcessEventForm,
    ProcessKindForm,
    ProcessMoveForm,
    ProcessPauseForm,
    ProcessResumeForm,
    details_form_class,
    run_service,
)


def _case_and_process(request, reference, pk):
    case = selectors.case_for_change(user=request.user, reference=reference)
    return case, selectors.process_on_case(user=request.user, case=case, pk=pk)


def _back_to_case(process):
    return redirect("case-detail", reference=process.case.reference)


@login_required
@require_http_methods(["GET", "POST"])
def process_add(request, reference):
    case = selectors.case_for_change(user=request.user, reference=reference)
    access.require_manage_case(request.user, case)
    kind_key = request.POST.get("kind") or request.GET.get("kind")
    if not kind_key or not kinds.exists(kind_key):
        # Step one: choose the kind, so that step two can ask for that kind's own details.
        chooser = ProcessKindForm(request.GET or None)
        return render(
            request, "processes/choose_kind.html", {"case": case, "form": chooser, "kinds": kinds.all_kinds()}
        )

    kind = kinds.get(kind_key)
    form = ProcessAddForm(request.POST or None, kind=kind)
    details_class = details_form_class(kind)
    details_form = details_class(request.POST or None, prefix="details") if details_class else None
    if request.method == "POST" and form.is_valid() and (details_form is None or details_form.is_valid()):
        process = run_service(
            form,
            lambda: services.process_add(
                actor=request.user,
                case=case,
                kind=kind.key,
                details=details_form.cleaned_data if details_form else None,
                **form.cleaned_data,
            ),
        )
        if process:
            messages.success(request, f"{kind.label} added to {case.reference}.")
            return _back_to_case(process)
    return render(
        request,
        "processes/add.html",
        {"case": case, "kind": kind, "form": form, "details_form": details_form},
    )


@login_required
def process_detail(request, reference, pk):
    case, process = _case_and_process(request, reference, pk)
    may_manage = access.may_manage_case(request.user, case)
    process.history = selectors.history_of(process)
    context = {
        "case": case,
        "process": process,
        "details": selectors.details_for_display(process),
        "milestones": selectors.milestone_rows(process),
        "open_pause": selectors.open_pause(process),
        "may_manage": may_manage,
    }
    if may_manage and process.is_open:
        context["move_form"] = ProcessMoveForm(process=process)
        context["pause_form"] = ProcessPauseForm(process=process)
        context["resume_form"] = ProcessResumeForm()
        if process.kind_def.events:
            context["event_form"] = ProcessEventForm(process=process)
    return render(request, "processes/detail.html", context)


def _process_action(request, reference, pk, form_class, action, template, done_message, form_needs_process=True):
    case, process = _case_and_process(request, reference, pk)
    access.require_manage_case(request.user, case)
    form_kwargs = {"process": process} if form_needs_process else {}
    form = form_class(request.POST or None, **form_kwargs)
    done = (
        request.method == "POST" and form.is_valid() and run_service(form, lambda: action(process, form.cleaned_data))
    )
    if done:
        messages.success(request, done_message(process))
        return redirect("process-detail", reference=case.reference, pk=process.pk)
    return render(request, template, {"case": case, "process": process, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def process_move(request, reference, pk):
    return _process_action(
        request,
        reference,
        pk,
        ProcessMoveForm,
        lambda process, data: services.process_move(actor=request.user, process=process, **data),
        "processes/move.html",
        lambda process: f"{capfirst(process.kind_def.short_label)} moved on.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def process_pause(request, reference, pk):
    return _process_action(
        request,
        reference,
        pk,
        ProcessPauseForm,
        lambda process, data: services.process_pause(actor=request.user, process=process, **data),
        "processes/pause.html",
        lambda process: f"{capfirst(process.kind_def.short_label)} paused.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def process_resume(request, reference, pk):
    return _process_action(
        request,
        reference,
        pk,
        ProcessResumeForm,
        lambda process, data: services.process_resume(actor=request.user, process=process, **data),
        "processes/resume.html",
        lambda process: f"{capfirst(process.kind_def.short_label)} resumed.",
        form_needs_process=False,
    )


@login_required
@require_http_methods(["GET", "POST"])
def process_event(request, reference, pk):
    return _process_action(
        request,
        reference,
        pk,
        ProcessEventForm,
        lambda process, data: clock.process_record_event(actor=request.user, process=process, **data),
        "processes/event.html",
        lambda process: "Event recorded; its deadlines are on the process page.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def process_details(request, reference, pk):
    case, process = _case_and_process(request, reference, pk)
    access.require_manage_case(request.user, case)
    form_class = details_form_class(process.kind_def)
    if form_class is None:
        raise Http404("This kind of process has no details")
    instance = process.kind_def.details_model_class().objects.filter(process=process).first()
    form = form_class(request.POST or None, instance=instance)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            form,
            lambda: services.process_details_update(actor=request.user, process=process, details=form.cleaned_data),
        )
    ):
        messages.success(request, "Details saved; deadlines counted from them have been recomputed.")
        return redirect("process-detail", reference=case.reference, pk=process.pk)
    return render(request, "processes/details.html", {"case": case, "process": process, "form": form})
