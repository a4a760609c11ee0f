"""Times the information-sharing registers at scale: 20,000 submitted requests on 2,000 cases between 40
organisations, each with its response deadline on the clock. A partnership manager sees them all; an agency user
is party to 750 of them. Prints a table of median time, queries and rows for the register pages, the inbox and the
CSV export.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parallel_bench .venv/bin/python bench/sharing_bench.py

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
from django.test.utils import setup_test_environment  # noqa: E402

from bench.access_bench import REPEAT, measure, sign_in  # noqa: E402

CASES = int(os.environ.get("BENCH_CASES", 2_000))
REQUESTS_PER_CASE = int(os.environ.get("BENCH_REQUESTS_PER_CASE", 10))
ORGANISATIONS = 40


def populate():
    from django.contrib.auth.models import User
    from django.utils import timezone

    from coordination.models import Case, Membership, Milestone, Organisation, Partnership, TimescaleRule
    from sharing import deadlines
    from sharing.models import RequestGateway, SharingRequest

    deadlines.seed_rules()
    rule = TimescaleRule.objects.get(code="IS1", partnership=None)
    council = Organisation.objects.create(name="Bench Council", kind="local_authority")
    partnership = Partnership.objects.create(
        name="Bench Partnership", code="BENCH", local_authority=council,
        icb=Organisation.objects.create(name="Bench ICB", kind="icb"),
        police=Organisation.objects.create(name="Bench Police", kind="police_force"),
    )  # fmt: skip
    manager = User.objects.create(username="bench-manager", email="manager@example.org")
    Membership.objects.create(user=manager, organisation=council, role="partnership_manager")
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Bench Agency {n}", kind="other") for n in range(ORGANISATIONS)
    )
    agency_user = User.objects.create(username="bench-agency", email="agency@example.org")
    Membership.objects.create(user=agency_user, organisation=organisations[0], role="agency_representative")

    today, now = timezone.localdate(), timezone.now()
    cases = Case.objects.bulk_create(
        (
            Case(
                reference=f"BENCH-2026-{n:05d}", partnership=partnership, year=2026, number=n,
                pseudonym=f"Child {n}", incident_type="death", incident_date=today - dt.timedelta(days=400),
                la_aware_date=today - dt.timedelta(days=399), opened_at=now, opened_by=manager,
            )
            for n in range(1, CASES + 1)
        ),
        batch_size=5000,
    )  # fmt: skip
    requests = SharingRequest.objects.bulk_create(
        (
            SharingRequest(
                case=case, number=k, reference=f"{case.reference}-IS{k:02d}",
                requesting_organisation=organisations[(n + k) % ORGANISATIONS],
                providing_organisation=organisations[(n + k + 1) % ORGANISATIONS] if k % 2 else council,
                requested_by=manager, status="submitted", created_at=now, updated_at=now, submitted_at=now,
                purpose_function="Bench", article6_basis="e",
            )
            for n, case in enumerate(cases)
            for k in range(1, REQUESTS_PER_CASE + 1)
        ),
        batch_size=5000,
    )  # fmt: skip
    RequestGateway.objects.bulk_create(
        (RequestGateway(request=request, gateway="ca2004_s16h") for request in requests), batch_size=5000
    )
    Milestone.objects.bulk_create(
        (
            Milestone(
                case_id=request.case_id, subject_type="sharing_request", subject_id=request.pk, rule=rule,
                trigger_date=today - dt.timedelta(days=n % 30),
                base_due_date=today + dt.timedelta(days=10 - n % 30), due_date=today + dt.timedelta(days=10 - n % 30),
                explanation="Bench.", created_at=now,
            )
            for n, request in enumerate(requests)
        ),
        batch_size=5000,
    )  # fmt: skip
    return manager, agency_user


def main():
    setup_test_environment()
    settings.DEBUG = False
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from django.test import Client

        from sharing.models import SharingRequest

        start = time.perf_counter()
        manager, agency_user = populate()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        build = time.perf_counter() - start

        def page(client, url):
            def run():
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                if response.get("Content-Type", "").startswith("text/csv"):
                    lines = response.content.count(b"\n") - 1  # less the header
                    return f"{lines:,} CSV rows"
                found = response.context["page"]
                return f"{len(found.object_list)} of {found.paginator.count:,}"

            return run

        rows = []
        for name, user in (("partnership manager", manager), ("agency user", agency_user)):
            client = Client()
            sign_in(client, user)
            measure(f"{name}: register", page(client, "/sharing/register/"), rows)
            measure(f"{name}: register, overdue only", page(client, "/sharing/register/?overdue=on"), rows)
            measure(f"{name}: inbox", page(client, "/sharing/inbox/"), rows)
            measure(f"{name}: register CSV", page(client, "/sharing/register.csv"), rows)

        print(
            f"\nDatabase: {connection.vendor}; {SharingRequest.objects.count():,} requests on {CASES:,} cases; "
            f"built in {build:.1f} s; median of {REPEAT} runs after one to warm up\n"
        )
        width = max(len(label) for label, *_ in rows)
        print(f"{'what':<{width}}  {'time (ms)':>9}  {'queries':>7}  rows")
        print(f"{'-' * width}  {'-' * 9}  {'-' * 7}  {'-' * 16}")
        for label, elapsed, queries, result in rows:
            print(f"{label:<{width}}  {elapsed:>9}  {queries:>7}  {result}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
