"""Every change to an information-sharing request: draft, submit, acknowledge, consider, decide, disclose,
acknowledge receipt, close, withdraw. One transaction each; the request row is locked first, so two people
acting at once are applied one after the other and the second is told what the first did.

Each move is kept as a StatusChange, audited, and notified to the people on both sides (sharing/notify.py).
"""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from coordination import access as core_access
from coordination import audit
from coordination.models import Case, Membership, Organisation, Process

from . import access, deadlines, notify, webhooks, workflow
from .models import (
    DataSubject,
    Disclosure,
    DocumentVersion,
    Gateway,
    RequestGateway,
    SensitivityFlag,
    SharingDecision,
    SharingRequest,
    SpecialCategoryCondition,
    StatusChange,
)

Status = SharingRequest.Status

# What a requester fills in; everything else is set by the workflow.
REQUEST_FIELDS = (
    "requester_role",
    "addressee",
    "items_requested",
    "data_subjects",
    "data_categories",
    "date_range_from",
    "date_range_to",
    "purpose_function",
    "purpose_question",
    "gateway_other",
    "article6_basis",
    "special_category",
    "special_category_paragraph",
    "criminal_offence_data",
    "article10_paragraph",
    "necessity_proportionality",
    "consent_position",
    "consent_reason",
    "transparency_position",
    "transparency_reason",
    "sensitivity_flags",
    "classification",
    "handling_instructions",
    "urgency",
    "requested_by_date",
)


def _today() -> dt.date:
    return timezone.localdate()


def _locked(request: SharingRequest) -> SharingRequest:
    return SharingRequest.objects.select_for_update(of=("self",)).select_related("case").get(pk=request.pk)


def _check_version(request: SharingRequest, version: int | None) -> None:
    if version is not None and version != request.version:
        raise ValidationError(
            "Someone else changed this request after you opened it. Nothing you typed was saved over their "
            "change: reload the page to see it, then make yours again."
        )


def _require_requester(actor, request: SharingRequest) -> None:
    if not access.acts_for_requester(actor, request):
        raise PermissionDenied(f"Only {request.requesting_organisation.display_name} can do that.")


def _require_provider(actor, request: SharingRequest) -> None:
    if not access.acts_for_provider(actor, request):
        raise PermissionDenied(f"Only {request.providing_organisation.display_name} can do that.")


def _move(*, actor, request: SharingRequest, to: str, note: str = "", now=None) -> None:
    now = now or timezone.now()
    StatusChange.objects.create(
        request=request, from_status=request.status, to_status=to, note=note, changed_by=actor, changed_at=now
    )
    before = request.status
    request.status = to
    request.version += 1
    request.updated_at = now
    request.save(update_fields=["status", "version", "updated_at"])
    notify.status_changed(request=request, actor=actor)
    webhooks.status_changed(request=request, from_status=before)  # the outbox, as notify above
    audit.record(action="change", actor=actor, obj=request, object_label=request.reference,
                 changes={"status": [before, to]})  # fmt: skip


def _role_of(actor, organisation: Organisation) -> str:
    membership = Membership.objects.filter(user=actor, organisation=organisation).first()
    return membership.get_role_display() if membership else ""


# --- Drafting ---------------------------------------------------------------------------------------


def _clean_details(details: dict, *, case: Case) -> dict:
    unknown = set(details) - set(REQUEST_FIELDS)
    if unknown:
        raise ValueError(f"not request fields: {sorted(unknown)}")
    details = dict(details)
    for name in ("data_subjects", "sensitivity_flags"):
        details[name] = list(details.get(name) or [])
    errors = {}
    if set(details["data_subjects"]) - set(DataSubject.values):
        errors["data_subjects"] = "Choose data subjects from the list."
    if set(details["sensitivity_flags"]) - set(SensitivityFlag.values):
        errors["sensitivity_flags"] = "Choose sensitivity flags from the list."
    start, end = details.get("date_range_from"), details.get("date_range_to")
    if start and end and end < start:
        errors["date_range_to"] = "The end of the date range is before its start."
    due = details.get("requested_by_date")
    if due and due < _today():
        errors["requested_by_date"] = "The date to respond by cannot be in the past."
    if errors:
        raise ValidationError(errors)
    return details


