"""The audit trail: what it records, that nothing can change it unnoticed, and who may read it."""

import csv
import datetime as dt
import io
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination import audit, audit_anchors, tasks
from coordination.models import AuditEntry, AuditTrailIsAppendOnly, Membership
from tests.conftest import is_postgres
from tests.factories import PASSWORD, member

TABLE = AuditEntry._meta.db_table
Action = AuditEntry.Action


@dataclass(frozen=True)
class TrailStart:
    """The trail as a test body finds it: building the world already records entries (opening its case)."""

    last_id: int  # 0 when the trail is empty
    last_hash: str  # what the next entry must name as its predecessor
    count: int


@pytest.fixture(autouse=True)
def anchor_file(settings, tmp_path) -> Path:
    """Anchors go to a file of the test's own, never to the project's var/."""
    settings.AUDIT_ANCHOR_FILE = tmp_path / "audit-anchors.log"
    return settings.AUDIT_ANCHOR_FILE


@pytest.fixture
def start(db) -> TrailStart:
    last = AuditEntry.objects.order_by("-id").first()
    return TrailStart(
        last_id=last.pk if last else 0,
        last_hash=last.hash if last else audit.GENESIS_HASH,
        count=AuditEntry.objects.count(),
    )


@pytest.fixture
def world_start(world, start) -> TrailStart:
    """The trail once the world is built, before anything the test itself does."""
    assert start.count >= 1 and audit.verify() == (True, start.count, None, "")
    return start


@pytest.fixture
def auditor(world, world_start):
    return member(world.outside_agency, Membership.Role.AUDITOR, username="auditor")


@pytest.fixture
def auditor_client(client, auditor, sign_in):
    sign_in(client, auditor)  # itself recorded, so the trail is never empty here
    return client


def _entries(start: TrailStart, **filters) -> list[AuditEntry]:
    """The entries recorded since the test body started."""
    return list(AuditEntry.objects.filter(id__gt=start.last_id, **filters).order_by("id"))


@contextmanager
def _tampering():
    """Let the test change the table behind the application's back. On PostgreSQL that first needs the
    append-only triggers switched off, as only the table's owner could (undone with the test's transaction)."""
    with connection.cursor() as cursor:
        if is_postgres():
            # ALTER TABLE refuses while checks are pending, so run the inserts' deferred foreign-key checks now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        yield cursor
        if is_postgres():
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# --- Signing in and out ----------------------------------------------------------------------------


def test_signing_in_out_and_failing_to_are_recorded_with_the_address(client, world, world_start):
    assert client.post("/accounts/login/", {"username": "manager", "password": "not-the-password"}).status_code == 200
    assert client.post("/accounts/login/", {"username": "manager", "password": PASSWORD}).status_code == 302
    assert client.post("/accounts/logout/").status_code == 302

    failed, signed_in, signed_out = _entries(world_start)
    assert failed.action == Action.SIGN_IN_FAILED
    assert failed.actor is None and failed.actor_label == "manager"
    assert failed.ip_address == "127.0.0.1"
    assert (signed_in.action, signed_in.actor, signed_in.actor_label) == (Action.SIGN_IN, world.manager, "manager")
    assert signed_in.organisation == world.council
    assert signed_in.ip_address == "127.0.0.1"
    assert (signed_out.action, signed_out.actor) == (Action.SIGN_OUT, world.manager)
    assert audit.verify()[0]


def test_a_failed_sign_in_keeps_a_long_attempted_username_short(client, start):
    client.post("/accounts/login/", {"username": "x" * 200, "password": "whatever"})
    (failed,) = _entries(start)
    assert failed.actor_label == "x" * 150


# --- The chain -------------------------------------------------------------------------------------


def test_each_entry_carries_the_hash_of_the_one_before(world, world_start):
    first = audit.record(action=Action.VIEW_IDENTITY, actor=world.manager, obj=world.case)
    second = audit.record(
        action=Action.CHANGE,
        actor=world.manager,
        obj=world.case,
        changes={"incident_date": [dt.date(2026, 1, 2), dt.date(2026, 1, 3)], "summary": ["Été", "Ünïcode"]},
    )
    assert first.previous_hash == world_start.last_hash
    assert AuditEntry.objects.order_by("id").first().previous_hash == audit.GENESIS_HASH
    assert second.previous_hash == first.hash
    assert len(first.hash) == 64 and first.hash != second.hash
    assert (first.object_type, first.object_id, first.object_label) == (
        "coordination.case",
        str(world.case.pk),
        world.case.reference,
    )
    # Read back from the database, every entry still hashes to what it carries.
    assert audit.verify() == (True, world_start.count + 2, None, "")


