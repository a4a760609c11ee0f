"""Anchoring the audit trail's end somewhere the database cannot rewrite.

The hash chain (coordination/audit.py) shows an entry changed, removed or inserted anywhere before the last one,
but not the newest entries removed: the chain simply ends earlier. So every settings.AUDIT_ANCHOR_MINUTES (beat:
coordination.tasks.anchor_audit_trail) `anchor()` takes the latest entry's id, hash and time and

- appends them as one JSON line to settings.AUDIT_ANCHOR_FILE (var/audit-anchors.log by default), opened for
  appending only, and logs the same line (logger "coordination.audit_anchors") for a log collector to keep;
- e-mails them to every active auditor (Membership role AUDITOR), who keep them outside Parallel altogether.

Nothing is anchored when nothing was recorded since the last anchor. `check()` (manage.py verify_audit) then
checks every anchor against the trail: the anchored entry must still be there, with the anchored hash. Its hash
covers every entry before it, so an anchor that matches vouches for the whole trail up to it.

A line, keys in this order:

    {"anchored_at": "2026-01-31T10:00:00.123456+00:00", "entry": 1234, "hash": "<64 hex>",
     "entry_at": "2026-01-31T09:59:58.000001+00:00"}

Times are UTC, ISO 8601 with microseconds. The e-mail carries the same line, so an auditor can rebuild a file of
anchors from the e-mails and check the trail against it (`verify_audit --anchors FILE`). Neither names a case,
a person or anything recorded in an entry: only its number, time and hash.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone

from .models import AuditEntry, Membership

logger = logging.getLogger(__name__)

_TAIL_BYTES = 4096  # far more than one line: enough to find the last one without reading the whole file


class AnchorFileError(Exception):
    """The anchor file cannot be read as anchors (a line that is not one)."""


@dataclass(frozen=True)
class Anchor:
    anchored_at: dt.datetime
    entry: int
    hash: str
    entry_at: dt.datetime

    def line(self) -> str:
        return json.dumps({"anchored_at": _iso(self.anchored_at), "entry": self.entry, "hash": self.hash,
                           "entry_at": _iso(self.entry_at)})  # fmt: skip


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def anchor_file() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def anchor_minutes() -> int:
    return settings.AUDIT_ANCHOR_MINUTES


def parse(line: str, number: int = 0) -> Anchor:
    try:
        data = json.loads(line)
        anchor = Anchor(
            anchored_at=dt.datetime.fromisoformat(data["anchored_at"]),
            entry=int(data["entry"]),
            hash=str(data["hash"]),
            entry_at=dt.datetime.fromisoformat(data["entry_at"]),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise AnchorFileError(f"line {number} is not an anchor ({type(error).__name__}: {error})") from error
    if len(anchor.hash) != 64 or anchor.entry < 1:
        raise AnchorFileError(f"line {number} is not an anchor (entry {anchor.entry}, hash {anchor.hash!r})")
    return anchor


def read(path: Path) -> list[Anchor]:
    """Every anchor in the file, oldest first. FileNotFoundError if there is none; AnchorFileError if a line is
    not an anchor (blank lines are allowed, so a file pasted together from e-mails reads too)."""
    with open(path, encoding="utf-8") as file:
        return [parse(line, number) for number, line in enumerate(file, 1) if line.strip()]


def _last(file) -> Anchor | None:
    file.seek(0, os.SEEK_END)
    size = file.tell()
    file.seek(max(0, size - _TAIL_BYTES))
    lines = [line for line in file.read().decode("utf-8", "replace").splitlines() if line.strip()]
    if not lines:
        return None
    try:
        return parse(lines[-1])
    except AnchorFileError:
        # A line cut short by a crash mid-write, or worse: anchor anew; verify_audit reports the bad line.
        logger.error("The last line of %s is not an anchor; anchoring anew", file.name)
        return None


def anchor(*, now: dt.datetime | None = None) -> Anchor | None:
    """Anchor the latest entry, unless it already is; returns the new anchor, or None if nothing was written.

    The file is locked while it is read and appended to, so two runs at once (a repeated beat tick) write one
    line, not two. The e-mail goes after the line is written and synced: if the mail server is down, the next
    anchor, which vouches for everything before it, reaches the auditors instead."""
    latest = AuditEntry.objects.order_by("-id").only("id", "hash", "at").first()
    if latest is None:
        return None
    path = anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as file:
        fcntl.flock(file, fcntl.LOCK_EX)  # released when the file is closed
        previous = _last(file)
        if previous is not None and (previous.entry, previous.hash) == (latest.pk, latest.hash):
            return None
        new = Anchor(anchored_at=now or timezone.now(), entry=latest.pk, hash=latest.hash, entry_at=latest.at)
        file.write((new.line() + "\n").encode())  # "a" mode: always at the end, whatever was read
        file.flush()
        os.fsync(file.fileno())
    logger.info("Audit trail anchored: %s", new.line())
    _email_auditors(new, previous_broken=previous is not None and problem(previous) is not None)
    return new


def _email_auditors(new: Anchor, *, previous_broken: bool) -> None:
    auditors = {
        membership.user_id: membership.user
        for membership in Membership.objects.filter(role=Membership.Role.AUDITOR, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
    }
    site = settings.SITE_URL.rstrip("/")
    for user in auditors.values():
        context = {"name": user.get_full_name() or user.get_username(), "anchor": new, "line": new.line(),
                   "site": site, "previous_broken": previous_broken}  # fmt: skip
        message = EmailMessage(
            subject=f"Parallel: audit trail anchor, entry #{new.entry}",
            body=render_to_string("emails/audit_anchor.txt", context),
            to=[user.email],
            headers={"Auto-Submitted": "auto-generated"},
        )
        try:
            message.send()
        except Exception:
            logger.exception("Could not e-mail the audit anchor of entry #%s to auditor %s", new.entry, user.pk)


# --- Checking --------------------------------------------------------------------------------------


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def problem(anchor: Anchor, *, found: dict[int, str] | None = None, last_id: int | None = None) -> str | None:
    """What is wrong with the trail as this anchor sees it, or None. `found` ({id: hash}) and `last_id` (the newest
    entry's id) may be given when checking many anchors at once."""
    if found is None:
        found = dict(AuditEntry.objects.filter(pk=anchor.entry).values_list("pk", "hash"))
    if last_id is None:
        last_id = AuditEntry.objects.order_by("-id").values_list("pk", flat=True).first()
    anchored = f"the anchor of {_when(anchor.anchored_at)} names entry #{anchor.entry} of {_when(anchor.entry_at)}"
    current = found.get(anchor.entry)
    if current == anchor.hash:
        return None
    if current is None and last_id is None:
        return f"every entry was removed: {anchored}, and the trail is empty"
    if current is None and anchor.entry > last_id:
        return f"entries after #{last_id} were removed: {anchored}, and the trail now ends at #{last_id}"
    if current is None:
        return f"entry #{anchor.entry} was removed: {anchored}"
    return f"entry #{anchor.entry} does not match its anchor: {anchored}, with another hash (the trail was rewritten)"


def check(anchors: list[Anchor]) -> tuple[int, str | None]:
    """(How many anchors match, what the first that does not says), checking each against the trail."""
    last_id = AuditEntry.objects.order_by("-id").values_list("pk", flat=True).first()
    ids = sorted({anchor.entry for anchor in anchors})
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        found.update(AuditEntry.objects.filter(pk__in=ids[start : start + 500]).values_list("pk", "hash"))
    for matched, anchor in enumerate(anchors):
        wrong = problem(anchor, found=found, last_id=last_id)
        if wrong:
            return matched, wrong
    return len(anchors), None


def unanchored_since(anchor: Anchor | None) -> AuditEntry | None:
    """The oldest entry recorded after the anchor (or at all, without one) more than two anchor intervals ago: it
    should have been anchored by now, so anchoring has stopped. None if there is no such entry."""
    overdue = AuditEntry.objects.filter(at__lt=timezone.now() - dt.timedelta(minutes=2 * anchor_minutes()))
    if anchor is not None:
        overdue = overdue.filter(pk__gt=anchor.entry)
    return overdue.order_by("id").first()