def _set_processes(request: SharingRequest, processes: Iterable[Process]) -> None:
    processes = list(processes)
    if any(process.case_id != request.case_id for process in processes):
        raise ValidationError({"processes": "Choose processes on this case."})
    request.processes.set(processes)


def _set_gateways(request: SharingRequest, gateways: Iterable[str]) -> None:
    gateways = set(gateways)
    if gateways - set(Gateway.values):
        raise ValidationError({"gateways": "Choose gateways from the list."})
    request.gateways.exclude(gateway__in=gateways).delete()
    have = set(request.gateways.values_list("gateway", flat=True))
    RequestGateway.objects.bulk_create([RequestGateway(request=request, gateway=g) for g in sorted(gateways - have)])


@transaction.atomic
def request_create(
    *,
    actor,
    case: Case,
    requesting_organisation: Organisation,
    providing_organisation: Organisation,
    details: dict,
    gateways: Iterable[str] = (),
    processes: Iterable[Process] = (),
) -> SharingRequest:
    """Start a draft. A draft may be incomplete; submitting it checks that nothing the law needs is missing."""
    if not Membership.objects.filter(user=actor, organisation=requesting_organisation).exists():
        raise PermissionDenied("You can only ask on behalf of an organisation you belong to.")
    if not core_access.may_see_case(actor, case):
        raise PermissionDenied("You cannot see that case.")
    if case.status != Case.Status.OPEN:
        raise ValidationError("This case is closed: no new requests can be made on it.")
    if providing_organisation.pk == requesting_organisation.pk:
        raise ValidationError({"providing_organisation": "Ask another organisation: this is your own."})
    details = _clean_details(details, case=case)
    details.setdefault("requester_role", _role_of(actor, requesting_organisation))
    case = Case.objects.select_for_update().get(pk=case.pk)  # numbers per case are issued one at a time
    number = (case.sharing_requests.aggregate(last=Max("number"))["last"] or 0) + 1
    now = timezone.now()
    request = SharingRequest.objects.create(
        case=case,
        number=number,
        reference=f"{case.reference}-IS{number:02d}",
        requesting_organisation=requesting_organisation,
        requested_by=actor,
        providing_organisation=providing_organisation,
        created_at=now,
        updated_at=now,
        **details,
    )
    _set_gateways(request, gateways)
    _set_processes(request, processes)
    StatusChange.objects.create(request=request, to_status=Status.DRAFT, changed_by=actor, changed_at=now)
    audit.record(action="create", actor=actor, obj=request, object_label=request.reference)
    return request


@transaction.atomic
def request_update(
    *,
    actor,
    request: SharingRequest,
    version: int | None,
    details: dict,
    gateways: Iterable[str],
    processes: Iterable[Process],
    providing_organisation: Organisation | None = None,
) -> SharingRequest:
    """Change a draft. Once submitted, a request is the provider's to answer; the requester withdraws and asks again."""
    request = _locked(request)
    _require_requester(actor, request)
    _check_version(request, version)
    if not workflow.may_edit(request.status):
        raise ValidationError(f"This request was {request.get_status_display().lower()}: only a draft can be changed.")
    details = _clean_details(details, case=request.case)
    changed = audit.changed_fields(_plain(request, details), _plain(details, details))
    for name, value in details.items():
        setattr(request, name, value)
    if providing_organisation is not None:
        if providing_organisation.pk == request.requesting_organisation_id:
            raise ValidationError({"providing_organisation": "Ask another organisation: this is your own."})
        request.providing_organisation = providing_organisation
    request.version += 1
    request.updated_at = timezone.now()
    request.save()
    _set_gateways(request, gateways)
    _set_processes(request, processes)
    audit.record(action="change", actor=actor, obj=request, object_label=request.reference, changes=changed)
    return request


def _plain(source, names) -> dict:
    """Field values as the audit trail keeps them: a person by their id."""
    get = source.get if isinstance(source, dict) else lambda name: getattr(source, name)
    return {name: getattr(get(name), "pk", get(name)) for name in names}


