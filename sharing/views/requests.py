"""The pages of one information-sharing request: draft it, submit it, answer it, decide it, log what was disclosed
and acknowledge receipt. Each page only calls a service; a user who may not see the request gets 404 on every
one of these addresses, and a user who may see it but is on the wrong side for a move gets 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from coordination import access as core_access
from coordination import selectors as core_selectors
from coordination.forms import run_service

from .. import access, documents, selectors, services, workflow
from ..forms import ACTION_FORMS, DecisionForm, DisclosureForm, RequestForm
from ..models import DataSubject, Disclosure, DocumentVersion, SensitivityFlag, SharingRequest

Status = SharingRequest.Status


def _detail(sharing_request: SharingRequest):
    return redirect("sharing-request-detail", request_ref=sharing_request.reference)


def _person(user) -> str:
    return user.get_full_name() or user.username


def _upload_url(sharing_request: SharingRequest) -> str:
    return reverse("document-upload", args=[sharing_request.case.reference]) + f"?request={sharing_request.reference}"


def _labels(choices, values) -> list[str]:
    known = dict(choices.choices)
    return [known.get(value, value) for value in values]


# --- Drafting and submitting --------------------------------------------------------------------------


def _submit_or_report(request, draft: SharingRequest):
    """After a draft is saved: submit it if asked. What is missing sends the requester back to the form with a
    message on each field; the draft keeps everything they typed."""
    if "submit" not in request.POST:
        messages.success(request, f"Draft {draft.reference} saved. It goes nowhere until you submit it.")
        return _detail(draft)
    try:
        services.request_submit(actor=request.user, request=draft, version=draft.version)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            messages.error(request, " ".join(error.messages))
            return _detail(draft)
        messages.warning(
            request,
            f"Saved as draft {draft.reference}, but not submitted: complete what is marked below, then submit.",
        )
        return redirect(reverse("sharing-request-edit", args=[draft.reference]) + "?check=1")
    messages.success(
        request, f"{draft.reference} submitted to {draft.providing_organisation.display_name}. Its deadline is below."
    )
    return _detail(draft)


def _form_page(request, *, case, form, sharing_request=None, status=200):
    return render(
        request, "sharing/request_form.html", {"case": case, "form": form, "sharing_request": sharing_request},
        status=status,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request, reference):
    case = core_selectors.case_for_change(user=request.user, reference=reference)
    form = RequestForm(request.POST or None, user=request.user, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        draft = run_service(
            form,
            lambda: services.request_create(
                actor=request.user,
                case=case,
                requesting_organisation=data["requesting_organisation"],
                providing_organisation=data["providing_organisation"],
                details=form.details(),
                gateways=data["gateways"],
                processes=data["processes"],
            ),
        )
        if draft:
            return _submit_or_report(request, draft)
    return _form_page(request, case=case, form=form)


def _initial(sharing_request: SharingRequest) -> dict:
    initial = {name: getattr(sharing_request, name) for name in services.REQUEST_FIELDS}
    initial |= {
        "version": sharing_request.version,
        "requesting_organisation": sharing_request.requesting_organisation_id,
        "providing_organisation": sharing_request.providing_organisation_id,
        "gateways": list(sharing_request.gateways.values_list("gateway", flat=True)),
        "processes": list(sharing_request.processes.values_list("pk", flat=True)),
    }
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def request_edit(request, request_ref):
    sharing_request = selectors.request_for_change(user=request.user, reference=request_ref)
    if not access.acts_for_requester(request.user, sharing_request):
        raise PermissionDenied(f"Only {sharing_request.requesting_organisation.display_name} can change its request.")
    if request.method == "GET" and not workflow.may_edit(sharing_request.status):
        messages.info(request, "Only a draft can be changed; once submitted, withdraw it and ask again.")
        return _detail(sharing_request)
    kwargs = {"user": request.user, "case": sharing_request.case, "editing": True}
    if request.method == "POST":
        form = RequestForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            updated = run_service(
                form,
                lambda: services.request_update(
                    actor=request.user,
                    request=sharing_request,
                    version=data["version"],
                    details=form.details(),
                    gateways=data["gateways"],
                    processes=data["processes"],
                    providing_organisation=data["providing_organisation"],
                ),
            )
            if updated:
                return _submit_or_report(request, updated)
    elif "check" in request.GET:
        # Back from a submission that lacked something: the saved draft, with a message on each missing field.
        form = RequestForm(RequestForm.data_from(sharing_request), **kwargs)
        form.is_valid()
        for field, message in services.submission_errors(sharing_request).items():
            form.add_error(field, message)
    else:
        form = RequestForm(initial=_initial(sharing_request), **kwargs)
    return _form_page(request, case=sharing_request.case, form=form, sharing_request=sharing_request)


# --- The request page ---------------------------------------------------------------------------------


@login_required
def request_detail(request, request_ref):
    sharing_request = selectors.request_for_page(user=request.user, reference=request_ref)
    side = selectors.side_of(request.user, sharing_request)
    version = {"version": sharing_request.version}
    may_see_case = core_access.may_see_case(request.user, sharing_request.case)
    # The upload page finds a request among the user's own, so a provider not on the case can attach too.
    may_upload = (side.requester or side.provider) and sharing_request.is_open
    context = {
        "sharing_request": sharing_request,
        "case": sharing_request.case,
        "may_see_case": may_see_case,
        "side": side,
        "deadline": selectors.response_deadline(sharing_request),
        "decisions": list(sharing_request.decisions.all()),
        "disclosures": list(sharing_request.disclosures.all()),
        "history": list(sharing_request.status_changes.all()),
        "documents": documents.visible_documents(request.user, request=sharing_request),
        "upload_url": _upload_url(sharing_request) if may_upload else None,
        "data_subjects": _labels(DataSubject, sharing_request.data_subjects),
        "sensitivity_flags": _labels(SensitivityFlag, sharing_request.sensitivity_flags),
        "missing": services.submission_errors(sharing_request) if side.submit else {},
        "forms": {
            action: form_class(initial=version, prefix=action)
            for action, form_class in ACTION_FORMS.items()
            if getattr(side, action)
        },
    }
    return render(request, "sharing/request_detail.html", context)


ACTIONS = {
    "submit": (
        "Submit the request",
        lambda actor, request, data: services.request_submit(actor=actor, request=request, version=data["version"]),
        "{ref} submitted.",
    ),
    "acknowledge": (
        "Acknowledge the request",
        lambda actor, request, data: services.request_acknowledge(actor=actor, request=request, **data),
        "{ref} acknowledged. The requester has been told.",
    ),
    "consider": (
        "Start considering the request",
        lambda actor, request, data: services.request_consider(actor=actor, request=request, **data),
        "{ref} is under consideration.",
    ),
    "close": (
        "Close the request",
        lambda actor, request, data: services.request_close(actor=actor, request=request, **data),
        "{ref} closed.",
    ),
    "withdraw": (
        "Withdraw the request",
        lambda actor, request, data: services.request_withdraw(actor=actor, request=request, **data),
        "{ref} withdrawn; its deadline is waived.",
    ),
}


@login_required
@require_POST
def request_action(request, request_ref, action):
    if action not in ACTIONS:
        raise Http404("No such action")
    sharing_request = selectors.request_for_change(user=request.user, reference=request_ref)
    title, service, done = ACTIONS[action]
    form = ACTION_FORMS[action](request.POST, prefix=action)
    if form.is_valid():
        if action == "submit":
            # A submission that lacks something goes back to the form, where each missing field is marked.
            return _submit_from_page(request, sharing_request, form)
        if run_service(form, lambda: service(request.user, sharing_request, form.cleaned_data)):
            messages.success(request, done.format(ref=sharing_request.reference))
            return _detail(sharing_request)
    context = {"sharing_request": sharing_request, "case": sharing_request.case, "form": form, "action": action,
               "title": title}  # fmt: skip
    return render(request, "sharing/action.html", context)


def _submit_from_page(request, sharing_request, form):
    try:
        services.request_submit(actor=request.user, request=sharing_request, version=form.cleaned_data["version"])
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            messages.warning(request, "Not submitted yet: complete what is marked below, then submit.")
            return redirect(reverse("sharing-request-edit", args=[sharing_request.reference]) + "?check=1")
        messages.error(request, " ".join(error.messages))
        return _detail(sharing_request)
    messages.success(request, f"{sharing_request.reference} submitted. Its deadline is below.")
    return _detail(sharing_request)


# --- Deciding and disclosing --------------------------------------------------------------------------


def _provider_only(user, sharing_request: SharingRequest, what: str) -> None:
    if not access.acts_for_provider(user, sharing_request):
        raise PermissionDenied(f"Only {sharing_request.providing_organisation.display_name} can {what}.")


@login_required
@require_http_methods(["GET", "POST"])
def request_decide(request, request_ref):
    sharing_request = selectors.request_for_change(user=request.user, reference=request_ref)
    _provider_only(request.user, sharing_request, "decide this request")
    form = DecisionForm(request.POST or None, initial={"version": sharing_request.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decision = run_service(
            form,
            lambda: services.request_decide(
                actor=request.user, request=sharing_request, version=data["version"], **form.decision()
            ),
        )
        if decision:
            messages.success(
                request, f"Decision recorded on {sharing_request.reference}: {decision.get_outcome_display().lower()}."
            )  # noqa: E501
            return _detail(sharing_request)
    context = {
        "sharing_request": sharing_request,
        "case": sharing_request.case,
        "form": form,
        "decidable": workflow.may_decide(sharing_request.status),
    }
    return render(request, "sharing/decide.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def disclosure_new(request, request_ref):
    sharing_request = selectors.request_for_change(user=request.user, reference=request_ref)
    _provider_only(request.user, sharing_request, "log a disclosure on this request")
    versions = (
        DocumentVersion.objects.filter(
            document__request=sharing_request, document__owner=sharing_request.providing_organisation
        )
        .select_related("document")
        .order_by("document__title", "-number")
    )
    recipient = f"{_person(sharing_request.requested_by)}, {sharing_request.requesting_organisation.name}"
    initial = {"recipient_name": recipient, "version": sharing_request.version}
    form = DisclosureForm(request.POST or None, versions=versions, initial=initial)
    if request.method == "POST" and form.is_valid():
        disclosure = run_service(
            form,
            lambda: services.disclosure_record(actor=request.user, request=sharing_request, **form.disclosure()),
        )
        if disclosure:
            messages.success(request, f"Disclosure logged on {sharing_request.reference}; the requester has been told.")
            return _detail(sharing_request)
    context = {
        "sharing_request": sharing_request,
        "case": sharing_request.case,
        "form": form,
        "upload_url": _upload_url(sharing_request),
        "disclosable": selectors.side_of(request.user, sharing_request).disclose,
    }
    return render(request, "sharing/disclose.html", context)


@login_required
@require_POST
def disclosure_acknowledge(request, request_ref, pk):
    sharing_request = selectors.request_for_change(user=request.user, reference=request_ref)
    disclosure = get_object_or_404(Disclosure, pk=pk, request=sharing_request)
    try:
        services.disclosure_acknowledge(actor=request.user, disclosure=disclosure)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Receipt acknowledged; the provider has been told.")
    return _detail(sharing_request)
