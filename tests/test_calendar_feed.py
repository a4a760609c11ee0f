"""The calendar feed: a secret, revocable iCalendar address listing the deadlines a person may see, which
never carries the child's identifiable details and costs the same queries however many deadlines it lists."""

import datetime as dt

import icalendar
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination import calendar_feed, clock, grants, services
from coordination.models import CalendarFeed, Case, ChildIdentity, Milestone, Process, TimescaleRule
from tests.factories import UserFactory, add_process, open_case, test_rule, verified_login

D = dt.date


rule = test_rule


def feed_url(user) -> str:
    return reverse("calendar-feed", args=[calendar_feed.feed_for(user).token])


def fetch(client, user) -> icalendar.Calendar:
    response = client.get(feed_url(user))
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.content)


def events(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def uid(milestone: Milestone) -> str:
    return f"milestone-{milestone.pk}@parallel"


def open_milestones_of(case: Case) -> set[str]:
    return {
        uid(m)
        for m in Milestone.objects.filter(clock.OPEN, process__case=case).exclude(process__status=Process.Status.CLOSED)
    }


def test_the_feed_lists_the_open_milestones_as_all_day_events_on_their_due_dates(client, world):
    test_rule = rule()
    process = add_process(world, "serious_incident_notification")
    add_process(world, "lcspr")
    ours = Milestone.objects.get(process=process, rule=test_rule)

    response = client.get(feed_url(world.manager))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"] == 'inline; filename="parallel-deadlines.ics"'

    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["PRODID"]) == "-//Parallel//Deadlines//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "Parallel deadlines"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/London"

    listed = events(calendar)
    assert set(listed) == open_milestones_of(world.case)
    assert uid(ours) in listed
    for milestone in Milestone.objects.filter(clock.OPEN, process__case=world.case).select_related("rule"):
        event = listed[uid(milestone)]
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        assert type(start) is dt.date and start == milestone.due_date  # a date, not a date-time: all day
        assert type(end) is dt.date and end == milestone.due_date + dt.timedelta(days=1)
        assert b"DTSTART;VALUE=DATE:" + milestone.due_date.strftime("%Y%m%d").encode() in response.content
        assert str(event["CLASS"]) == "CONFIDENTIAL"
        assert "DTSTAMP" in event and "LAST-MODIFIED" in event
        assert str(event["SUMMARY"]) == f"{world.case.reference} Child Q: {milestone.rule.milestone}"

    event = listed[uid(ours)]
    page = reverse("process-detail", args=[world.case.reference, process.pk])
    link = f"http://testserver{page}#milestone-{ours.pk}"  # the deadline on its process's page
    assert str(event["URL"]) == link
    description = str(event["DESCRIPTION"])
    assert "Serious incident notification" in description
    assert ours.explanation in description
    assert link in description


def test_met_and_waived_milestones_and_closed_processes_are_not_listed(client, world):
    met_rule, waived_rule, open_rule = rule(code="T1"), rule(code="T2"), rule(code="T3")
    process = add_process(world, "serious_incident_notification")
    clock.milestone_complete(
        actor=world.manager,
        milestone=Milestone.objects.get(process=process, rule=met_rule),
        completed_on=timezone.localdate(),
    )
    clock.milestone_waive(
        actor=world.manager,
        milestone=Milestone.objects.get(process=process, rule=waived_rule),
        reason="Not notifiable after all.",
    )
    ended = add_process(world, "serious_incident_notification")
    services.process_move(actor=world.manager, process=ended, to_stage="notified", expected_stage="incident_identified")
    ended.refresh_from_db()
    assert ended.status == Process.Status.CLOSED
    assert ended.milestones.filter(clock.OPEN).exists()  # open milestones, but on an ended process

    listed = events(fetch(client, world.manager))
    assert uid(Milestone.objects.get(process=process, rule=open_rule)) in listed
    assert uid(Milestone.objects.get(process=process, rule=met_rule)) not in listed
    assert uid(Milestone.objects.get(process=process, rule=waived_rule)) not in listed
    assert not set(listed) & {uid(m) for m in ended.milestones.all()}
    assert set(listed) == open_milestones_of(world.case)


def test_a_paused_process_keeps_its_deadlines_with_a_warning_that_they_will_move(client, world):
    test_rule = rule()
    process = add_process(world, "serious_incident_notification")
    services.process_pause(actor=world.manager, process=process, reason="other", explanation="Held.")
    event = events(fetch(client, world.manager))[uid(Milestone.objects.get(process=process, rule=test_rule))]
    assert "paused" in str(event["DESCRIPTION"])


def test_an_unknown_or_revoked_address_answers_404(client, world):
    assert client.get(reverse("calendar-feed", args=["not-a-token"])).status_code == 404
    old = feed_url(world.agency_user)
    assert client.get(old).status_code == 200
    feed = calendar_feed.revoke(world.agency_user)
    assert feed.last_used_at is None  # the new address has not been used yet
    assert client.get(old).status_code == 404
    assert client.get(reverse("calendar-feed", args=[feed.token])).status_code == 200
    assert feed_url(world.agency_user) != old


