"""The demo world: loaded once however often the seed runs, and built only of histories the kinds allow."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from coordination import kinds
from coordination.models import Case, ChildIdentity, Membership, Pause, Process, Relationship, StageChange
from demo.loader import load_demo
from demo.world import DEMO_API_KEY, DEMO_API_PREFIX, DEMO_LOGINS, DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Each load hashes eight passwords; the real hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _counts() -> dict[str, int]:
    return {
        "cases": Case.objects.count(),
        "processes": Process.objects.count(),
        "stage changes": StageChange.objects.count(),
        "users": get_user_model().objects.count(),
    }


def _kinds_of(case: Case, still_open: bool = False) -> list[str]:
    processes = case.processes.exclude(status=Process.Status.CLOSED) if still_open else case.processes.all()
    return sorted(processes.values_list("kind", flat=True))


def _nhs_check_digit_ok(number: str) -> bool:
    if len(number) != 10 or not number.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:9], range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return check != 10 and check == int(number[9])


def test_loading_twice_changes_nothing_the_second_time():
    assert load_demo() is True
    first = _counts()
    assert first["cases"] == 12

    assert load_demo() is False
    assert _counts() == first


def test_one_demo_user_per_role_and_one_password():
    load_demo()
    for role in Membership.Role:
        assert Membership.objects.filter(role=role).count() == 1, role
    # The one "case system" is not a person: the user behind the demo's API key (tests/test_api_keys.py).
    system = Membership.objects.get(role=Membership.Role.CASE_SYSTEM)
    assert system.user.api_key.prefix == DEMO_API_PREFIX and not system.user.has_usable_password()
    for login in DEMO_LOGINS:
        user = get_user_model().objects.get(username=login.username)
        assert user.check_password(DEMO_PASSWORD)
        assert user.is_superuser == (login.username == "admin")
    assert not Membership.objects.filter(user__username="admin").exists()


def test_a_case_with_review_and_investigations_running_in_parallel():
    load_demo()
    parallel = {"lcspr", "iopc_investigation", "criminal_investigation", "coronial_investigation"}
    case = next(c for c in Case.objects.all() if parallel <= set(_kinds_of(c, still_open=True)))
    by_kind = {p.kind: p for p in case.processes.all()}

    assert by_kind["iopc_investigation"].iopc_details.mode == "independent"
    assert kinds.get("criminal_investigation").stage_position(by_kind["criminal_investigation"].stage) > (
        kinds.get("criminal_investigation").stage_position("charged")
    )
    pause = by_kind["coronial_investigation"].pauses.get(ended_at=None)
    assert pause.reason == Pause.Reason.CRIMINAL_PROCEEDINGS
    assert pause.caused_by == by_kind["criminal_investigation"]

    hold = case.relationships.get(kind=Relationship.Kind.WAITS_FOR, from_process=by_kind["lcspr"])
    assert (hold.from_activity, hold.awaited_stage) == ("publication", "concluded")
    assert hold.to_process == by_kind["criminal_investigation"]
    assert hold.agreed_by and hold.agreed_on and hold.review_on
    informs = case.relationships.get(kind=Relationship.Kind.INFORMS)
    assert (informs.from_process, informs.to_process) == (by_kind["iopc_investigation"], by_kind["lcspr"])


def test_a_closed_case_whose_processes_have_all_ended():
    load_demo()
    closed = Case.objects.get(status=Case.Status.CLOSED)
    assert closed.closed_at and closed.closing_note
    assert not closed.processes.exclude(status=Process.Status.CLOSED).exists()


def test_a_new_case_with_only_a_notification_and_a_rapid_review():
    load_demo()
    expected = ["rapid_review", "serious_incident_notification"]
    case = next(c for c in Case.objects.all() if _kinds_of(c) == expected)
    assert case.processes.get(kind="serious_incident_notification").stage == "notified"
    assert case.processes.get(kind="rapid_review").stage == "in_progress"


def test_every_stage_history_follows_its_kinds_moves():
    load_demo()
    for process in Process.objects.prefetch_related("stage_changes"):
        kind = kinds.get(process.kind)
        changes = list(process.stage_changes.all())
        assert (changes[0].from_stage, changes[0].to_stage) == ("", kind.first_stage.key), process
        for before, change in zip(changes, changes[1:], strict=False):
            assert change.from_stage == before.to_stage, process
            assert kind.can_move(change.from_stage, change.to_stage), (process, change)
        assert changes[-1].to_stage == process.stage
        assert (process.status == Process.Status.CLOSED) == kind.stage(process.stage).closes


def test_every_case_has_a_fictional_identity_with_a_valid_nhs_number():
    load_demo()
    identities = ChildIdentity.objects.all()
    assert identities.count() == Case.objects.count()
    for identity in identities:
        assert _nhs_check_digit_ok(identity.nhs_number), identity.nhs_number
        assert identity.nhs_number.startswith("999")  # the range never issued to patients


def test_seed_command_always_shows_the_logins():
    for expected in ("Demo data loaded.", "Demo data already present; left as it is."):
        out = StringIO()
        call_command("seed_demo", stdout=out)
        text = out.getvalue()
        assert expected in text
        assert DEMO_PASSWORD in text
        assert DEMO_API_KEY in text
        for login in DEMO_LOGINS:
            assert login.username in text


def test_the_demo_has_information_requests_at_each_point_of_the_workflow():
    from coordination.models import Milestone
    from sharing.models import SharingRequest

    load_demo()
    statuses = set(SharingRequest.objects.values_list("status", flat=True))
    assert {"draft", "submitted", "under_consideration", "decided", "disclosed"} <= statuses
    considering = SharingRequest.objects.filter(status="under_consideration").values("pk")
    overdue = Milestone.objects.filter(subject_type="sharing_request", subject_id__in=considering, completed_on=None)
    assert overdue.get().due_date < timezone.localdate()  # one request is overdue at the trust
    disclosed = SharingRequest.objects.get(status="disclosed")
    assert disclosed.disclosures.get().versions.get().sha256


def test_a_stage_added_to_a_kind_does_not_break_the_demo(monkeypatch):
    """The stories name the stages they want reached; the way there comes from the kind's own stages, so a stage
    the law adds between two of them is passed through rather than refused."""
    import dataclasses

    from coordination.kinds import Stage

    lcspr = kinds.get("lcspr")
    stages = []
    for stage in lcspr.stages:
        if stage.key == "analysis":
            stages.append(dataclasses.replace(stage, next=("emerging_findings",)))
            stages.append(Stage("emerging_findings", "Emerging findings shared", next=("draft_report",)))
        else:
            stages.append(stage)
    monkeypatch.setitem(kinds._registry, "lcspr", dataclasses.replace(lcspr, stages=tuple(stages)))
    assert load_demo()
    published = Process.objects.get(kind="lcspr", case__pseudonym="Child C")
    assert published.stage == "action_plan_monitoring"
    assert published.stage_changes.filter(to_stage="emerging_findings").exists()
