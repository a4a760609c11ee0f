"""The rules the services keep: references, dates, pauses, relationships, closing, and who may change things."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from coordination import services
from coordination.models import Case, Pause, Process, Relationship
from tests.factories import PartnershipFactory, add_process, member, open_case

TODAY = timezone.localdate


add = add_process


def move(world, process, to_stage, **fields):
    return services.process_move(
        actor=world.manager, process=process, to_stage=to_stage, expected_stage=process.stage, **fields
    )


# --- Cases -----------------------------------------------------------------------------------------


def test_references_run_per_partnership_and_year(world):
    year = timezone.localdate().year
    second = open_case(manager=world.manager, partnership=world.partnership, pseudonym="Child R")
    assert world.case.reference == f"NSCP-{year}-001"
    assert second.reference == f"NSCP-{year}-002"

    other = PartnershipFactory(code="WSCP")
    other_manager = member(other.local_authority, "partnership_manager")
    assert open_case(manager=other_manager, partnership=other).reference == f"WSCP-{year}-001"


def test_a_case_cannot_be_aware_before_the_incident_or_dated_in_the_future(world):
    with pytest.raises(ValidationError) as refused:
        open_case(
            manager=world.manager,
            partnership=world.partnership,
            incident_date=TODAY() - dt.timedelta(days=2),
            la_aware_date=TODAY() - dt.timedelta(days=5),
        )
    assert "before the incident" in str(refused.value.message_dict["la_aware_date"])
    with pytest.raises(ValidationError) as refused:
        open_case(
            manager=world.manager,
            partnership=world.partnership,
            incident_date=TODAY() + dt.timedelta(days=1),
            la_aware_date=TODAY() + dt.timedelta(days=1),
        )
    assert "future" in str(refused.value.message_dict["incident_date"])
    assert Case.objects.count() == 1


def test_only_a_manager_of_the_partnership_opens_or_changes_its_cases(world):
    with pytest.raises(PermissionDenied):
        open_case(manager=world.agency_user, partnership=world.partnership)
    with pytest.raises(PermissionDenied):
        services.process_add(
            actor=world.outsider, case=world.case, kind="lcspr", owner=world.council, opened_on=TODAY()
        )
    other_manager = member(PartnershipFactory().local_authority, "partnership_manager")
    with pytest.raises(PermissionDenied):
        services.case_close(actor=other_manager, case=world.case, note="not mine")


def test_a_case_closes_only_when_every_process_has_ended(world):
    notification = add(world, "serious_incident_notification")
    with pytest.raises(ValidationError, match="Still open: Serious incident notification"):
        services.case_close(actor=world.manager, case=world.case, note="done")
    move(world, notification, "notified")
    case = services.case_close(actor=world.manager, case=world.case, note="Learning disseminated.")
    assert (case.status, case.closed_by, case.closing_note) == (
        "closed",
        world.manager,
        "Learning disseminated.",
    )
    with pytest.raises(ValidationError, match="is closed"):
        add(world, "lcspr")
    with pytest.raises(ValidationError, match="already closed"):
        services.case_close(actor=world.manager, case=world.case, note="again")


# --- Processes -------------------------------------------------------------------------------------


def test_a_process_starts_at_its_first_stage_with_its_own_details(world):
    iopc = add(world, "iopc_investigation", details={"matter_type": "dsi", "mode": "independent"})
    with pytest.raises(ValidationError) as refused:
        add(world, "iopc_investigation", details={"matter_type": "dsi", "mode": "supervised"})
    assert "mode" in refused.value.message_dict
    assert (iopc.stage, iopc.status) == ("matter_recorded", Process.Status.ACTIVE)
    assert iopc.iopc_details.get_mode_display() == "Independent (IOPC)"
    assert list(iopc.stage_changes.values_list("from_stage", "to_stage")) == [("", "matter_recorded")]


def test_the_lead_must_belong_to_the_owning_organisation(world):
    with pytest.raises(ValidationError) as refused:
        add(world, "lcspr", lead=world.outsider)
    assert "is not a member of" in str(refused.value.message_dict["lead"])


def test_a_move_made_by_someone_else_meanwhile_is_not_overwritten(world):
    lcspr = add(world, "lcspr")
    seen_by_first_user = lcspr.stage
    move(world, lcspr, "reviewer_appointed")
    with pytest.raises(ValidationError, match="While you had this page open"):
        services.process_move(
            actor=world.manager,
            process=lcspr,
            to_stage="reviewer_appointed",
            expected_stage=seen_by_first_user,
        )
    assert lcspr.stage_changes.count() == 2


def test_pause_and_resume_are_kept_as_history(world):
    criminal = add(world, "criminal_investigation")
    inquest = add(world, "coronial_investigation")
    resume_on = TODAY() + dt.timedelta(days=90)
    pause = services.process_pause(
        actor=world.manager,
        process=inquest,
        reason=Pause.Reason.CRIMINAL_PROCEEDINGS,
        explanation="Suspended on charge (CJA 2009 Sch 1 para 2).",
        caused_by=criminal,
        expected_resume_on=resume_on,
    )
    inquest.refresh_from_db()
    assert inquest.status == Process.Status.PAUSED
    with pytest.raises(ValidationError, match="paused since"):
        services.process_pause(actor=world.manager, process=inquest, reason="other", explanation="again")
    with pytest.raises(ValidationError, match="Resume it before"):
        move(world, inquest, "investigation_opened")

    services.process_resume(actor=world.manager, process=inquest, note="Trial concluded.")
    inquest.refresh_from_db()
    pause.refresh_from_db()
    assert inquest.status == Process.Status.ACTIVE
    assert (pause.caused_by, pause.expected_resume_on, pause.ended_by) == (criminal, resume_on, world.manager)
    assert pause.resume_note == "Trial concluded."
    with pytest.raises(ValidationError, match="not paused"):
        services.process_resume(actor=world.manager, process=inquest)


def test_a_pause_needs_a_reason_and_a_sensible_resume_date(world):
    lcspr = add(world, "lcspr")
    with pytest.raises(ValidationError) as refused:
        services.process_pause(
            actor=world.manager,
            process=lcspr,
            reason="other",
            explanation=" ",
            expected_resume_on=TODAY() - dt.timedelta(days=1),
            caused_by=lcspr,
        )
    assert set(refused.value.message_dict) == {"explanation", "expected_resume_on", "caused_by"}
    lcspr.refresh_from_db()
    assert lcspr.status == Process.Status.ACTIVE


# --- Relationships ---------------------------------------------------------------------------------


def test_a_relationship_is_recorded_and_ended_but_never_deleted(world):
    lcspr = add(world, "lcspr")
    criminal = add(world, "criminal_investigation")
    relationship = services.relationship_record(
        actor=world.manager,
        case=world.case,
        kind=Relationship.Kind.WAITS_FOR,
        from_process=lcspr,
        from_activity="publication",
        to_process=criminal,
        awaited_stage="concluded",
        reason="Publishing before the trial could prejudice it.",
        agreed_by="SIO and LCSPR chair",
        agreed_on=TODAY(),
        review_on=TODAY() + dt.timedelta(days=60),
    )
    assert relationship.awaited_label == "Criminal proceedings concluded"
    assert not relationship.awaited_stage_reached

    services.relationship_end(actor=world.manager, relationship=relationship, reason="Trial concluded.")
    relationship.refresh_from_db()
    assert (relationship.ended_by, relationship.end_reason) == (world.manager, "Trial concluded.")
    assert Relationship.objects.filter(pk=relationship.pk).exists()
    with pytest.raises(ValidationError, match="already ended"):
        services.relationship_end(actor=world.manager, relationship=relationship, reason="again")


def test_a_waits_for_names_what_it_waits_for_and_a_stage_of_the_other_kind(world):
    lcspr = add(world, "lcspr")
    criminal = add(world, "criminal_investigation")
    with pytest.raises(ValidationError) as refused:
        services.relationship_record(
            actor=world.manager,
            case=world.case,
            kind="waits_for",
            from_process=lcspr,
            to_process=lcspr,
            reason="",
        )
    assert set(refused.value.message_dict) == {"to_process", "awaited_stage", "reason"}
    with pytest.raises(ValidationError) as refused:
        services.relationship_record(
            actor=world.manager,
            case=world.case,
            kind="waits_for",
            from_process=lcspr,
            to_process=criminal,
            awaited_stage="published",
            reason="x",
        )
    assert "not a stage of the Criminal investigation" in str(refused.value.message_dict["awaited_stage"])


def test_the_awaited_stage_shows_as_reached_once_the_other_process_gets_there(world):
    criminal = add(world, "criminal_investigation")
    lcspr = add(world, "lcspr")
    relationship = services.relationship_record(
        actor=world.manager,
        case=world.case,
        kind="waits_for",
        from_process=lcspr,
        to_process=criminal,
        awaited_stage="suspect_identified",
        reason="Interviews first.",
    )
    move(world, criminal, "suspect_identified")
    move(world, Process.objects.get(pk=criminal.pk), "file_to_cps")
    relationship = Relationship.objects.get(pk=relationship.pk)
    assert relationship.awaited_stage_reached