def test_a_deactivated_user_s_address_answers_404(client, world):
    url = feed_url(world.agency_user)
    world.agency_user.is_active = False
    world.agency_user.save()
    assert client.get(url).status_code == 404


def test_the_feed_is_only_read(client, world):
    assert client.post(feed_url(world.agency_user)).status_code == 405


def test_fetching_records_when_the_address_was_last_used(client, world):
    url = feed_url(world.agency_user)
    assert CalendarFeed.objects.get(user=world.agency_user).last_used_at is None
    client.get(url)
    assert CalendarFeed.objects.get(user=world.agency_user).last_used_at is not None


def test_the_feed_never_carries_the_child_s_identity(client, world):
    ChildIdentity.objects.create(
        case=world.case,
        full_name="Amelia Zephyrine Testperson",
        date_of_birth=D(2015, 3, 4),
        nhs_number="9434765919",
        address="1 Hidden Lane, Nowhere",
    )
    rule()
    add_process(world, "serious_incident_notification")
    content = client.get(feed_url(world.manager)).content
    unfolded = content.replace(b"\r\n ", b"").replace(b"\\,", b",")
    assert events(icalendar.Calendar.from_ical(content))
    for secret in (b"Amelia", b"Zephyrine", b"Testperson", b"9434765919", b"Hidden Lane", b"20150304"):
        assert secret not in unfolded


def test_someone_who_may_see_no_case_gets_an_empty_calendar(client, world):
    rule()
    add_process(world, "serious_incident_notification")
    stranger = UserFactory()  # no membership of any organisation
    calendar = fetch(client, stranger)
    assert str(calendar["X-WR-CALNAME"]) == "Parallel deadlines"
    assert events(calendar) == {}


def test_the_feed_lists_only_what_access_lets_the_user_see(client, world):
    """The feed goes through the access layer: an agency sees deadlines only of processes granted to it."""
    rule()
    add_process(world, "serious_incident_notification")
    other = open_case(manager=world.manager, partnership=world.partnership, pseudonym="Child Z")
    granted = services.process_add(
        actor=world.manager, case=other, kind="serious_incident_notification", owner=world.council,
        opened_on=timezone.localdate(),
    )  # fmt: skip
    assert set(events(fetch(client, world.manager))) == open_milestones_of(world.case) | open_milestones_of(other)
    assert events(fetch(client, world.outsider)) == {}
    grants.grant(actor=world.manager, case=other, scope="process", process=granted, user=world.outsider,
                 reason="Police partner follows the notification.")  # fmt: skip
    listed = events(fetch(client, world.outsider))
    assert listed and set(listed) == open_milestones_of(other)
    assert all(str(event["SUMMARY"]).startswith(f"{other.reference} Child Z: ") for event in listed.values())


def _queries(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), len(icalendar.Calendar.from_ical(response.content).walk("VEVENT"))


def test_the_feed_costs_the_same_queries_for_one_milestone_or_twenty(client, world):
    TimescaleRule.objects.filter(partnership=None).delete()  # only the test's rule makes milestones
    rule()
    add_process(world, "serious_incident_notification")
    url = feed_url(world.manager)
    one, listed = _queries(client, url)
    assert listed == 1
    for n in range(19):
        case = open_case(manager=world.manager, partnership=world.partnership, pseudonym=f"Child {n}")
        services.process_add(
            actor=world.manager, case=case, kind="serious_incident_notification", owner=world.council,
            opened_on=timezone.localdate(),
        )  # fmt: skip
    twenty, listed = _queries(client, url)
    assert listed == 20
    assert twenty == one


def test_the_settings_page_needs_a_signed_in_user(client, world):
    for method in (client.get, client.post):
        response = method(reverse("calendar-settings"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert not CalendarFeed.objects.exists()


def test_the_settings_page_shows_the_address_and_revoking_changes_it(client, world):
    verified_login(client, world.agency_user)
    page = client.get(reverse("calendar-settings"))
    assert page.status_code == 200
    old = f"http://testserver{feed_url(world.agency_user)}"
    assert page.context["feed_url"] == old
    assert old in page.content.decode()
    assert "Revoke and make a new address" in page.content.decode()

    response = client.post(reverse("calendar-settings"), follow=True)
    assert response.redirect_chain == [(reverse("calendar-settings"), 302)]
    new = response.context["feed_url"]
    assert new != old and new.endswith(".ics")
    assert "no longer works" in response.content.decode()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_revoking_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    verified_login(client, world.agency_user)
    old = feed_url(world.agency_user)
    assert client.post(reverse("calendar-settings")).status_code == 403
    assert feed_url(world.agency_user) == old
