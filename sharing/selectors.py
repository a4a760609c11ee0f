"""Reads for the request pages and the registers. A register costs the same number of queries for one row as
for a full page: the response due date, whether it is overdue, the latest outcome and the first disclosure
date come from subqueries, the gateways from one prefetch."""

from dataclasses import dataclass

import django_filters
from django import forms
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.http import Http404
from django.utils import timezone

from coordination import clock
from coordination.access import cases_visible_to, memberships_of
from coordination.models import Case, Milestone, Organisation

from . import access, deadlines, workflow
from .models import Disclosure, Gateway, RequestGateway, SharingDecision, SharingRequest, StatusChange

Status = SharingRequest.Status
Outcome = SharingDecision.Outcome


# --- Registers -------------------------------------------------------------------------------------


def _register_rows(requests: QuerySet[SharingRequest]) -> QuerySet[SharingRequest]:
    today = timezone.localdate()
    milestones = Milestone.objects.filter(subject_type=deadlines.SUBJECT, subject_id=OuterRef("pk"))
    latest_decision = SharingDecision.objects.filter(request=OuterRef("pk")).order_by("-decided_at", "-id")
    first_disclosure = Disclosure.objects.filter(request=OuterRef("pk")).order_by("disclosed_on", "id")
    return (
        requests.select_related("case", "requesting_organisation", "providing_organisation")
        .prefetch_related(Prefetch("gateways", queryset=RequestGateway.objects.order_by("gateway")))
        .annotate(
            response_due=Subquery(milestones.order_by("-id").values("due_date")[:1]),
            open_due=Subquery(milestones.filter(clock.OPEN).order_by("due_date").values("due_date")[:1]),
            outcome=Subquery(latest_decision.values("outcome")[:1]),
            disclosed_on=Subquery(first_disclosure.values("disclosed_on")[:1]),
        )
        .annotate(
            overdue=ExpressionWrapper(Q(open_due__lt=today), output_field=BooleanField()),
            outcome_label=SqlCase(
                *[When(outcome=value, then=Value(label)) for value, label in Outcome.choices], default=Value("")
            ),
        )
        .order_by("-updated_at", "-id")
    )


class RegisterFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Reference")
    status = django_filters.ChoiceFilter(choices=Status.choices, empty_label="Any status")
    organisation = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.all(), method="either_party", label="Organisation", empty_label="Either side"
    )
    gateway = django_filters.ChoiceFilter(
        choices=Gateway.choices, method="cites", label="Gateway", empty_label="Any gateway"
    )
    overdue = django_filters.BooleanFilter(method="only_overdue", label="Overdue only", widget=forms.CheckboxInput)

    class Meta:
        model = SharingRequest
        fields = ["q", "status", "organisation", "gateway", "overdue"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(reference__icontains=value) if value else queryset

    def either_party(self, queryset, name, value):
        return queryset.filter(Q(requesting_organisation=value) | Q(providing_organisation=value))

    def cites(self, queryset, name, value):
        return queryset.filter(Exists(RequestGateway.objects.filter(request=OuterRef("pk"), gateway=value)))

    def only_overdue(self, queryset, name, value):
        return queryset.filter(overdue=True) if value else queryset


def register(*, user, params, case: Case | None = None) -> RegisterFilter:
    """Every request the user may see (on one case, if given), filtered as asked."""
    requests = access.requests_visible_to(user)
    if case is not None:
        requests = requests.filter(case=case)
    return RegisterFilter(params, queryset=_register_rows(requests))


def inbox(*, user, params) -> RegisterFilter:
    """Requests to my organisations that wait on us: to be acknowledged, considered or decided, a deferral to
    decide again, or a decision to share whose disclosure is not yet logged."""
    mine = memberships_of(user).values("organisation")
    requests = access.requests_visible_to(user).filter(providing_organisation__in=mine)
    rows = _register_rows(requests).filter(
        Q(status__in=workflow.AWAITING_DECISION)
        | Q(status=Status.DECIDED, outcome__in=[*SharingDecision.SHARES, Outcome.DEFER])
    )
    return RegisterFilter(params, queryset=rows)


def outbox(*, user, params) -> RegisterFilter:
    """Requests my organisations made, drafts included."""
    mine = memberships_of(user).values("organisation")
    requests = access.requests_visible_to(user).filter(requesting_organisation__in=mine)
    return RegisterFilter(params, queryset=_register_rows(requests))


def case_for_register(*, user, reference: str) -> Case:
    """The case, if the user may see it or is party to a request on it; otherwise 404, the same for a case that
    does not exist."""
    case = Case.objects.select_related("partnership").filter(reference=reference).first()
    if case is None:
        raise Http404("No such case")
    if not (
        cases_visible_to(user).filter(pk=case.pk).exists()
        or access.requests_visible_to(user).filter(case=case).exists()
    ):
        raise Http404("No such case")
    return case


# --- One request -----------------------------------------------------------------------------------


def request_for_page(*, user, reference: str) -> SharingRequest:
    """The request with everything its page shows, or 404 if the user may not see it."""
    requests = (
        access.requests_visible_to(user)
        .select_related(
            "case", "case__partnership", "requesting_organisation", "providing_organisation", "requested_by",
            "addressee",
        )
        .prefetch_related(
            Prefetch("gateways", queryset=RequestGateway.objects.order_by("gateway")),
            "processes",
            Prefetch("decisions", queryset=SharingDecision.objects.select_related("decided_by")),
            Prefetch(
                "disclosures",
                queryset=Disclosure.objects.select_related("disclosed_by", "acknowledged_by", "decision")
                .prefetch_related("versions__document"),
            ),
            Prefetch("status_changes", queryset=StatusChange.objects.select_related("changed_by")),
        )
    )  # fmt: skip
    try:
        return requests.get(reference=reference)
    except SharingRequest.DoesNotExist:
        raise Http404("No such request") from None


def request_for_change(*, user, reference: str) -> SharingRequest:
    try:
        return (
            access.requests_visible_to(user)
            .select_related("case", "requesting_organisation", "providing_organisation")
            .get(reference=reference)
        )
    except SharingRequest.DoesNotExist:
        raise Http404("No such request") from None


@dataclass(frozen=True)
class Deadline:
    milestone: Milestone
    status: clock.Status


def response_deadline(request: SharingRequest) -> Deadline | None:
    milestone = deadlines.response_milestone(request)
    if milestone is None:
        return None
    today = timezone.localdate()
    return Deadline(milestone, clock.status_of(milestone, today=today, process_paused=False))


def latest_decision(request: SharingRequest) -> SharingDecision | None:
    decisions = list(request.decisions.all())  # prefetched, oldest first
    return decisions[-1] if decisions else None


@dataclass(frozen=True)
class Side:
    """What the user's side may do to the request now; the services check it again when they do it."""

    requester: bool
    provider: bool
    edit: bool = False
    submit: bool = False
    acknowledge: bool = False
    consider: bool = False
    decide: bool = False
    disclose: bool = False
    close: bool = False
    withdraw: bool = False

    @property
    def any(self) -> bool:
        return any((self.edit, self.submit, self.acknowledge, self.consider, self.decide, self.disclose, self.close,
                    self.withdraw))  # fmt: skip


def side_of(user, request: SharingRequest, *, organisation_ids: set[int] | None = None) -> Side:
    """What the user may do; a list passes `organisation_ids` (the user's organisations, read once) instead."""
    if organisation_ids is None:
        requester = access.acts_for_requester(user, request)
        provider = access.acts_for_provider(user, request)
    else:
        requester = request.requesting_organisation_id in organisation_ids
        provider = request.providing_organisation_id in organisation_ids
    decision = latest_decision(request)
    outcome = decision.outcome if decision else None
    status = request.status
    return Side(
        requester=requester,
        provider=provider,
        edit=requester and workflow.may_edit(status),
        submit=requester and workflow.may_edit(status),
        acknowledge=provider and workflow.may_acknowledge(status),
        consider=provider and workflow.may_consider(status, outcome),
        decide=provider and workflow.may_decide(status),
        disclose=provider and workflow.may_disclose(status, outcome),
        close=(requester or provider) and workflow.may_close(status, outcome),
        withdraw=requester and workflow.may_withdraw(status, outcome),
    )
