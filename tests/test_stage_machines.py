"""Every kind's stage machine: each allowed move works and is kept in the history; every other move is
refused with a reason the user can act on."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from coordination import kinds, services
from coordination.kinds import ProcessKind, Stage
from coordination.models import Process, StageChange
from tests.factories import add_process

ALL_KINDS = sorted(kind.key for kind in kinds.all_kinds())


def test_the_kinds_of_the_issue_are_registered_by_their_own_apps():
    assert set(ALL_KINDS) == {
        "serious_incident_notification",
        "rapid_review",
        "lcspr",
        "child_death_review",
        "iopc_investigation",
        "criminal_investigation",
        "misconduct_proceedings",
        "coronial_investigation",
    }


@pytest.mark.parametrize("key", ALL_KINDS)
def test_every_stage_is_reachable_and_every_path_can_end(key):
    kind = kinds.get(key)
    reachable, frontier = {kind.first_stage.key}, [kind.first_stage.key]
    while frontier:
        for stage in kind.next_stages(frontier.pop()):
            if stage.key not in reachable:
                reachable.add(stage.key)
                frontier.append(stage.key)
    assert reachable == {stage.key for stage in kind.stages}, "stages no move leads to"
    assert any(stage.closes for stage in kind.stages)
    for stage in kind.stages:
        assert stage.closes or stage.next, f"{stage.key} is a dead end that does not close the process"


def test_publishing_an_lcspr_before_the_final_report_is_agreed_is_refused_with_why():
    lcspr = kinds.get("lcspr")
    reason = lcspr.move_refusal("draft_report", "published")
    assert "cannot move from “Draft report” to “Published”" in reason
    assert "after the final report is agreed" in reason
    assert "it can move to “Quality assurance”" in reason
    assert lcspr.move_refusal("final_report_agreed", "pre_publication_notice_sent") is None


def test_a_kind_declaring_a_move_to_an_unknown_stage_is_rejected():
    with pytest.raises(ValueError, match="unknown stages"):
        ProcessKind(key="x", label="X", short_label="x", description="", stages=(Stage("a", "A", next=("b",)),))


@pytest.mark.parametrize("key", ALL_KINDS)
def test_every_move_from_every_stage(world, key):
    kind = kinds.get(key)
    process = add_process(world, key, opened_on=timezone.localdate() - dt.timedelta(days=3))
    for current in kind.stages:
        for target in kind.stages:
            # Put the process at `current` as if it had got there, then try the move.
            Process.objects.filter(pk=process.pk).update(
                stage=current.key, status=Process.Status.ACTIVE, closed_on=None
            )
            process.refresh_from_db()
            history_before = StageChange.objects.filter(process=process).count()
            if kind.can_move(current.key, target.key):
                moved = services.process_move(
                    actor=world.manager,
                    process=process,
                    to_stage=target.key,
                    expected_stage=current.key,
                    note="ok",
                )
                assert moved.stage == target.key
                assert moved.status == (Process.Status.CLOSED if target.closes else Process.Status.ACTIVE)
                last = StageChange.objects.filter(process=process).latest("id")
                assert (last.from_stage, last.to_stage, last.changed_by) == (
                    current.key,
                    target.key,
                    world.manager,
                )
                assert StageChange.objects.filter(process=process).count() == history_before + 1
            else:
                with pytest.raises(ValidationError) as refused:
                    services.process_move(
                        actor=world.manager, process=process, to_stage=target.key, expected_stage=current.key
                    )
                message = " ".join(refused.value.messages)
                assert current.label in message or "already" in message
                assert StageChange.objects.filter(process=process).count() == history_before
                assert Process.objects.get(pk=process.pk).stage == current.key


@pytest.mark.parametrize("key", ALL_KINDS)
def test_walking_a_kind_to_its_end_closes_the_process(world, key):
    kind = kinds.get(key)
    process = add_process(world, key, opened_on=timezone.localdate() - dt.timedelta(days=3))
    visited = {process.stage}
    while process.is_open:
        # Go forward: never back to a stage already visited (quality assurance may send a draft back).
        target = next(stage for stage in kind.next_stages(process.stage) if stage.key not in visited)
        visited.add(target.key)
        process = services.process_move(
            actor=world.manager, process=process, to_stage=target.key, expected_stage=process.stage
        )
    assert process.closed_on == timezone.localdate()
    stages = list(process.stage_changes.values_list("to_stage", flat=True))
    assert stages[0] == kind.first_stage.key
    assert kind.stage(stages[-1]).closes


def test_a_new_kind_is_one_declaration_with_no_change_to_the_core(world):
    """A Safeguarding Adult Review, say: declared and registered, it works with the shared services."""
    sar = ProcessKind(
        key="safeguarding_adult_review",
        label="Safeguarding adult review",
        short_label="SAR",
        description="Test-only kind.",
        stages=(
            Stage("commissioned", "Commissioned", next=("published",)),
            Stage("published", "Published", closes=True),
        ),
    )
    kinds.register(sar)
    try:
        process = services.process_add(
            actor=world.manager,
            case=world.case,
            kind=sar.key,
            owner=world.council,
            opened_on=timezone.localdate(),
        )
        process = services.process_move(
            actor=world.manager, process=process, to_stage="published", expected_stage="commissioned"
        )
        assert process.status == Process.Status.CLOSED
    finally:
        kinds._registry.pop(sar.key)