def submission_errors(request: SharingRequest) -> dict[str, str]:
    """What the law and the golden rules need before a request can go, one message per missing field."""
    errors = {}
    gateways = set(request.gateways.values_list("gateway", flat=True))
    if not request.purpose_function.strip():
        errors["purpose_function"] = "Say which function the information is for, e.g. the LCSPR on this case."
    if not request.purpose_question.strip():
        errors["purpose_question"] = "Say which question the information will help answer."
    if not request.items_requested.strip():
        errors["items_requested"] = "List the items asked for, and why each is needed."
    if not gateways:
        errors["gateways"] = "Choose at least one statutory gateway, or voluntary disclosure."
    elif Gateway.OTHER in gateways and not request.gateway_other.strip():
        errors["gateway_other"] = "Name the other gateway."
    if not request.article6_basis:
        errors["article6_basis"] = "Choose the UK GDPR Article 6 lawful basis."
    if request.special_category and not request.special_category_paragraph.strip():
        schedule = "Schedule 8" if request.special_category == SpecialCategoryCondition.DPA_PART3 else "Schedule 1"
        errors["special_category_paragraph"] = f"Give the DPA 2018 {schedule} paragraph relied on."
    if request.criminal_offence_data and not request.article10_paragraph.strip():
        errors["article10_paragraph"] = "Give the Schedule 1 Part 3 paragraph for criminal-offence data."
    if not request.necessity_proportionality.strip():
        errors["necessity_proportionality"] = (
            "Say why this is necessary and proportionate, and why nothing less will do."
        )
    if not request.consent_position:
        errors["consent_position"] = "Record whether consent was sought."
    elif not request.consent_reason.strip():
        errors["consent_reason"] = "Give the reason for the consent position."
    if not request.transparency_position:
        errors["transparency_position"] = "Record whether the people concerned have been told."
    elif not request.transparency_reason.strip():
        errors["transparency_reason"] = "Give the reason for the transparency position."
    if not request.data_subjects:
        errors["data_subjects"] = "Choose whose information is asked for."
    return errors


@transaction.atomic
def request_submit(*, actor, request: SharingRequest, version: int | None) -> SharingRequest:
    request = _locked(request)
    _require_requester(actor, request)
    _check_version(request, version)
    if not workflow.may_edit(request.status):
        raise ValidationError(f"This request has already been {request.get_status_display().lower()}.")
    errors = submission_errors(request)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    request.submitted_at = now
    request.save(update_fields=["submitted_at"])
    deadlines.open_response_milestone(request=request, submitted_on=timezone.localdate(now))
    _move(actor=actor, request=request, to=Status.SUBMITTED, now=now)
    return request


# --- The provider's side -----------------------------------------------------------------------------


@transaction.atomic
def request_acknowledge(
    *, actor, request: SharingRequest, version: int | None = None, note: str = ""
) -> SharingRequest:
    request = _locked(request)
    _require_provider(actor, request)
    _check_version(request, version)
    if not workflow.may_acknowledge(request.status):
        raise ValidationError(f"This request is {request.get_status_display().lower()}: it cannot be acknowledged now.")
    if request.addressee_id is None:
        request.addressee = actor  # whoever acknowledges becomes the single point of contact, unless one was named
        request.save(update_fields=["addressee"])
    _move(actor=actor, request=request, to=Status.ACKNOWLEDGED, note=note.strip())
    return request


@transaction.atomic
def request_consider(*, actor, request: SharingRequest, version: int | None = None, note: str = "") -> SharingRequest:
    """Start (or, after a deferral, resume) considering the request."""
    request = _locked(request)
    _require_provider(actor, request)
    _check_version(request, version)
    if not workflow.may_consider(request.status, _latest_outcome(request)):
        raise ValidationError(f"This request is {request.get_status_display().lower()}: it cannot be considered now.")
    _move(actor=actor, request=request, to=Status.UNDER_CONSIDERATION, note=note.strip())
    return request


def _latest_decision(request: SharingRequest) -> SharingDecision | None:
    return request.decisions.order_by("-decided_at", "-id").first()


