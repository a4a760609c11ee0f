"""Which step a request's status allows next: one answer for the services that take the step and for the page
that offers it. Who may take it (requester or provider) is sharing/access.py's question."""

from .models import SharingDecision, SharingRequest

Status = SharingRequest.Status
Outcome = SharingDecision.Outcome

# Submitted and not yet decided: the provider still has to answer, so the response deadline runs and is reminded of.
AWAITING_DECISION = (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.UNDER_CONSIDERATION)


def _deferred(status: str, outcome: str | None) -> bool:
    return status == Status.DECIDED and outcome == Outcome.DEFER


def may_edit(status: str) -> bool:
    return status == Status.DRAFT


def may_acknowledge(status: str) -> bool:
    return status == Status.SUBMITTED


def may_consider(status: str, outcome: str | None) -> bool:
    """Start considering, or consider again once a deferral's review date has come."""
    return status == Status.ACKNOWLEDGED or _deferred(status, outcome)


def may_decide(status: str) -> bool:
    return status in AWAITING_DECISION and status != Status.SUBMITTED  # acknowledged first


def may_disclose(status: str, outcome: str | None) -> bool:
    return status in (Status.DECIDED, Status.DISCLOSED) and outcome in SharingDecision.SHARES


def may_close(status: str, outcome: str | None) -> bool:
    return status == Status.DISCLOSED or (status == Status.DECIDED and outcome == Outcome.REFUSE)


def may_withdraw(status: str, outcome: str | None) -> bool:
    before_decision = status == Status.DRAFT or status in AWAITING_DECISION
    return before_decision or _deferred(status, outcome)
