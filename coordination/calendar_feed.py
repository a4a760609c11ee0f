"""Each person's calendar feed: a secret iCalendar address listing the deadlines they may see, for Outlook or
Google Calendar to subscribe to.

The secret token in the address is the only credential (calendar clients cannot sign in), so revoking it gives
a new address and the old one stops working. The feed says no more than the deadlines page: case reference,
pseudonym, milestone (or the information request it answers) and how its date was reached — never the child's
identifiable details.
"""

from __future__ import annotations

import datetime as dt

import icalendar
from django.db import transaction
from django.db.models import DateTimeField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import subjects
from .models import CalendarFeed, Milestone, MilestoneAdjustment, Process
from .selectors import open_deadlines_visible_to

PRODID = "-//Parallel//Deadlines//EN"
CALENDAR_NAME = "Parallel deadlines"
CALENDAR_TIMEZONE = "Europe/London"
# How often a client should fetch the feed again (RFC 7986; Outlook reads the older X-PUBLISHED-TTL).
REFRESH_INTERVAL = dt.timedelta(hours=1)


def feed_for(user) -> CalendarFeed:
    """The user's feed, made on first use."""
    feed, _ = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def revoke(user) -> CalendarFeed:
    """Give the user a new secret address; the old one answers 404 from now on. No calendar has used the
    new one yet, so when the old one was last used is forgotten."""
    feed = feed_for(user)
    feed.rotate()
    feed.last_used_at = None
    feed.save(update_fields=["last_used_at"])
    return feed


def feed_milestones(user):
    """Open milestones the user may see (on processes and on the apps' records), soonest first, in one query and
    one more per kind of record (coordination/subjects.py)."""
    last_adjusted = (
        MilestoneAdjustment.objects.filter(milestone=OuterRef("pk"))
        .order_by("-recorded_at", "-id")
        .values("recorded_at")[:1]
    )
    return (
        open_deadlines_visible_to(user)
        # Adjustments are the only changes to an open milestone's date; without one, it is as created.
        .annotate(last_modified=Coalesce(Subquery(last_adjusted, output_field=DateTimeField()), "created_at"))
        .order_by("due_date", "id")
    )


def _summary(milestone: Milestone) -> str:
    case = milestone.case
    occurrence = f" (#{milestone.occurrence})" if milestone.occurrence > 1 else ""
    return f"{case.reference} {case.pseudonym}: {milestone.rule.milestone}{occurrence}"


def _description(milestone: Milestone, link: str) -> str:
    process = milestone.process
    lines = [f"Process: {process.kind_label}."] if process else [f"{milestone.subject_label}."]
    lines.append(f"How the date was reached: {milestone.explanation}")
    if process is not None and process.status == Process.Status.PAUSED:
        if milestone.rule.stops_for_pauses:
            lines.append("The process is paused: this date will move when it resumes.")
        else:
            lines.append("The process is paused, but this clock keeps running: the date stands.")
    lines.append(f"Open in Parallel: {link}")
    return "\n\n".join(lines)


def _link(milestone: Milestone, site_url: str) -> str:
    return site_url + milestone.get_absolute_url()


def _event(milestone: Milestone, *, site_url: str, stamp: dt.datetime) -> icalendar.Event:
    link = _link(milestone, site_url)
    event = icalendar.Event()
    event.add("uid", f"milestone-{milestone.pk}@parallel")
    event.add("dtstamp", stamp)
    event.add("dtstart", milestone.due_date)
    event.add("dtend", milestone.due_date + dt.timedelta(days=1))
    event.add("summary", _summary(milestone))
    event.add("description", _description(milestone, link))
    event.add("url", link)
    event.add("class", "CONFIDENTIAL")
    event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy all day
    last_modified = getattr(milestone, "last_modified", None)
    if last_modified:
        event.add("last-modified", last_modified.astimezone(dt.UTC))
    return event


def calendar_for(user, *, site_url: str) -> bytes:
    """The user's deadlines as an iCalendar file. `site_url` is the scheme and host links start with,
    e.g. "https://parallel.example.org"."""
    site_url = site_url.rstrip("/")
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    calendar.add("x-wr-timezone", CALENDAR_TIMEZONE)
    calendar.add("refresh-interval", icalendar.vDuration(REFRESH_INTERVAL), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH_INTERVAL))
    stamp = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    for milestone in subjects.attach(feed_milestones(user)):
        calendar.add_component(_event(milestone, site_url=site_url, stamp=stamp))
    return calendar.to_ical()