def test_addresses_hash_the_same_however_the_database_prints_them(world, world_start):
    factory = RequestFactory()
    for address in ("2001:DB8:0::1", "::ffff:192.0.2.1", "192.0.2.7", "not an address"):
        request = factory.get("/", REMOTE_ADDR=address, HTTP_USER_AGENT="Browser\x00 " + "z" * 500)
        audit.record(action=Action.VIEW_IDENTITY, actor=world.manager, request=request)
    entries = _entries(world_start)
    assert len(entries) == 4
    assert entries[-1].ip_address is None
    assert len(entries[0].user_agent) == 300 and "\x00" not in entries[0].user_agent
    assert audit.verify()[0]


def test_the_verifier_names_the_first_changed_entry(world, world_start):
    entries = [audit.record(action=Action.VIEW_IDENTITY, actor=world.manager, obj=world.case) for _ in range(5)]
    with _tampering() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET object_label = %s WHERE id IN (%s, %s)", ["X", entries[2].pk, entries[3].pk]
        )
    ok, checked, broken, reason = audit.verify()
    assert not ok and checked == world_start.count + 2
    assert broken.pk == entries[2].pk
    assert "do not match its hash" in reason


def test_the_verifier_names_the_entry_after_a_removed_one(world):
    entries = [audit.record(action=Action.VIEW_IDENTITY, actor=world.manager, obj=world.case) for _ in range(4)]
    with _tampering() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [entries[1].pk])
    ok, _, broken, reason = audit.verify()
    assert not ok and broken.pk == entries[2].pk
    assert f"does not follow entry #{entries[0].pk}" in reason


def test_verify_audit_says_whether_the_chain_is_intact(world, world_start):
    entries = [audit.record(action=Action.VIEW_IDENTITY, actor=world.manager) for _ in range(3)]
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert out.getvalue().splitlines()[0] == f"Audit chain intact: {world_start.count + 3} entries."

    with _tampering() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET actor_label = %s WHERE id = %s", ["someone-else", entries[1].pk])
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_audit", stdout=io.StringIO(), stderr=err)
    assert exit_.value.code == 1
    assert err.getvalue().startswith(f"Audit chain broken at entry #{entries[1].pk} (at ")
    assert "do not match its hash" in err.getvalue()


# --- Append-only -----------------------------------------------------------------------------------


def test_the_application_cannot_change_or_remove_an_entry(world, world_start):
    entry = audit.record(action=Action.VIEW_IDENTITY, actor=world.manager)
    entry.object_label = "changed"
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(object_label="changed")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.all().delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.bulk_create([AuditEntry(action=Action.SIGN_IN)])
    assert audit.verify() == (True, world_start.count + 1, None, "")


