"""The clock on an information-sharing request: when the provider should answer by.

A request is a deadline subject of its own (coordination/subjects.py, registered by this app when it starts). A
submitted request gets one milestone, "Respond to the information-sharing request", from the partnership's rule.
The rules are data (TimescaleRule, subject "sharing_request") in one group of alternatives, so a partnership
chooses its own on the Timescales page: 10 working days by default (local practice), or the 14 days of the 2013
police/CPS/local authority disclosure protocol. When the requester asks for an earlier or later
date, that date is the due date and the explanation says what the rule would have given. Deciding the request
meets the milestone.
"""

import datetime as dt

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from coordination import clock, subjects
from coordination.models import Case, Milestone, TimescaleRule

from . import notify, workflow
from .models import SharingRequest

SUBJECT = "sharing_request"
RESPONSE_GROUP = "information_sharing_response"

_RULES = (
    {
        "code": "IS1",
        "milestone": "Respond to the information-sharing request",
        "amount": 10,
        "unit": TimescaleRule.Unit.WORKING_DAYS,
        "force": TimescaleRule.Force.LOCAL,
        "source": "Parallel's default for a partnership without its own information-sharing protocol; "
        "choose the 2013 protocol's 14 days (IS2) or correct this rule to follow yours",
        # No source states it: an assumption for the partnership to confirm or correct (unverified).
        "verification": TimescaleRule.Verification.UNVERIFIED,
        "default_alternative": True,
    },
    {
        "code": "IS2",
        "milestone": "Respond to the information-sharing request",
        "amount": 14,
        "unit": TimescaleRule.Unit.CALENDAR_DAYS,
        "force": TimescaleRule.Force.GUIDANCE,
        "source": "2013 Protocol and Good Practice Model on disclosure between police, CPS and local "
        "authorities (in practice from 1 Jan 2014): reply within 14 days of a request",
        "source_url": "http://localgovernmentlawyer.co.uk/index.php?option=com_content&view=article&id=18547"
        "%3Adisclosure-update&catid=54&Itemid=22",
        "verification": TimescaleRule.Verification.PARTLY,
        "default_alternative": False,
    },
)


def seed_rules() -> int:
    """Create the national information-sharing rules the database lacks; rules already there keep their edits."""
    existing = set(TimescaleRule.objects.filter(partnership=None).values_list("code", flat=True))
    new = [
        TimescaleRule(
            subject_type=SUBJECT,
            trigger="request:submitted",
            trigger_label="request submitted",
            alternative_group=RESPONSE_GROUP,
            effective_from=dt.date(2018, 6, 29),
            escalate_after_working_days=None,  # not statutory: reminders, no escalation
            **fields,
        )
        for fields in _RULES
        if fields["code"] not in existing
    ]
    TimescaleRule.objects.bulk_create(new)
    return len(new)


def response_rule(request: SharingRequest) -> TimescaleRule:
    rules = clock.rules_in_use(partnership_id=request.case.partnership_id, subject_type=SUBJECT)
    in_force = [rule for rule in rules if rule.effective_to is None or rule.effective_to >= timezone.localdate()]
    return (in_force or rules)[0]


def _on(day: dt.date) -> str:
    return f"{day:%a %-d %b %Y}"


def open_response_milestone(*, request: SharingRequest, submitted_on: dt.date) -> Milestone:
    """The milestone a submitted request starts: the rule's date, or the date the requester asked for."""
    rule = response_rule(request)
    closures = clock.closures_for(request.case.partnership)
    due = clock.base_due(rule, 1, submitted_on, closures)
    explanation = clock.explanation(rule, due)
    due_date = due.due
    if request.requested_by_date and request.requested_by_date != due.due:
        due_date = request.requested_by_date
        urgency = "urgent, " if request.urgency == SharingRequest.Urgency.URGENT else ""
        explanation = (
            f"Asked for by {_on(due_date)} ({urgency}set by the requester). "
            f"The partnership's rule {rule.code} would give {_on(due.due)}: {explanation}"
        )
    return Milestone.objects.create(
        case=request.case,
        subject_type=SUBJECT,
        subject_id=request.pk,
        rule=rule,
        trigger_date=submitted_on,
        base_due_date=due_date,
        due_date=due_date,
        explanation=explanation,
        created_at=timezone.now(),
    )


def milestones_of(request: SharingRequest):
    return Milestone.objects.filter(subject_type=SUBJECT, subject_id=request.pk)


def latest_due_date() -> Subquery:
    """For a queryset of requests: the latest due date of each one's response deadlines (None before submission)."""
    latest = Milestone.objects.filter(subject_type=SUBJECT, subject_id=OuterRef("pk")).order_by("-due_date")
    return Subquery(latest.values("due_date")[:1])


def meet_response_milestone(*, request: SharingRequest, actor, on: dt.date, note: str) -> None:
    milestones_of(request).filter(clock.OPEN).update(
        completed_on=on, completed_by=actor, completion_note=note, updated_at=timezone.now()
    )


def waive_response_milestone(*, request: SharingRequest, actor, reason: str) -> None:
    milestones_of(request).filter(clock.OPEN).update(
        waived_at=timezone.now(), waived_by=actor, waiver_reason=reason, updated_at=timezone.now()
    )


def response_milestone(request: SharingRequest) -> Milestone | None:
    milestone = milestones_of(request).select_related("rule").order_by("-id").first()
    if milestone is not None:
        milestone.subject = request
    return milestone


# --- The deadline subject ------------------------------------------------------------------------------------


def _awaiting_decision():
    """Requests whose response deadline still runs: submitted, not yet decided, on an open case."""
    return SharingRequest.objects.filter(status__in=workflow.AWAITING_DECISION, case__status=Case.Status.OPEN)


SUBJECT_TYPE = subjects.SubjectType(
    key=SUBJECT,
    label="Information-sharing requests",
    model=SharingRequest,
    describe=lambda request: f"Information request {request.reference}",
    url=lambda request: reverse("sharing-request-detail", args=[request.reference]),
    deadline_anchor="#deadline",
    api_url=lambda request: reverse("api-sharing-request-detail", args=[request.reference]),
    api_id=lambda request: request.reference,
    # A request's deadline is for the organisation asked to answer it.
    agency_field="providing_organisation",
    # A request's reference (NSCP-2026-001-IS01) starts with its case's: searching it adds only the suffix.
    search_fields=("reference",),
    agency_note=lambda request: f"asked by {request.requesting_organisation.display_name}",
    running=_awaiting_decision,
    reminder_recipients=notify.people_still_acting,
    select_related=("case", "requesting_organisation", "providing_organisation", "requested_by", "addressee"),
)
