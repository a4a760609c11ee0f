"""Times a case summary PDF and measures its memory: a case with 6 processes (with stage history, a pause and
relationships), 60 milestones (met, overdue, extended with reasons, waived) and 40 information-sharing requests
(some decided), rendered for its partnership manager. Prints a table.

    .venv/bin/python bench/pdf_bench.py            # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parallel .venv/bin/python bench/pdf_bench.py

It works in a throwaway test database (test_<name>), created and destroyed by the script.

- Time: BENCH_RENDERS renders (default 10) in this process with time.perf_counter, the whole path the pdf worker
  takes (reading the case through the selectors, the template, WeasyPrint's layout and PDF writing). The first
  render is shown apart: it loads WeasyPrint's stylesheets and the fonts.
- Memory: the peak resident set size of a fresh Python process that sets up Django and renders once, as a pdf
  worker's child does after --max-tasks-per-child replaced it; and the same process's high-water mark before the
  render, so the render's own share can be read off. Read from VmHWM in /proc/self/status (Linux): getrusage's
  ru_maxrss would do, but Linux carries it over from the parent across fork and exec, so a child of this big
  process would report the parent's peak. tracemalloc would miss what Pango and HarfBuzz allocate in C.
"""

import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

RENDERS = int(os.environ.get("BENCH_RENDERS", 10))
PROCESSES = (
    "serious_incident_notification", "rapid_review", "lcspr", "criminal_investigation", "iopc_investigation",
    "coronial_investigation",
)  # fmt: skip
MILESTONES = 60
REQUESTS = 40


def populate():
    from django.utils import timezone

    from coordination import clock, services
    from coordination.models import Milestone, MilestoneAdjustment, TimescaleRule
    from sharing import services as sharing_services
    from tests import factories

    world = factories.build_world()
    manager, case = world.manager, world.case
    today = timezone.localdate()
    start = today - dt.timedelta(days=200)
    case.incident_date = case.la_aware_date = start
    case.save()
    processes = [factories.add_process(world, kind, opened_on=start + dt.timedelta(days=i)) for i, kind in
                 enumerate(PROCESSES)]  # fmt: skip
    # Stage history: each process moves through its first stages.
    for process in processes:
        for step in range(3):
            process.refresh_from_db()
            next_stages = process.kind_def.next_stages(process.stage)
            if not next_stages:
                break
            services.process_move(actor=manager, process=process, to_stage=next_stages[0].key,
                                  expected_stage=process.stage, effective_on=start + dt.timedelta(days=20 * step + 10),
                                  note=f"Step {step + 1}: agreed at the strategy meeting.")  # fmt: skip
    lcspr, criminal = processes[2], processes[3]
    services.process_pause(actor=manager, process=lcspr, reason="criminal_proceedings", caused_by=criminal,
                           explanation="Publication waits for the trial; practitioners are witnesses.")  # fmt: skip
    services.relationship_record(actor=manager, case=case, kind="waits_for", from_process=lcspr,
                                 to_process=criminal, from_activity="publication", awaited_event="Verdict",
                                 reason="Trial first.")  # fmt: skip

    # Milestones: the seeded ones, topped up to 60 with rules of the bench's own, in every state.
    existing = Milestone.objects.filter(process__case=case).count()
    now = timezone.now()
    rows = []
    for n in range(MILESTONES - existing):
        process = processes[n % len(processes)]
        rule = TimescaleRule.objects.create(
            code=f"B{n}", process_kind=process.kind, milestone=f"Bench milestone {n}: agency report to the panel",
            trigger="case:la_aware_date", trigger_label="local authority aware", amount=5 + n, unit="working_days",
            force="statutory_guidance", source="Working Together 2023 ch.5", verification="P",
            effective_from=dt.date(2018, 6, 29),
        )  # fmt: skip
        due = start + dt.timedelta(days=4 * n)
        rows.append(Milestone(
            case_id=process.case_id, process=process, subject_id=process.pk, rule=rule, trigger_date=start,
            base_due_date=due, due_date=due,
            explanation=f"{5 + n} working days after {start:%-d %b %Y}", created_at=now,
            completed_on=due if n % 3 == 0 and due < today else None, completed_by=manager if n % 3 == 0 else None,
        ))  # fmt: skip
    Milestone.objects.bulk_create(rows)
    for n, milestone in enumerate(Milestone.objects.filter(process__case=case, completed_on=None).order_by("id")):
        if n % 4 == 1:
            clock.milestone_extend(actor=manager, milestone=milestone, new_due_date=milestone.due_date +
                                   dt.timedelta(days=14), reason="The chronology from the trust came late.",
                                   authorised_by="Independent chair", basis="Chair's discretion")  # fmt: skip
        elif n % 7 == 2:
            clock.milestone_waive(actor=manager, milestone=milestone, reason="Superseded by the national review.")
    assert MilestoneAdjustment.objects.exists()

    # 40 requests from the IOPC to the council, a third of them answered.
    sw = factories.build_sharing_world(world)
    for n in range(REQUESTS):
        request = factories.submitted_request(sw, gateways=("ca2004_s16h", "pra2002") if n % 2 else ("ca2004_s16h",))
        if n % 3 == 0:
            sharing_services.request_acknowledge(actor=world.agency_user, request=request)
            request.refresh_from_db()
            sharing_services.request_decide(actor=world.agency_user, request=request, version=None,
                                            outcome="share_in_full")  # fmt: skip
    return world


