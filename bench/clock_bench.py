"""Times the statutory clock at scale: the deadlines dashboard and one reminder dispatcher run over about
400,000 milestones of which about 2,000 need attention. Prints a table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parallel .venv/bin/python bench/clock_bench.py

It works in a throwaway test database (test_<name>), created and destroyed by the script.
"""

import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

CASES = int(os.environ.get("BENCH_CASES", 4000))
PROCESSES_PER_CASE = 5
MILESTONES_PER_PROCESS = 20  # 4,000 x 5 x 20 = 400,000
DUE = int(os.environ.get("BENCH_DUE", 2000))


def populate(today: dt.date):
    from django.contrib.auth.models import User
    from django.utils import timezone

    from coordination import clock
    from coordination.models import Case, Membership, Milestone, Organisation, Partnership, Process, TimescaleRule

    clock.seed_national_rules()
    council = Organisation.objects.create(name="Bench Council", kind="local_authority")
    partnership = Partnership.objects.create(
        name="Bench Partnership",
        code="BENCH",
        local_authority=council,
        icb=Organisation.objects.create(name="Bench ICB", kind="icb"),
        police=Organisation.objects.create(name="Bench Police", kind="police_force"),
    )
    manager = User.objects.create(username="bench-manager", email="manager@example.org")
    Membership.objects.create(user=manager, organisation=council, role="partnership_manager")
    rule = TimescaleRule.objects.get(code="L1", partnership=None)
    now = timezone.now()
    cases = Case.objects.bulk_create(
        Case(
            reference=f"BENCH-2026-{n:05d}", partnership=partnership, year=2026, number=n, pseudonym=f"Child {n}",
            incident_type="death", incident_date=today - dt.timedelta(days=400),
            la_aware_date=today - dt.timedelta(days=399), opened_at=now, opened_by=manager,
        )
        for n in range(1, CASES + 1)
    )  # fmt: skip
    processes = Process.objects.bulk_create(
        Process(
            case=case, kind="serious_incident_notification", stage="incident_identified", stage_since=today,
            owner=council, opened_on=today - dt.timedelta(days=399), created_at=now, created_by=manager,
        )
        for case in cases
        for _ in range(PROCESSES_PER_CASE)
    )  # fmt: skip
    due_every = max(1, len(processes) * MILESTONES_PER_PROCESS // DUE)
    batch, n = [], 0
    for process in processes:
        for occurrence in range(1, MILESTONES_PER_PROCESS + 1):
            n += 1
            # Most milestones are met long ago; one in `due_every` is open and due within the week.
            due_now = n % due_every == 0
            due = today + dt.timedelta(days=n % 5) if due_now else today - dt.timedelta(days=300)
            batch.append(
                Milestone(
                    case_id=process.case_id, process=process, subject_id=process.pk, rule=rule, occurrence=occurrence,
                    trigger_date=due - dt.timedelta(days=7),
                    base_due_date=due, due_date=due, explanation="bench", created_at=now,
                    completed_on=None if due_now else due,
                )
            )  # fmt: skip
            if len(batch) == 10_000:
                Milestone.objects.bulk_create(batch)
                batch = []
    Milestone.objects.bulk_create(batch)
    return manager


def timed(label, fn, rows):
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
    rows.append((label, f"{elapsed * 1000:,.0f} ms", len(queries)))
    return result


def main():
    setup_test_environment()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEBUG = False
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from django.test import Client
        from django.utils import timezone

        from coordination import reminders
        from coordination.models import Milestone

        today = timezone.localdate()
        start = time.perf_counter()
        manager = populate(today)
        build = time.perf_counter() - start
        total = Milestone.objects.count()
        open_count = Milestone.objects.filter(completed_on=None).count()

        client = Client()
        from tests.factories import verified_login

        verified_login(client, manager)  # past the second factor, as a person would be
        assert client.get("/").status_code == 200
        rows = []
        timed("dashboard, first page (overdue and due soon)", lambda: client.get("/"), rows)
        timed("dashboard again (warm)", lambda: client.get("/"), rows)
        timed("dashboard, every open deadline, sorted latest first", lambda: client.get("/?show=open&sort=-due"), rows)
        result = timed("reminder dispatcher, one run", lambda: reminders.dispatch(today=today), rows)
        timed("reminder dispatcher, second run (nothing new)", lambda: reminders.dispatch(today=today), rows)

        print(f"\nDatabase: {connection.vendor}; {total:,} milestones, {open_count:,} open; built in {build:.1f} s")
        print(f"Dispatcher result: {result}\n")
        width = max(len(label) for label, *_ in rows)
        print(f"{'what':<{width}}  {'time':>10}  {'queries':>7}")
        print(f"{'-' * width}  {'-' * 10}  {'-' * 7}")
        for label, elapsed, queries in rows:
            print(f"{label:<{width}}  {elapsed:>10}  {queries:>7}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
