"""Load the fictional Northshire demo world once, and always show how to sign in to it."""

from django.core.management.base import BaseCommand

from demo.api_key import ensure_demo_api_key
from demo.loader import load_demo
from demo.world import (
    DEMO_API_KEY,
    DEMO_BACKUP_CODES,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    ensure_demo_second_factors,
)


class Command(BaseCommand):
    help = "Load the demo partnership, people and cases (only if absent), then list the demo logins."

    def handle(self, *args, **options):
        if load_demo(stdout=self.stdout):
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data already present; left as it is.")
        # Separate from the load, so a demo database from before the second factor (or the published API key) gets
        # them too.
        ensure_demo_second_factors()
        ensure_demo_api_key()
        # Printed every time, so that whoever starts the server can see how to sign in.
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in DEMO_LOGINS:
            name, role = login.full_name, login.role_label
            self.stdout.write(f"  {login.username:<9} {name:<18} {role:<30} {login.organisation_short_name}")
        self.stdout.write(
            "Second factor for all: add the time-based key "
            f"{DEMO_TOTP_SECRET} to an authenticator app,\n"
            f"  or use a backup code, each once: {', '.join(DEMO_BACKUP_CODES)}"
        )
        self.stdout.write(
            "REST API (docs at /api/v1/docs/): the trust's demo key, read and write, for the demo only:\n"
            f"  {DEMO_API_KEY}"
        )