def _latest_outcome(request: SharingRequest) -> str | None:
    decision = _latest_decision(request)
    return decision.outcome if decision else None


def _already_decided(request: SharingRequest) -> str:
    decision = _latest_decision(request)
    if decision is None:
        return f"This request is {request.get_status_display().lower()}: it cannot be decided now."
    who = decision.decided_by.get_full_name() or decision.decided_by.get_username()
    when = timezone.localtime(decision.decided_at)
    return (
        f"This request has already been decided: {decision.get_outcome_display().lower()}, by {who} at "
        f"{when:%H:%M} on {when:%-d %B %Y}. Your decision was not recorded; nothing was overwritten."
    )


@transaction.atomic
def request_decide(
    *,
    actor,
    request: SharingRequest,
    version: int | None,
    outcome: str,
    ground: str = "",
    reasons: str = "",
    decision_maker_role: str = "",
    approver_name: str = "",
    approver_role: str = "",
    legal_advice_sought: bool = False,
    conditions: str = "",
    retain_until: dt.date | None = None,
    retention_note: str = "",
    handling_marking: str = "",
    review_date: dt.date | None = None,
) -> SharingDecision:
    request = _locked(request)
    _require_provider(actor, request)
    if not workflow.may_decide(request.status):
        raise ValidationError(_already_decided(request))
    _check_version(request, version)
    errors = {}
    if outcome not in SharingDecision.Outcome.values:
        errors["outcome"] = "Choose the decision."
    elif outcome in SharingDecision.REASONS_REQUIRED:
        label = SharingDecision.Outcome(outcome).label.lower()
        if not reasons.strip():
            errors["reasons"] = f"Give the reasons: a decision to {label} must say why (golden rule 7)."
        if not ground:
            errors["ground"] = f"Choose the ground for the decision to {label}."
    if ground and ground not in SharingDecision.Ground.values:
        errors["ground"] = "Choose a ground from the list."
    if outcome == SharingDecision.Outcome.DEFER:
        if review_date is None:
            errors["review_date"] = "A deferral needs a date on which it will be looked at again."
        elif review_date <= _today():
            errors["review_date"] = "The review date must be in the future."
    if outcome in SharingDecision.SHARES and not conditions.strip() and request.sensitivity_flags:
        errors["conditions"] = (
            "This request carries sensitivity flags: set the conditions on use and onward disclosure."
        )
    if retain_until and retain_until <= _today():
        errors["retain_until"] = "The destroy-by date must be in the future."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    decision = SharingDecision.objects.create(
        request=request,
        outcome=outcome,
        ground=ground,
        reasons=reasons.strip(),
        decided_by=actor,
        decision_maker_role=decision_maker_role.strip() or _role_of(actor, request.providing_organisation),
        approver_name=approver_name.strip(),
        approver_role=approver_role.strip(),
        legal_advice_sought=legal_advice_sought,
        conditions=conditions.strip(),
        retain_until=retain_until,
        retention_note=retention_note.strip(),
        handling_marking=handling_marking.strip(),
        review_date=review_date if outcome == SharingDecision.Outcome.DEFER else None,
        decided_at=now,
    )
    label = decision.get_outcome_display()
    deadlines.meet_response_milestone(request=request, actor=actor, on=timezone.localdate(now), note=label)
    audit.record(action="create", actor=actor, obj=decision, object_label=request.reference,
                 changes={"outcome": [None, outcome], "ground": [None, ground]})  # fmt: skip
    _move(actor=actor, request=request, to=Status.DECIDED, note=label, now=now)
    return decision