@pytest.mark.postgres
def test_postgresql_refuses_update_and_delete_on_the_trail(world, world_start):
    entry = audit.record(action=Action.VIEW_IDENTITY, actor=world.manager)
    for sql in (f"UPDATE {TABLE} SET object_label = 'changed' WHERE id = %s", f"DELETE FROM {TABLE} WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert audit.verify() == (True, world_start.count + 1, None, "")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_entries_recorded_at_once_still_form_one_chain(world, world_start):
    threads_n, each = 8, 5
    barrier = threading.Barrier(threads_n)
    errors = []

    def record_some() -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(each):
                audit.record(action=Action.VIEW_IDENTITY, actor=world.manager, obj=world.case)
        except Exception as error:  # noqa: BLE001 - collected and reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=record_some) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    assert len(_entries(world_start)) == threads_n * each
    assert audit.verify() == (True, world_start.count + threads_n * each, None, "")
    # One chain, no forks: no two entries claim the same predecessor.
    assert AuditEntry.objects.values("previous_hash").distinct().count() == world_start.count + threads_n * each


# --- Changed fields --------------------------------------------------------------------------------


def test_changed_fields_lists_only_what_changed_and_keeps_identifiable_values_out():
    before = {"incident_date": dt.date(2026, 1, 2), "summary": "Same", "full_name": "Jane Doe"}
    after = {"incident_date": dt.date(2026, 1, 5), "summary": "Same", "full_name": "Jayne Doe", "nhs_number": "1"}
    assert audit.changed_fields(before, after, redact={"full_name", "nhs_number"}) == {
        "full_name": [audit.REDACTED, audit.REDACTED],
        "incident_date": ["2026-01-02", "2026-01-05"],
        "nhs_number": [audit.REDACTED, audit.REDACTED],
    }
    assert audit.changed_fields({"a": 1}, {"a": 1}) == {}


# --- Reading the trail -----------------------------------------------------------------------------


def _listed(client, start: TrailStart | None = None, **params) -> list[AuditEntry]:
    """The first page of the trail as listed; with `start`, only the entries recorded since then (newest
    first, as listed), after checking that none of the earlier entries is listed before them."""
    response = client.get(reverse("audit"), params)
    assert response.status_code == 200
    listed = list(response.context["page"].object_list)
    if start is None:
        return listed
    recent = [entry for entry in listed if entry.pk > start.last_id]
    assert listed[: len(recent)] == recent
    return recent


def test_auditors_see_and_filter_the_trail(auditor_client, world, auditor, world_start):
    audit.record(action=Action.VIEW_IDENTITY, actor=world.manager, obj=world.case)
    audit.record(action=Action.CHANGE, actor=world.agency_user, obj=world.case, changes={"summary": ["a", "b"]})
    response = auditor_client.get(reverse("audit"))
    assert response.status_code == 200
    assert world.case.reference in response.content.decode()

    everything = _listed(auditor_client)
    assert [e.actor_label for e in _listed(auditor_client, world_start)] == ["agency", "manager", "auditor"]
    assert len(everything) == world_start.count + 3
    assert [e.action for e in _listed(auditor_client, world_start, actor="MANAG")] == [Action.VIEW_IDENTITY]
    assert all("manag" in e.actor_label.lower() for e in _listed(auditor_client, actor="MANAG"))
    assert [e.actor_label for e in _listed(auditor_client, world_start, action="sign_in")] == ["auditor"]
    assert all(e.action == Action.SIGN_IN for e in _listed(auditor_client, action="sign_in"))
    assert len(_listed(auditor_client, world_start, object_type="coordination.case")) == 2
    assert all(e.object_type == "coordination.case" for e in _listed(auditor_client, object_type="coordination.case"))
    today = timezone.localdate()
    assert len(_listed(auditor_client, world_start, date_from=today, date_to=today)) == 3
    assert _listed(auditor_client, date_from=today + dt.timedelta(days=1)) == []
    assert _listed(auditor_client, date_to=today - dt.timedelta(days=1)) == []


def test_only_auditors_may_read_or_export_the_trail(client, world, sign_in):
    for url in (reverse("audit"), reverse("audit-export")):
        assert client.get(url).status_code == 302  # to sign in
    for user in (world.manager, world.agency_user, world.outsider):
        sign_in(client, user)
        for url in (reverse("audit"), reverse("audit-export")):
            response = client.get(url)
            assert response.status_code == 403
            assert "Only auditors" in response.content.decode()
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()


def test_the_csv_export_holds_the_filtered_entries_and_is_itself_recorded(auditor_client, world, auditor):
    audit.record(action=Action.VIEW_IDENTITY, actor=world.manager, obj=world.case)
    audit.record(action=Action.SIGN_IN_FAILED, actor_label='=HYPERLINK("http://evil")')
    response = auditor_client.get(reverse("audit-export"), {"action": "view_identity"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["id", "at (UTC)", "person"]
    assert [(row[2], row[4], row[7]) for row in rows[1:]] == [("manager", "view_identity", world.case.reference)]

    (export,) = AuditEntry.objects.filter(action=Action.EXPORT)
    assert export.actor == auditor and export.object_label == "Audit trail: action=view_identity"
    assert export.ip_address == "127.0.0.1"

    everything = auditor_client.get(reverse("audit-export"))
    cells = [row[2] for row in csv.reader(io.StringIO(b"".join(everything.streaming_content).decode()))]
    assert '\'=HYPERLINK("http://evil")' in cells  # a spreadsheet shows it as text, never runs it
    assert audit.verify()[0]


def test_an_export_with_a_filter_it_cannot_read_is_refused(auditor_client):
    assert auditor_client.get(reverse("audit-export"), {"date_from": "not a date"}).status_code == 400
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("audit")).status_code == 200
    return len(captured)


def test_the_trail_costs_the_same_queries_for_five_entries_or_a_full_page(auditor_client, world, world_start):
    for _ in range(4):  # and the auditor's own sign-in
        audit.record(action=Action.VIEW_IDENTITY, actor=world.manager, obj=world.case)
    assert len(_entries(world_start)) == 5
    few = _queries(auditor_client)
    for _ in range(55):
        audit.record(action=Action.CHANGE, actor=world.agency_user, obj=world.case, changes={"summary": ["a", "b"]})
    assert len(_entries(world_start)) == 60
    assert AuditEntry.objects.count() == world_start.count + 60
    assert _queries(auditor_client) == few


# --- Anchors: the end of the trail, kept outside the database ----------------------------------------


def verify_audit(*args) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `manage.py verify_audit`."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    return status, out.getvalue(), err.getvalue()


def record_some(world, n: int) -> list[AuditEntry]:
    return [audit.record(action=Action.VIEW_IDENTITY, actor=world.manager, obj=world.case) for _ in range(n)]


def anchor_lines(path: Path) -> list[dict]:
    import json

    return [json.loads(line) for line in path.read_text().splitlines()]


def test_an_intact_trail_matches_every_anchor(world, world_start, anchor_file):
    first = record_some(world, 3)[-1]
    assert audit_anchors.anchor().entry == first.pk
    last = record_some(world, 2)[-1]
    assert audit_anchors.anchor().entry == last.pk

    assert [(line["entry"], line["hash"]) for line in anchor_lines(anchor_file)] == [
        (first.pk, first.hash),
        (last.pk, last.hash),
    ]
    status, out, err = verify_audit()
    assert (status, err) == (0, "")
    assert f"All 2 anchors in {anchor_file} match; the last" in out and f"names entry #{last.pk}." in out


def test_removing_the_newest_entries_is_found_through_the_last_anchor(world, world_start):
    entries = record_some(world, 5)
    audit_anchors.anchor()
    with _tampering() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id > %s", [entries[2].pk])

    # The chain alone cannot tell: it simply ends earlier.
    assert audit.verify() == (True, world_start.count + 3, None, "")
    status, out, err = verify_audit()
    assert status == 1, out
    assert err.startswith(f"Audit trail broken: entries after #{entries[2].pk} were removed: the anchor of ")
    assert f"names entry #{entries[4].pk} of " in err and f"the trail now ends at #{entries[2].pk}" in err
    assert "(0 of 1 anchors" in err


def test_a_trail_rewritten_with_every_hash_recomputed_is_found_through_an_anchor(world, world_start):
    """What someone with full rights to the database could do: change an entry and recompute the chain after it."""
    entries = record_some(world, 4)
    audit_anchors.anchor()
    with _tampering() as cursor:
        previous = entries[0].hash
        for entry in entries[1:]:
            entry.object_label = "someone else's case" if entry == entries[1] else entry.object_label
            entry.previous_hash = previous
            entry.hash = audit.entry_hash(entry)
            cursor.execute(f"UPDATE {TABLE} SET object_label = %s, previous_hash = %s, hash = %s WHERE id = %s",
                           [entry.object_label, entry.previous_hash, entry.hash, entry.pk])  # fmt: skip
            previous = entry.hash

    assert audit.verify()[0]
    status, _, err = verify_audit()
    assert status == 1
    assert f"entry #{entries[3].pk} does not match its anchor" in err and "the trail was rewritten" in err


def test_the_anchor_is_emailed_to_active_auditors_only_and_names_no_case(world, world_start):
    auditors = [
        member(world.outside_agency, Membership.Role.AUDITOR, username="auditor1"),
        member(world.council, Membership.Role.AUDITOR, username="auditor2"),
    ]
    member(world.council, Membership.Role.AUDITOR, username="gone", is_active=False)
    member(world.council, Membership.Role.AGENCY_ADMINISTRATOR, username="admin")
    latest = record_some(world, 1)[0]  # names the case: its reference is the entry's object label
    assert latest.object_label == world.case.reference

    anchor = audit_anchors.anchor()

    assert sorted(message.to for message in mail.outbox) == sorted([user.email] for user in auditors)
    for message in mail.outbox:
        assert message.subject == f"Parallel: audit trail anchor, entry #{latest.pk}"
        assert latest.hash in message.body and anchor.line() in message.body.splitlines()
        assert world.case.reference not in message.body and world.case.pseudonym not in message.body
        assert world.manager.username not in message.body and "WARNING" not in message.body


def test_nothing_is_anchored_twice_when_nothing_changed(world, world_start, anchor_file):
    member(world.council, Membership.Role.AUDITOR, username="auditor")
    record_some(world, 1)
    assert tasks.anchor_audit_trail()["entry"] == AuditEntry.objects.latest("id").pk
    assert tasks.anchor_audit_trail() is None
    assert audit_anchors.anchor() is None
    assert len(anchor_lines(anchor_file)) == 1 and len(mail.outbox) == 1

    record_some(world, 1)
    assert audit_anchors.anchor() is not None
    assert len(anchor_lines(anchor_file)) == 2 and len(mail.outbox) == 2


def test_auditors_are_warned_when_the_previous_anchor_no_longer_matches(world, world_start):
    member(world.council, Membership.Role.AUDITOR, username="auditor")
    entries = record_some(world, 3)
    audit_anchors.anchor()
    with _tampering() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [entries[2].pk])
    record_some(world, 1)
    audit_anchors.anchor()
    assert "WARNING: the previous anchor no longer matches the trail" in mail.outbox[-1].body


def test_the_auditors_copy_of_the_anchors_finds_what_removing_the_file_would_hide(world, world_start, tmp_path,
                                                                                 anchor_file):  # fmt: skip
    """Someone who can remove the newest entries may remove the anchor file too; the auditors kept the e-mails."""
    member(world.council, Membership.Role.AUDITOR, username="auditor")
    entries = record_some(world, 3)
    audit_anchors.anchor()
    copy = tmp_path / "from-the-emails.log"
    copy.write_text("\n".join(line for line in mail.outbox[0].body.splitlines() if line.startswith("{")) + "\n\n")
    with _tampering() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id >= %s", [entries[1].pk])
    anchor_file.unlink()

    status, out, _ = verify_audit()
    assert status == 0 and "No anchors yet" in out  # a young trail: nothing was due to be anchored
    status, _, err = verify_audit("--anchors", str(copy))
    assert status == 1 and f"entries after #{entries[0].pk} were removed" in err


def test_a_trail_old_enough_to_be_anchored_but_with_no_anchor_file_cannot_be_checked(world, world_start, monkeypatch,
                                                                                    anchor_file):  # fmt: skip
    record_some(world, 1)
    later = timezone.now() + dt.timedelta(minutes=2 * audit_anchors.anchor_minutes() + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    status, out, err = verify_audit()
    assert status == 2 and out.startswith("Audit chain intact")
    assert err.startswith(f"No anchors in {anchor_file}: the end of the audit trail cannot be checked.")

    status, _, err = verify_audit("--anchors", str(anchor_file.with_name("elsewhere.log")))
    assert status == 2 and "No anchors in" in err


def test_anchoring_that_has_stopped_is_reported(world, world_start, monkeypatch):
    audit_anchors.anchor()
    unanchored = record_some(world, 2)
    assert verify_audit()[0] == 0  # not anchored yet, but not late either
    later = timezone.now() + dt.timedelta(minutes=2 * audit_anchors.anchor_minutes() + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    status, _, err = verify_audit()
    assert status == 2 and err.startswith(f"Anchoring has stopped: entry #{unanchored[0].pk}, recorded ")


def test_an_anchor_file_that_is_not_anchors_cannot_be_checked(world, world_start, anchor_file):
    audit_anchors.anchor()
    with anchor_file.open("a") as file:
        file.write('{"entry": 12, "hash"\n')  # a line cut short
    status, _, err = verify_audit()
    assert status == 2 and err.startswith(f"Cannot read the anchors in {anchor_file}: line 2 is not an anchor")
    # The next anchor is written after it all the same (and the bad line still reported).
    record_some(world, 1)
    assert audit_anchors.anchor() is not None
    assert verify_audit()[0] == 2


def test_beat_anchors_every_hour_by_default(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["anchor-audit-trail"]
    assert (schedule["task"], schedule["schedule"]) == ("coordination.tasks.anchor_audit_trail", 3600.0)
