"""Every service that changes a record checks who is asking, whoever calls it (a page, the API, a task, a
command): the person allowed succeeds, a user of an agency with no part in the case is refused, and so is someone
who had the right role but has left the organisation (their membership ended, their account still active).

One row per service. Each row prepares what the service acts on, calls it as each of the three people, and says
how to tell that it happened, so a refusal is checked to have changed nothing."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from coordination import clock, corrections, grants, rules, services
from coordination.models import Membership, Milestone, Process, RuleChoice, TimescaleRule
from coordination.summaries import services as summaries
from sharing import documents
from sharing import grants as sharing_grants
from sharing import services as sharing
from sharing.models import Disclosure, SharingRequest
from tests.factories import add_process, draft_request, member, open_case, submitted_request, test_rule

TODAY = timezone.localdate


@dataclass(frozen=True)
class Row:
    name: str
    who: str  # whose act it is: "manager" (the case's partnership), "requester" (the IOPC), "provider" (the council)
    prepare: Callable[[Any], dict]  # sharing_world -> what the service acts on
    act: Callable[[Any, dict], Any]  # (actor, prepared) -> the service's answer
    done: Callable[[dict], bool]  # whether it happened


# --- What each service acts on -----------------------------------------------------------------------------------


def _lcspr(sw) -> dict:
    return {"process": add_process(sw.world, "lcspr", opened_on=sw.world.case.la_aware_date)}


def _paused(sw) -> dict:
    process = _lcspr(sw)["process"]
    services.process_pause(actor=sw.world.manager, process=process, reason="other", explanation="Held.")
    return {"process": process}


def _milestone(sw) -> dict:
    test_rule()
    process = add_process(sw.world, "serious_incident_notification", opened_on=sw.world.case.la_aware_date)
    return {"process": process, "milestone": Milestone.objects.get(process=process, rule__code="T1")}


def _two_processes(sw) -> dict:
    inquest = add_process(sw.world, "coronial_investigation", opened_on=sw.world.case.la_aware_date)
    return {**_lcspr(sw), "inquest": inquest}


def _relationship(sw) -> dict:
    lcspr = _lcspr(sw)["process"]
    inquest = add_process(sw.world, "coronial_investigation", opened_on=sw.world.case.la_aware_date)
    relationship = services.relationship_record(
        actor=sw.world.manager, case=sw.world.case, kind="informs", from_process=inquest, to_process=lcspr, reason="x"
    )
    return {"relationship": relationship}


def _empty_case(sw) -> dict:
    return {"case": open_case(manager=sw.world.manager, partnership=sw.world.partnership, pseudonym="Child R")}


def _alternative(sw) -> dict:
    return {"rule": TimescaleRule.objects.get(code="L4")}


def _case_grant(sw) -> dict:
    row = grants.grant(actor=sw.world.manager, case=sw.world.case, scope="case", organisation=sw.world.outside_agency,
                       reason="Police partner.")  # fmt: skip
    return {"grant": row}


def _draft(sw) -> dict:
    return {"request": draft_request(sw)}


def _submitted(sw) -> dict:
    return {"request": submitted_request(sw)}


def _acknowledged(sw) -> dict:
    request = submitted_request(sw)
    sharing.request_acknowledge(actor=sw.world.agency_user, request=request)
    return {"request": SharingRequest.objects.get(pk=request.pk)}


def _decided(sw) -> dict:
    request = _acknowledged(sw)["request"]
    sharing.request_decide(actor=sw.world.agency_user, request=request, version=None, outcome="share_in_full")
    return {"request": SharingRequest.objects.get(pk=request.pk)}


def _disclosed(sw) -> dict:
    request = _decided(sw)["request"]
    disclosure = sharing.disclosure_record(actor=sw.world.agency_user, request=request, disclosed_on=TODAY(),
                                           method="secure_email", recipient_name="IOPC",
                                           description="Chronology.")  # fmt: skip
    return {"request": SharingRequest.objects.get(pk=request.pk), "disclosure": disclosure}


def _request_grant(sw) -> dict:
    request = submitted_request(sw)
    row = sharing_grants.request_grant(actor=sw.world.manager, request=request, organisation=sw.world.outside_agency,
                                       reason="Police partner.")  # fmt: skip
    return {"request": request, "grant": row}


def _document(sw) -> dict:
    upload = SimpleUploadedFile("a.csv", b"a,b\n1,2\n", content_type="text/csv")
    document = documents.document_add(actor=sw.world.manager, case=sw.world.case, title="Notes", upload=upload,
                                      classification="OFFICIAL", descriptor="", handling_instructions="")  # fmt: skip
    return {"document": document}


def _upload():
    return SimpleUploadedFile("b.csv", b"a,b\n3,4\n", content_type="text/csv")


def _status(request) -> str:
    return SharingRequest.objects.get(pk=request.pk).status


ROWS = [
    # The case and its processes: the partnership's managers.
    Row("case_open", "manager", lambda sw: {},
        lambda actor, p: services.case_open(actor=actor, partnership=actor_partnership(p), pseudonym="Child N",
                                            incident_type="death", incident_date=TODAY() - dt.timedelta(3),
                                            la_aware_date=TODAY() - dt.timedelta(2), summary="x"),
        lambda p: p["world"].partnership.cases.filter(pseudonym="Child N").exists()),
    Row("case_correct_dates", "manager", lambda sw: {},
        lambda actor, p: services.case_correct_dates(actor=actor, case=p["world"].case,
                                                     incident_date=TODAY() - dt.timedelta(40),
                                                     la_aware_date=TODAY() - dt.timedelta(39), reason="Typo."),
        lambda p: p["world"].case.__class__.objects.get(pk=p["world"].case.pk).incident_date
        == TODAY() - dt.timedelta(40)),
    Row("case_close", "manager", _empty_case,
        lambda actor, p: services.case_close(actor=actor, case=p["case"], note="Done."),
        lambda p: p["case"].__class__.objects.get(pk=p["case"].pk).status == "closed"),
    Row("process_add", "manager", lambda sw: {},
        lambda actor, p: services.process_add(actor=actor, case=p["world"].case, kind="lcspr", owner=p["world"].council,
                                              opened_on=TODAY()),
        lambda p: p["world"].case.processes.filter(kind="lcspr").exists()),
    Row("process_details_update", "manager", _lcspr,
        lambda actor, p: services.process_details_update(actor=actor, process=p["process"],
                                                         details={"decision_date": TODAY()}),
        lambda p: p["process"].kind_def.details_model_class().objects.get(process=p["process"]).decision_date
        == TODAY()),
    Row("process_move", "manager", _lcspr,
        lambda actor, p: services.process_move(actor=actor, process=p["process"], to_stage="reviewer_appointed",
                                               expected_stage="commissioning"),
        lambda p: Process.objects.get(pk=p["process"].pk).stage == "reviewer_appointed"),
    Row("stage_change_correct", "manager", _lcspr,
        lambda actor, p: services.stage_change_correct(actor=actor, change=p["process"].stage_changes.get(),
                                                       effective_on=TODAY() - dt.timedelta(1), reason="Typo."),
        lambda p: p["process"].stage_changes.get().corrected_from is not None),
    Row("process_pause", "manager", _lcspr,
        lambda actor, p: services.process_pause(actor=actor, process=p["process"], reason="other", explanation="Held."),
        lambda p: Process.objects.get(pk=p["process"].pk).status == "paused"),
    Row("process_resume", "manager", _paused,
        lambda actor, p: services.process_resume(actor=actor, process=p["process"]),
        lambda p: Process.objects.get(pk=p["process"].pk).status == "active"),
    Row("relationship_record", "manager", _two_processes,
        lambda actor, p: services.relationship_record(actor=actor, case=p["world"].case, kind="informs",
                                                      from_process=p["inquest"], to_process=p["process"], reason="x"),
        lambda p: p["world"].case.relationships.exists()),
    Row("relationship_end", "manager", _relationship,
        lambda actor, p: services.relationship_end(actor=actor, relationship=p["relationship"], reason="Over."),
        lambda p: p["relationship"].__class__.objects.get(pk=p["relationship"].pk).ended_at is not None),
    # The statutory clock.
    Row("milestone_complete", "manager", _milestone,
        lambda actor, p: clock.milestone_complete(actor=actor, milestone=p["milestone"], completed_on=TODAY()),
        lambda p: Milestone.objects.get(pk=p["milestone"].pk).completed_on == TODAY()),
    Row("milestone_waive", "manager", _milestone,
        lambda actor, p: clock.milestone_waive(actor=actor, milestone=p["milestone"], reason="Not notifiable."),
        lambda p: Milestone.objects.get(pk=p["milestone"].pk).waived_at is not None),
    Row("milestone_extend", "manager", _milestone,
        lambda actor, p: clock.milestone_extend(actor=actor, milestone=p["milestone"],
                                                new_due_date=p["milestone"].due_date + dt.timedelta(30),
                                                reason="More time.", authorised_by="Chair", basis="Agreed"),
        lambda p: Milestone.objects.get(pk=p["milestone"].pk).adjustments.exists()),
    Row("milestone_trigger_correct", "manager", _milestone,
        lambda actor, p: corrections.milestone_trigger_correct(actor=actor, milestone=p["milestone"],
                                                               trigger_date=p["milestone"].trigger_date
                                                               - dt.timedelta(1), reason="Typo."),
        lambda p: Milestone.objects.get(pk=p["milestone"].pk).adjustments.exists()),
    Row("process_record_event", "manager", _lcspr,
        lambda actor, p: clock.process_record_event(
            actor=actor, process=add_process(p["world"], "serious_incident_notification"),
            key="looked_after_child_death", occurred_on=TODAY()),
        lambda p: p["world"].case.processes.filter(events__key="looked_after_child_death").exists()),
    # The partnership's timescales.
    Row("local_rule_add", "manager", lambda sw: {},
        lambda actor, p: rules.local_rule_add(actor=actor, partnership=p["world"].partnership, process_kind="lcspr",
                                              milestone="Agency chronology", trigger="stage:reviewer_appointed",
                                              trigger_label="reviewer appointed", amount=10, unit="working_days",
                                              source="Partnership procedures 4.2",
                                              effective_from=dt.date(2024, 1, 1)),
        lambda p: TimescaleRule.objects.filter(partnership=p["world"].partnership).exists()),
    Row("alternative_choose", "manager", _alternative,
        lambda actor, p: rules.alternative_choose(actor=actor, partnership=p["world"].partnership, rule=p["rule"]),
        lambda p: RuleChoice.objects.filter(partnership=p["world"].partnership).exists()),
    Row("closure_day_add", "manager", lambda sw: {},
        lambda actor, p: rules.closure_day_add(actor=actor, partnership=p["world"].partnership,
                                               date=TODAY() + dt.timedelta(20), name="Council closure day"),
        lambda p: p["world"].partnership.closureday_set.exists()),
    # Need to know.
    Row("grant", "manager", lambda sw: {},
        lambda actor, p: grants.grant(actor=actor, case=p["world"].case, scope="case",
                                      organisation=p["world"].outside_agency, reason="Police partner."),
        lambda p: bool(grants.grants_on(p["world"].case)) and any(
            row.grantee == p["world"].outside_agency.name for row in grants.grants_on(p["world"].case))),
    Row("revoke", "manager", _case_grant,
        lambda actor, p: grants.revoke(actor=actor, case=p["world"].case, scope="case", grant_id=p["grant"].pk,
                                       to_group=True),
        lambda p: not p["grant"].__class__.objects.filter(pk=p["grant"].pk).exists()),
    Row("summary_request", "manager", lambda sw: {},
        lambda actor, p: summaries.summary_request(actor=actor, case=p["world"].case),
        lambda p: p["world"].case.pdf_summaries.exists()),
    # Information sharing: the requester's acts, the provider's, and the partnership's.
    Row("request_create", "requester", lambda sw: {},
        lambda actor, p: sharing.request_create(actor=actor, case=p["world"].case,
                                                requesting_organisation=p["sw"].iopc,
                                                providing_organisation=p["world"].council, details={}),
        lambda p: SharingRequest.objects.exists()),
    Row("request_update", "requester", _draft,
        lambda actor, p: sharing.request_update(actor=actor, request=p["request"], version=None,
                                                details={"items_requested": "Changed."}, gateways=[], processes=[]),
        lambda p: SharingRequest.objects.get(pk=p["request"].pk).items_requested == "Changed."),
    Row("request_submit", "requester", _draft,
        lambda actor, p: sharing.request_submit(actor=actor, request=p["request"], version=None),
        lambda p: _status(p["request"]) == "submitted"),
    Row("request_withdraw", "requester", _submitted,
        lambda actor, p: sharing.request_withdraw(actor=actor, request=p["request"], reason="Not needed."),
        lambda p: _status(p["request"]) == "withdrawn"),
    Row("request_acknowledge", "provider", _submitted,
        lambda actor, p: sharing.request_acknowledge(actor=actor, request=p["request"]),
        lambda p: _status(p["request"]) == "acknowledged"),
    Row("request_consider", "provider", _acknowledged,
        lambda actor, p: sharing.request_consider(actor=actor, request=p["request"]),
        lambda p: _status(p["request"]) == "under_consideration"),
    Row("request_decide", "provider", _acknowledged,
        lambda actor, p: sharing.request_decide(actor=actor, request=p["request"], version=None,
                                                outcome="share_in_full"),
        lambda p: _status(p["request"]) == "decided"),
    Row("disclosure_record", "provider", _decided,
        lambda actor, p: sharing.disclosure_record(actor=actor, request=p["request"], disclosed_on=TODAY(),
                                                   method="secure_email", recipient_name="IOPC",
                                                   description="Chronology."),
        lambda p: Disclosure.objects.filter(request=p["request"]).exists()),
    Row("disclosure_acknowledge", "requester", _disclosed,
        lambda actor, p: sharing.disclosure_acknowledge(actor=actor, disclosure=p["disclosure"]),
        lambda p: Disclosure.objects.get(pk=p["disclosure"].pk).acknowledged_by_id is not None),
    Row("request_close", "requester", _disclosed,
        lambda actor, p: sharing.request_close(actor=actor, request=p["request"]),
        lambda p: _status(p["request"]) == "closed"),
    Row("request_grant", "manager", _submitted,
        lambda actor, p: sharing_grants.request_grant(actor=actor, request=p["request"],
                                                      organisation=p["world"].outside_agency, reason="Partner."),
        lambda p: p["request"].sharingrequestgroupobjectpermission_set.exists()),
    Row("request_revoke", "manager", _request_grant,
        lambda actor, p: sharing_grants.request_revoke(actor=actor, request=p["request"], grant_id=p["grant"].pk),
        lambda p: not p["request"].sharingrequestgroupobjectpermission_set.exists()),
    Row("document_add", "manager", lambda sw: {},
        lambda actor, p: documents.document_add(actor=actor, case=p["world"].case, title="Minutes", upload=_upload(),
                                                classification="OFFICIAL", descriptor="", handling_instructions=""),
        lambda p: p["world"].case.documents.filter(title="Minutes").exists()),
    Row("version_add", "manager", _document,
        lambda actor, p: documents.version_add(actor=actor, document=p["document"], upload=_upload()),
        lambda p: p["document"].versions.count() == 2),
]  # fmt: skip


def actor_partnership(prepared: dict):
    return prepared["world"].partnership


# --- The three people ----------------------------------------------------------------------------------------------


def allowed(sw, who: str):
    return {"manager": sw.world.manager, "requester": sw.investigator, "provider": sw.world.agency_user}[who]


def leaver(sw, who: str):
    """Someone who held the role in the right organisation and has left it: still an active account."""
    organisation, role = {
        "manager": (sw.world.council, Membership.Role.PARTNERSHIP_MANAGER),
        "requester": (sw.iopc, Membership.Role.IOPC_INVESTIGATOR),
        "provider": (sw.world.council, Membership.Role.AGENCY_REPRESENTATIVE),
    }[who]
    person = member(organisation, role, username=f"left-{who}")
    Membership.objects.filter(user=person).delete()
    assert person.is_active
    return person


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_a_service_is_done_by_its_own_people_only(sharing_world, row):
    sw = sharing_world
    prepared = {"sw": sw, "world": sw.world, **row.prepare(sw)}
    assert not row.done(prepared)
    for stranger in (sw.world.outsider, leaver(sw, row.who)):
        with pytest.raises(PermissionDenied):
            row.act(stranger, prepared)
        assert not row.done(prepared), f"{row.name} did something for {stranger.username}"
    row.act(allowed(sw, row.who), prepared)
    assert row.done(prepared), f"{row.name} did nothing for the person allowed"


def test_every_service_that_writes_has_a_row():
    """A service added later is listed here too: the table is the services' own list, not a sample."""
    import inspect

    from coordination import corrections as corrections_module

    named = {row.name for row in ROWS}
    written = set()
    for module in (services, clock, corrections_module, rules, grants, sharing, sharing_grants):
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            if "actor" in inspect.signature(function).parameters and name not in NOT_ACTS:
                written.add(name)
    assert written <= named, f"services without a row: {sorted(written - named)}"


# Functions that take an actor but change nothing a person asked for: the clock keeping milestones in step after a
# service (which has checked) changed what they count from, and recalculating after an upgrade (a command).
NOT_ACTS = {"sync_process", "sync_case", "apply_pause", "recalculate_process", "recompute", "require_manage"}
