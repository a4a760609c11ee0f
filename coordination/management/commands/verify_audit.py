"""Check the audit trail: its hash chain from the first entry to the last, then the last entry against every anchor
kept outside the database (coordination/audit_anchors.py), so that entries removed from the end are found too.

Exit status: 0 the trail is intact; 1 it is broken (an entry changed, removed or inserted, the end cut off, or
the trail rewritten); 2 its end could not be checked (no anchor file, an unreadable one, or anchoring that has
stopped). A scheduled check alerts on anything but 0.
"""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from coordination import audit, audit_anchors
from coordination.models import AuditEntry

BROKEN, UNCHECKED = 1, 2


class Command(BaseCommand):
    help = (
        "Recompute the audit trail's hash chain and check it against the anchors kept outside the database. "
        "Exit 1 if the trail is broken (naming the first break), 2 if its end cannot be checked, 0 if intact."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchors", type=Path, metavar="FILE",
            help="Check against this file of anchors (e.g. a copy kept elsewhere, or lines from the auditors' "
            "e-mails) instead of AUDIT_ANCHOR_FILE.",
        )  # fmt: skip

    def handle(self, *args, **options):
        ok, checked, broken, reason = audit.verify()
        if not ok:
            self._fail(BROKEN, f"Audit chain broken at entry #{broken.pk} (at {_when(broken.at)}): {reason}")
        self.stdout.write(f"Audit chain intact: {checked} entries.")
        last = AuditEntry.objects.order_by("-id").first()
        if options["verbosity"] >= 2 and last:
            self.stdout.write(f"Latest entry #{last.pk}: {last.hash}")

        given = options["anchors"]
        path = given or audit_anchors.anchor_file()
        try:
            anchors = audit_anchors.read(path)
        except FileNotFoundError:
            anchors = None
        except (OSError, UnicodeDecodeError, audit_anchors.AnchorFileError) as error:
            self._fail(UNCHECKED, f"Cannot read the anchors in {path}: {error}")
        if not anchors:
            # Without an anchor the end cannot be checked. A new trail has none yet; one with entries older than
            # two anchor intervals should, so the file was lost, removed or never written.
            overdue = None if given else audit_anchors.unanchored_since(None)
            if given or overdue:
                since = f" Entry #{overdue.pk} was recorded {_when(overdue.at)}." if overdue else ""
                self._fail(UNCHECKED, f"No anchors in {path}: the end of the audit trail cannot be checked.{since}")
            self.stdout.write(f"No anchors yet in {path}: the trail's end is checked once the first is written.")
            return

        matched, wrong = audit_anchors.check(anchors)
        if wrong:
            self._fail(BROKEN, f"Audit trail broken: {wrong} ({matched} of {len(anchors)} anchors in {path} match).")
        newest = anchors[-1]
        self.stdout.write(f"All {len(anchors)} anchors in {path} match; the last, of "
                          f"{_when(newest.anchored_at)}, names entry #{newest.entry}.")  # fmt: skip
        if not given:
            overdue = audit_anchors.unanchored_since(max(anchors, key=lambda anchor: anchor.entry))
            if overdue:
                self._fail(UNCHECKED, f"Anchoring has stopped: entry #{overdue.pk}, recorded {_when(overdue.at)}, "
                                      f"and those after it are not anchored.")  # fmt: skip

    def _fail(self, status: int, message: str):
        self.stderr.write(message)
        raise SystemExit(status)


def _when(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")