@transaction.atomic
def disclosure_record(
    *,
    actor,
    request: SharingRequest,
    version: int | None = None,
    disclosed_on: dt.date,
    method: str,
    recipient_name: str,
    description: str = "",
    versions: Iterable[DocumentVersion] = (),
) -> Disclosure:
    """Log what was sent. Documents are named by version, so the log holds the exact bytes' SHA-256."""
    request = _locked(request)
    _require_provider(actor, request)
    _check_version(request, version)  # a form sent twice logs one disclosure, not two
    decision = _latest_decision(request)
    if decision is None or not workflow.may_disclose(request.status, decision.outcome):
        raise ValidationError("Only a request decided in favour of sharing can have a disclosure logged.")
    versions = list(versions)
    errors = {}
    if method not in Disclosure.Method.values:
        errors["method"] = "Choose how it was sent."
    if not recipient_name.strip():
        errors["recipient_name"] = "Say to whom it was sent."
    if disclosed_on > _today():
        errors["disclosed_on"] = "The date it was sent cannot be in the future."
    elif disclosed_on < timezone.localdate(decision.decided_at):
        errors["disclosed_on"] = "It cannot have been sent before the decision to share."
    if not versions and not description.strip():
        errors["description"] = "Choose the documents sent, or describe what was sent."
    if any(v.document.request_id != request.pk or v.document.owner_id != request.providing_organisation_id
           for v in versions):  # fmt: skip
        errors["versions"] = "Only documents your organisation attached to this request can be disclosed through it."
    if errors:
        raise ValidationError(errors)
    disclosure = Disclosure.objects.create(
        request=request,
        decision=decision,
        disclosed_on=disclosed_on,
        method=method,
        description=description.strip(),
        disclosed_by=actor,
        recipient_name=recipient_name.strip(),
        recorded_at=timezone.now(),
    )
    disclosure.versions.set(versions)
    audit.record(
        action="disclose", actor=actor, obj=disclosure, object_label=request.reference,
        changes={"to": request.requesting_organisation.name, "method": method,
                 "documents": {str(v.pk): v.sha256 for v in versions}},
    )  # fmt: skip
    if request.status == Status.DECIDED:
        _move(actor=actor, request=request, to=Status.DISCLOSED, note=f"Sent to {disclosure.recipient_name}")
    else:
        request.version += 1
        request.updated_at = timezone.now()
        request.save(update_fields=["version", "updated_at"])
        notify.status_changed(request=request, actor=actor, event="further disclosure logged")
    return disclosure


# --- The requester's side ----------------------------------------------------------------------------


@transaction.atomic
def disclosure_acknowledge(*, actor, disclosure: Disclosure) -> Disclosure:
    request = _locked(disclosure.request)
    _require_requester(actor, request)
    disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    if disclosure.acknowledged_at is not None:
        raise ValidationError("Receipt of this disclosure has already been acknowledged.")
    disclosure.acknowledged_at = timezone.now()
    disclosure.acknowledged_by = actor
    disclosure.save(update_fields=["acknowledged_at", "acknowledged_by"])
    audit.record(action="change", actor=actor, obj=disclosure, object_label=request.reference,
                 changes={"acknowledged": [False, True]})  # fmt: skip
    notify.status_changed(request=request, actor=actor, event="receipt of the disclosure acknowledged")
    return disclosure


@transaction.atomic
def request_close(*, actor, request: SharingRequest, version: int | None = None, note: str = "") -> SharingRequest:
    request = _locked(request)
    if not (access.acts_for_requester(actor, request) or access.acts_for_provider(actor, request)):
        raise PermissionDenied("Only the requesting or providing organisation can close a request.")
    _check_version(request, version)
    if not workflow.may_close(request.status, _latest_outcome(request)):
        raise ValidationError("A request can be closed once it is disclosed, or refused.")
    _move(actor=actor, request=request, to=Status.CLOSED, note=note.strip())
    return request


@transaction.atomic
def request_withdraw(*, actor, request: SharingRequest, version: int | None = None, reason: str) -> SharingRequest:
    request = _locked(request)
    _require_requester(actor, request)
    _check_version(request, version)
    if not workflow.may_withdraw(request.status, _latest_outcome(request)):
        raise ValidationError(f"This request is {request.get_status_display().lower()}: it can no longer be withdrawn.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the request is withdrawn."})
    request.withdrawn_reason = reason.strip()
    request.save(update_fields=["withdrawn_reason"])
    deadlines.waive_response_milestone(request=request, actor=actor, reason=f"Request withdrawn: {reason.strip()}")
    _move(actor=actor, request=request, to=Status.WITHDRAWN, note=reason.strip())
    return request
