"""Work every open milestone out again under the clock's current rules.

Run once after an upgrade that changed how the clock counts (for example, pauses counted only on the days a clock
would have counted, fixed-period series from their first trigger). Every date that moves keeps the old date, the
new one and the reason in its history, recorded as done by the named user.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from coordination import clock
from coordination.models import Process

REASON = "Recalculated under the clock's corrected rules for pauses, rolls and repeating deadlines."


class Command(BaseCommand):
    help = "Work every open milestone out again under the clock's current rules, keeping each moved date's history."

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="username", required=True, help="The user the history records it as.")

    def handle(self, *args, username, **options):
        actor = get_user_model().objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {username!r}.")
        processes = Process.objects.filter(milestones__completed_on=None, milestones__waived_at=None).distinct()
        moved = 0
        for process in processes.select_related("case__partnership").order_by("pk"):
            moved += clock.recalculate_process(actor=actor, process=process, reason=REASON)
        checked = processes.count()
        self.stdout.write(
            f"Checked {checked} process{'es' if checked != 1 else ''} with open deadlines; "
            f"{moved} date{'s' if moved != 1 else ''} moved."
        )
