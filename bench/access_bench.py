"""Times who-sees-what at scale: the case list over 20,000 cases for an agency user granted 2% of them and for a
partnership manager who sees them all, beside the same question put to django-guardian's generic
get_objects_for_user. Prints a table of median time, queries and rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parallel_bench .venv/bin/python bench/access_bench.py

It works in a throwaway test database (test_<name>), created and destroyed by the script.
"""

import datetime as dt
import os
import statistics
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

CASES = int(os.environ.get("BENCH_CASES", 20_000))
AGENCY_SHARE = 50  # one case in 50 (2%) is granted to the agency
NOISE_GRANTS = int(os.environ.get("BENCH_NOISE", 20_000))  # grants to other organisations and people
REPEAT = int(os.environ.get("BENCH_REPEAT", 7))
PAGE = 25


def populate():
    from django.contrib.auth.models import Group, Permission, User
    from django.utils import timezone

    from coordination.models import (
        Case,
        CaseGroupObjectPermission,
        CaseUserObjectPermission,
        Membership,
        Organisation,
        Partnership,
        Process,
    )

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

    agency = Organisation.objects.create(
        name="Bench Agency", kind="health_provider", group=Group.objects.create(name="Bench Agency")
    )
    agency_user = User.objects.create(username="bench-agency", email="agency@example.org")
    Membership.objects.create(user=agency_user, organisation=agency, role="agency_representative")
    # Guardian's get_objects_for_user finds group grants through user.groups, Parallel's through memberships.
    agency_user.groups.add(agency.group)

    # Other organisations and people who hold the noise grants.
    others = Organisation.objects.bulk_create(
        Organisation(name=f"Bench Other {n}", kind="other", group=Group.objects.create(name=f"Bench Other {n}"))
        for n in range(50)
    )
    people = User.objects.bulk_create(User(username=f"bench-person-{n}") for n in range(200))
    Membership.objects.bulk_create(
        Membership(user=person, organisation=others[n % len(others)], role="agency_representative")
        for n, person in enumerate(people)
    )

    today = timezone.localdate()
    now = timezone.now()
    cases = Case.objects.bulk_create(
        (
            Case(
                reference=f"BENCH-2026-{n:05d}", partnership=partnership, year=2026, number=n,
                pseudonym=f"Child {n}", incident_type="death", incident_date=today - dt.timedelta(days=400),
                la_aware_date=today - dt.timedelta(days=399), opened_at=now - dt.timedelta(minutes=n),
                opened_by=manager,
            )
            for n in range(1, CASES + 1)
        ),
        batch_size=5000,
    )  # fmt: skip
    Process.objects.bulk_create(
        (
            Process(
                case=case, kind="serious_incident_notification", stage="incident_identified", stage_since=today,
                owner=council, opened_on=today - dt.timedelta(days=399), created_at=now, created_by=manager,
            )
            for case in cases
        ),
        batch_size=5000,
    )  # fmt: skip

    permission = Permission.objects.get(codename="view_case", content_type__app_label="coordination")
    common = {"permission": permission, "granted_by": manager, "granted_at": now, "reason": "Bench."}
    agency_cases = cases[::AGENCY_SHARE]
    CaseGroupObjectPermission.objects.bulk_create(
        CaseGroupObjectPermission(group=agency.group, content_object=case, **common) for case in agency_cases
    )
    # Noise: half to other organisations, half to other people; one in four expired. Each (grantee, case) once.
    expired = now - dt.timedelta(days=30)
    to_groups = [
        CaseGroupObjectPermission(
            group_id=others[n % len(others)].group_id, content_object=cases[(n * 7919) % len(cases)],
            expires_at=expired if n % 4 == 0 else None, **common,
        )
        for n in range(NOISE_GRANTS // 2)
    ]  # fmt: skip
    to_people = [
        CaseUserObjectPermission(
            user=people[n % len(people)], content_object=cases[(n * 104729) % len(cases)],
            expires_at=expired if n % 4 == 0 else None, **common,
        )
        for n in range(NOISE_GRANTS - NOISE_GRANTS // 2)
    ]  # fmt: skip
    CaseGroupObjectPermission.objects.bulk_create(to_groups, batch_size=5000, ignore_conflicts=True)
    CaseUserObjectPermission.objects.bulk_create(to_people, batch_size=5000, ignore_conflicts=True)
    return manager, agency_user, len(agency_cases)


def sign_in(client, user):
    """Past the password and the second factor, as the tests do."""
    try:
        from tests.factories import verified_login
    except ImportError:  # factory_boy not installed: do what verified_login does
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        client.force_login(user)
        device = TOTPDevice.objects.create(user=user, name="Bench authenticator", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    else:
        verified_login(client, user)


def measure(label, fn, rows):
    """Run fn once to warm caches, then REPEAT times: the median time, the query count (the same every warm run;
    a different first run shows in brackets) and what it returned."""
    times, counts = [], []
    for _ in range(REPEAT + 1):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - start)
        counts.append(len(queries))
    cold, warm = counts[0], set(counts[1:])
    assert len(warm) == 1, f"{label}: query count varies between runs: {counts}"
    queries = str(warm.pop()) + ("" if cold == counts[1] else f" ({cold})")
    rows.append((label, f"{statistics.median(times[1:]) * 1000:,.1f}", queries, result))


def page_and_count(queryset):
    """What a list page needs: its first rows and how many there are in all."""
    queryset = queryset.order_by("-opened_at", "-id")
    first = list(queryset[:PAGE])
    return f"{len(first)} of {queryset.count():,}"


def main():
    setup_test_environment()
    settings.DEBUG = False
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from django.test import Client
        from guardian.shortcuts import get_objects_for_user

        from coordination import access
        from coordination.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission

        start = time.perf_counter()
        manager, agency_user, granted = populate()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        build = time.perf_counter() - start
        grant_rows = CaseGroupObjectPermission.objects.count() + CaseUserObjectPermission.objects.count()

        def case_list_page(client):
            response = client.get("/cases/")
            assert response.status_code == 200, response.status_code
            page = response.context["page"]
            return f"{len(page.object_list)} of {page.paginator.count:,}"

        def vis(user):
            return access.cases_visible_to(user)

        def guardian(user):
            return get_objects_for_user(user, "coordination.view_case", klass=Case, accept_global_perms=False)

        # For the agency user (group grants only, none expired) both answers must be the same set of cases.
        assert set(vis(agency_user).values_list("pk", flat=True)) == set(
            guardian(agency_user).values_list("pk", flat=True)
        ), "access.cases_visible_to and guardian disagree for the agency user"

        clients = {}
        for user in (agency_user, manager):
            clients[user] = Client()
            sign_in(clients[user], user)
        users = (("agency user", agency_user), ("manager", manager))

        rows = []
        for name, user in users:
            measure(f"{name}: case list page GET /cases/", lambda u=user: case_list_page(clients[u]), rows)
            measure(f"{name}: access.cases_visible_to, page + count", lambda u=user: page_and_count(vis(u)), rows)
            measure(
                f"{name}: guardian get_objects_for_user, page + count", lambda u=user: page_and_count(guardian(u)), rows
            )

        jit = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW jit")
                jit = cursor.fetchone()[0]
        if jit == "on":
            # The access filter's estimated cost passes jit_above_cost, and compiling costs more than running it.
            with connection.cursor() as cursor:
                cursor.execute("SET jit = off")
            for name, user in users:
                measure(f"{name}: case list page, jit off", lambda u=user: case_list_page(clients[u]), rows)
                measure(f"{name}: access.cases_visible_to, jit off", lambda u=user: page_and_count(vis(u)), rows)
            with connection.cursor() as cursor:
                cursor.execute("RESET jit")

        print(
            f"\nDatabase: {connection.vendor}; {Case.objects.count():,} cases, {granted:,} granted to the agency, "
            f"{grant_rows:,} case grants in all; built in {build:.1f} s; median of {REPEAT} runs after one to warm up\n"
        )
        width = max(len(label) for label, *_ in rows)
        print(f"{'what':<{width}}  {'time (ms)':>9}  {'queries':>7}  rows")
        print(f"{'-' * width}  {'-' * 9}  {'-' * 7}  {'-' * 12}")
        for label, elapsed, queries, result in rows:
            print(f"{label:<{width}}  {elapsed:>9}  {queries:>7}  {result}")
        print(
            "\nGuardian answers from grants alone: nothing of partnership managers (hence 0 for the manager),\n"
            "grants through a process or expires_at; it finds group grants through user.groups, not memberships."
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