# Run in a fresh process: set up Django, note the high-water mark, render once, note it again.
CHILD = """
import sys, time, django
django.setup()
from django.contrib.auth.models import User
from django.utils import timezone
from coordination.models import Case
from coordination.summaries import render

def high_water_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

user, case = User.objects.get(username=sys.argv[1]), Case.objects.get(reference=sys.argv[2])
before = high_water_kb()
start = time.perf_counter()
rendered = render.render_case(user=user, case=case, prepared_at=timezone.now())
elapsed = time.perf_counter() - start
after = high_water_kb()
print(before, after, elapsed, rendered.pages, len(rendered.pdf))
"""


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def main():
    setup_test_environment()
    settings.DEBUG = False
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from django.utils import timezone

        from coordination.models import Milestone
        from coordination.summaries import render

        start = time.perf_counter()
        world = populate()
        build = time.perf_counter() - start
        case, manager = world.case, world.manager
        counts = (case.processes.count(), Milestone.objects.filter(process__case=case).count(),
                  case.sharing_requests.count())  # fmt: skip

        times, rendered = [], None
        for _ in range(RENDERS):
            start = time.perf_counter()
            rendered = render.render_case(user=manager, case=case, prepared_at=timezone.now())
            times.append(time.perf_counter() - start)

        env = {**os.environ, "DATABASE_URL": database_url(), "PYTHONPATH": str(ROOT)}
        child = subprocess.run([sys.executable, "-c", CHILD, manager.username, case.reference], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=300)  # fmt: skip
        if child.returncode:
            raise SystemExit(child.stderr)
        before_kb, after_kb, child_seconds, pages, size = child.stdout.split()[-5:]

        print(f"\nDatabase: {connection.vendor}; {counts[0]} processes, {counts[1]} milestones, {counts[2]} sharing "
              f"requests; built in {build:.1f} s; WeasyPrint {__import__('weasyprint').__version__}\n")  # fmt: skip
        rows = [
            ("first render in this process (loads stylesheets and fonts)", f"{times[0] * 1000:,.0f} ms"),
            (f"render, median of the next {len(times) - 1}", f"{statistics.median(times[1:]) * 1000:,.0f} ms"),
            (f"render, slowest of the next {len(times) - 1}", f"{max(times[1:]) * 1000:,.0f} ms"),
            ("render in a fresh process (as a new pdf worker child)", f"{float(child_seconds) * 1000:,.0f} ms"),
            ("peak RSS of that process, after Django set-up", f"{int(before_kb) / 1024:,.0f} MiB"),
            ("peak RSS of that process, after one render", f"{int(after_kb) / 1024:,.0f} MiB"),
            ("pages", pages),
            ("bytes", f"{int(size):,}"),
        ]
        assert int(pages) == rendered.pages
        width = max(len(label) for label, _ in rows)
        print(f"{'what':<{width}}  {'value':>10}")
        print(f"{'-' * width}  {'-' * 10}")
        for label, value in rows:
            print(f"{label:<{width}}  {value:>10}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
