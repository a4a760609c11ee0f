"""An information-sharing request's response deadline on the statutory clock: its date, the deadlines page, the
calendar feed, reminders, notifications, the partnership's choice of rule, and the milestone pages it stays off.

The world: the IOPC (requester) asks the council (provider) on a case of the NSCP partnership. The council's
agency user takes part in the request without seeing the case page; the outsider takes part in nothing.
"""

import datetime as dt

import icalendar
import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from coordination import calendar_feed, grants
from coordination.access import notifications_visible_to
from coordination.models import (
    Case,
    ChildIdentity,
    Membership,
    Milestone,
    Notification,
    ReminderSent,
    TimescaleRule,
)
from coordination.reminders import dispatch, unread_count
from sharing import deadlines, notify, services
from sharing import deadlines as sharing_deadlines
from sharing.models import SharingRequest
from tests.factories import add_process, draft_request, member, submitted_request, test_rule, verified_login

D = dt.date
IDENTITY = {"full_name": "Jayden Marcus Oyelaran", "nhs_number": "9434765919", "address": "14 Larchfield Road"}


@pytest.fixture
def freeze(monkeypatch):
    """Set the clock to 10 am on a day: timezone.now, and with it timezone.localdate, the services' today."""

    def freeze(day: dt.date) -> None:
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return freeze


@pytest.fixture
def identity(world):
    return ChildIdentity.objects.create(case=world.case, date_of_birth=D(2015, 5, 1), **IDENTITY)


def response_milestone(request: SharingRequest) -> Milestone:
    return sharing_deadlines.milestones_of(request).get()


def submitted_on(sw, day: dt.date, freeze, **details) -> SharingRequest:
    freeze(day)
    return submitted_request(sw, **details)


# --- The date --------------------------------------------------------------------------------------------------


def test_a_request_submitted_before_christmas_is_due_ten_working_days_later(sharing_world, freeze):
    # Mon 21 Dec 2026 + 10 working days, not counting the day itself: 22, 23, 24 Dec (3), Fri 25 Dec Christmas,
    # Mon 28 Dec Boxing Day (substitute, the 26th being a Saturday), 29, 30, 31 Dec (6), Fri 1 Jan New Year's Day,
    # 4, 5, 6, 7 Jan (10): Thu 7 Jan 2027.
    request = submitted_on(sharing_world, D(2026, 12, 21), freeze)
    milestone = response_milestone(request)
    assert milestone.rule.code == "IS1" and milestone.process is None
    assert milestone.trigger_date == D(2026, 12, 21)
    assert milestone.due_date == D(2027, 1, 7)
    assert "skipping 25 and 28 Dec and 1 Jan" in milestone.explanation
    assert milestone.subject_label == f"Information request {request.reference}"


# --- The deadlines page ----------------------------------------------------------------------------------------


def _rows(client, **params):
    response = client.get(reverse("home"), {"show": "open", **params})
    assert response.status_code == 200
    return response, [row for row in response.context["rows"] if row.milestone.subject_type == "sharing_request"]


def test_the_deadline_shows_on_the_dashboard_of_both_parties_and_the_manager_only(client, sharing_world):
    sw = sharing_world
    request = submitted_request(sw)
    milestone = response_milestone(request)
    for user in (sw.investigator, sw.world.agency_user, sw.world.manager):
        verified_login(client, user)
        response, rows = _rows(client)
        assert [row.milestone.pk for row in rows] == [milestone.pk], user
        assert rows[0].status.value == "upcoming"  # ten working days away, never "paused"
        page = response.content.decode()
        assert "Respond to the information-sharing request" in page
        assert f"Information request {request.reference}" in page
        assert f'href="{milestone.get_absolute_url()}"' in page
        assert sw.world.case.pseudonym in page and escape(milestone.explanation) in page
    verified_login(client, sw.world.outsider)
    assert _rows(client)[1] == []


def test_the_case_is_linked_only_for_those_who_may_see_it(client, sharing_world):
    sw = sharing_world
    submitted_request(sw)
    case_link = f'href="{reverse("case-detail", args=[sw.world.case.reference])}"'
    verified_login(client, sw.investigator)  # the IOPC is granted the case
    assert case_link in _rows(client)[0].content.decode()
    verified_login(client, sw.world.agency_user)  # the council answers the request but has no part in the case
    response, rows = _rows(client)
    assert rows and case_link not in response.content.decode()
    assert sw.world.case.reference in response.content.decode()


def test_the_dashboard_filters_find_request_deadlines(client, sharing_world):
    sw = sharing_world
    request = submitted_request(sw)
    test_rule(trigger="case:incident_date", amount=1, unit="calendar_days")
    add_process(sw.world, "serious_incident_notification")  # a process deadline beside it
    verified_login(client, sw.world.manager)
    response, rows = _rows(client, kind="sharing_request")
    assert len(rows) == 1 and len(response.context["rows"]) == 1
    assert "Information-sharing requests" in response.content.decode()  # the choice in the Process filter
    response, rows = _rows(client, kind="serious_incident_notification")
    assert rows == [] and len(response.context["rows"]) >= 1
    assert len(_rows(client, agency=sw.world.council.pk)[1]) == 1  # the providing organisation
    assert _rows(client, agency=sw.iopc.pk)[1] == []
    assert len(_rows(client, force="local")[1]) == 1
    assert _rows(client, force="statute")[1] == []
    assert len(_rows(client, q=sw.world.case.pseudonym)[1]) == 1
    assert len(_rows(client, q=request.reference)[1]) == 1
    assert _rows(client, q="no such case")[1] == []


def test_met_withdrawn_and_closed_case_deadlines_leave_the_dashboard(client, sharing_world):
    sw = sharing_world
    withdrawn = submitted_request(sw)
    services.request_withdraw(actor=sw.investigator, request=withdrawn, reason="No longer needed.")
    decided = submitted_request(sw)
    services.request_acknowledge(actor=sw.world.agency_user, request=decided)
    services.request_decide(actor=sw.world.agency_user, request=decided, version=None, outcome="share_in_full")
    still_open = submitted_request(sw)
    verified_login(client, sw.investigator)
    assert [row.milestone.subject_id for row in _rows(client)[1]] == [still_open.pk]
    Case.objects.filter(pk=sw.world.case.pk).update(status=Case.Status.CLOSED)
    assert _rows(client)[1] == []


def _queries(client, url, params=None) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured), response


def test_the_dashboard_costs_the_same_queries_for_one_request_or_twenty(client, sharing_world):
    sw = sharing_world
    add_process(sw.world, "lcspr", owner=sw.iopc)  # a process deadline too, so both kinds of row are rendered
    submitted_request(sw)
    verified_login(client, sw.world.agency_user)
    one, response = _queries(client, reverse("home"), {"show": "open"})
    assert len(response.context["rows"]) >= 1
    for _ in range(19):
        submitted_request(sw)
    twenty, response = _queries(client, reverse("home"), {"show": "open"})
    assert len([row for row in response.context["rows"] if row.milestone.subject_type == "sharing_request"]) == 20
    assert twenty == one


# --- Acting on milestones by hand ------------------------------------------------------------------------------


def test_a_request_deadline_cannot_be_met_waived_or_extended_on_the_milestone_pages(client, sharing_world):
    sw = sharing_world
    milestone = response_milestone(submitted_request(sw))
    verified_login(client, sw.world.manager)  # manages the case, so would pass the case check
    for action in ("complete", "waive", "extend"):
        url = reverse("milestone-action", args=[sw.world.case.reference, milestone.pk, action])
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "x", "completed_on": timezone.localdate().isoformat()}).status_code == 404
    milestone.refresh_from_db()
    assert milestone.is_open


# --- The calendar feed -----------------------------------------------------------------------------------------


def _events(client, user) -> dict[str, icalendar.Event]:
    response = client.get(reverse("calendar-feed", args=[calendar_feed.feed_for(user).token]))
    assert response.status_code == 200
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")}


def test_the_calendar_feed_lists_the_deadline_for_the_parties_without_identity(client, sharing_world, identity):
    sw = sharing_world
    request = submitted_request(sw)
    milestone = response_milestone(request)
    uid = f"milestone-{milestone.pk}@parallel"
    for user in (sw.investigator, sw.world.agency_user):
        event = _events(client, user)[uid]
        assert event.decoded("dtstart") == milestone.due_date
        summary, description = str(event["SUMMARY"]), str(event["DESCRIPTION"])
        assert summary == f"{sw.world.case.reference} Child Q: Respond to the information-sharing request"
        assert f"Information request {request.reference}." in description
        link = f"http://testserver{reverse('sharing-request-detail', args=[request.reference])}#deadline"
        assert str(event["URL"]) == link and link in description
        for value in IDENTITY.values():
            assert value not in summary + description
    assert uid not in _events(client, sw.world.outsider)


# --- Reminders -------------------------------------------------------------------------------------------------


@pytest.fixture
def auditor(sharing_world):
    return member(sharing_world.world.council, Membership.Role.AUDITOR, username="auditor")


def _sent(day: dt.date) -> dict[str, set[str]]:
    """Run the dispatcher on a day; who got which reminder keys."""
    before = set(ReminderSent.objects.values_list("pk", flat=True))
    dispatch(today=day)
    sent: dict[str, set[str]] = {}
    for row in ReminderSent.objects.exclude(pk__in=before).exclude(sent_at=None).select_related("recipient"):
        sent.setdefault(row.recipient.username, set()).add(row.key)
    return sent


def test_reminders_before_on_and_after_the_due_date_go_to_the_parties_once(sharing_world, freeze, auditor, identity):
    sw = sharing_world
    request = submitted_on(sw, D(2026, 12, 21), freeze)  # due Thu 7 Jan 2027
    parties = {"investigator", "manager", "agency"}  # the requester; the council's caseworkers, not its auditor
    assert _sent(D(2026, 12, 21)) == {name: {"before-10"} for name in parties}
    assert _sent(D(2026, 12, 21)) == {}  # once
    assert _sent(D(2026, 12, 31)) == {}
    assert _sent(D(2027, 1, 4)) == {name: {"before-3"} for name in parties}
    assert _sent(D(2027, 1, 7)) == {name: {"due"} for name in parties}
    assert _sent(D(2027, 1, 7)) == {}
    assert _sent(D(2027, 1, 8)) == {name: {"overdue-0"} for name in parties}
    assert not ReminderSent.objects.filter(key="escalation").exists()  # IS rules only remind

    milestone = response_milestone(request)
    reminders = Notification.objects.filter(kind="reminder", milestone=milestone)
    assert reminders.count() == 4 * len(parties)
    assert set(reminders.values_list("subject_type", "subject_id")) == {("sharing_request", request.pk)}
    assert f"Information request {request.reference}" in reminders.first().message

    due_mail = [m for m in mail.outbox if m.to == [sw.world.agency_user.email]][2]
    text, (html, _) = due_mail.body, due_mail.alternatives[0]
    link = f"http://127.0.0.1:8000{milestone.get_absolute_url()}"
    assert link in text and f'href="{link}"' in html
    for body in (text, html):
        assert f"Information request {request.reference}" in body
        assert "Respond to the information-sharing request" in body and "Thu 7 Jan 2027" in body
        for value in IDENTITY.values():
            assert value not in body


def test_once_the_provider_acknowledges_its_single_point_of_contact_is_reminded(sharing_world, freeze):
    sw = sharing_world
    request = submitted_on(sw, D(2026, 12, 21), freeze)
    services.request_acknowledge(actor=sw.world.agency_user, request=request)  # the agency user becomes the SPOC
    assert _sent(D(2027, 1, 4)) == {"investigator": {"before-3"}, "agency": {"before-3"}}


def test_no_reminder_once_the_request_is_decided_or_withdrawn(sharing_world, freeze):
    sw = sharing_world
    decided = submitted_on(sw, D(2026, 12, 21), freeze)
    withdrawn = submitted_request(sw)
    services.request_acknowledge(actor=sw.world.agency_user, request=decided)
    services.request_decide(actor=sw.world.agency_user, request=decided, version=None, outcome="defer",
                            ground="prejudice_criminal", reasons="Interviews pending.",
                            review_date=D(2027, 3, 1))  # fmt: skip
    services.request_withdraw(actor=sw.investigator, request=withdrawn, reason="Found elsewhere.")
    assert _sent(D(2027, 1, 7)) == {}
    # Even a deadline reopened by hand is left alone while its request is not awaiting a decision.
    both = Milestone.objects.filter(subject_type="sharing_request", subject_id__in=[decided.pk, withdrawn.pk])
    both.update(completed_on=None, waived_at=None)
    assert _sent(D(2027, 1, 7)) == {}


def test_no_reminder_on_a_closed_case(sharing_world, freeze):
    submitted_on(sharing_world, D(2026, 12, 21), freeze)
    Case.objects.filter(pk=sharing_world.world.case.pk).update(status=Case.Status.CLOSED)
    assert _sent(D(2027, 1, 7)) == {}


def test_the_outsider_never_gets_a_reminder(sharing_world, freeze):
    sw = sharing_world
    # Even named as the single point of contact, someone outside the providing organisation hears nothing.
    request = submitted_on(sw, D(2026, 12, 21), freeze)
    SharingRequest.objects.filter(pk=request.pk).update(addressee=sw.world.outsider)
    for day in (D(2026, 12, 21), D(2027, 1, 4), D(2027, 1, 7), D(2027, 1, 8)):
        assert "outsider" not in _sent(day)
    assert not ReminderSent.objects.filter(recipient=sw.world.outsider).exists()
    assert not Notification.objects.filter(user=sw.world.outsider).exists()


def test_reminder_recipients_are_those_notify_tells(sharing_world, auditor):
    sw = sharing_world
    without_contact = submitted_request(sw)
    with_contact = submitted_request(sw)
    SharingRequest.objects.filter(pk=with_contact.pk).update(addressee=sw.world.agency_user)
    requests = list(SharingRequest.objects.filter(pk__in=[without_contact.pk, with_contact.pk]))
    batched = notify.people_still_acting(requests)
    for request in requests:
        assert set(batched[request.pk]) == set(notify.people_to_tell(request))


def test_the_reminder_query_count_is_the_same_for_2_and_12_requests(sharing_world, freeze):
    sw = sharing_world

    def measure(n: int, submitted: dt.date, due: dt.date) -> int:
        Milestone.objects.filter(subject_type="sharing_request").update(completed_on=submitted)
        for _ in range(n):
            submitted_on(sw, submitted, freeze)
        mail.outbox.clear()
        with CaptureQueriesContext(connection) as queries:
            result = dispatch(today=due, batch_size=100)
        assert (result.claimed, result.emails_sent) == (3 * n, 3)
        return len(queries)

    two = measure(2, D(2026, 12, 21), D(2027, 1, 7))
    twelve = measure(12, D(2027, 2, 1), D(2027, 2, 15))
    assert two == twelve


# --- Notifications ---------------------------------------------------------------------------------------------


def test_the_provider_sees_request_notifications_linked_to_the_request(client, sharing_world):
    sw = sharing_world
    request = submitted_request(sw)
    council = sw.world.agency_user
    assert not Case.objects.filter(pk=sw.world.case.pk, processes__owner=sw.world.council).exists()
    assert unread_count(council) == 1  # "submitted", though the council does not see the case
    verified_login(client, council)
    page = client.get(reverse("notifications")).content.decode()
    assert f'href="{reverse("sharing-request-detail", args=[request.reference])}"' in page
    assert request.reference in page


def test_a_request_notification_follows_the_request_not_the_case(client, sharing_world):
    sw = sharing_world
    request = submitted_request(sw)
    outsider = sw.world.outsider
    # The outsider is granted the case, but is no party to the request: a stray notification about it is hidden.
    grants.grant(actor=sw.world.manager, case=sw.world.case, scope="case", user=outsider, reason="Reviewer.")
    Notification.objects.create(user=outsider, kind="update", case=sw.world.case, subject_type="sharing_request",
                                subject_id=request.pk,
                                message=f"{request.reference}: submitted", created_at=timezone.now())  # fmt: skip
    Notification.objects.create(user=outsider, kind="reminder", case=sw.world.case,
                                message=f"{sw.world.case.reference}: due soon", created_at=timezone.now())  # fmt: skip
    assert [n.kind for n in notifications_visible_to(outsider)] == ["reminder"]
    assert unread_count(outsider) == 1
    verified_login(client, outsider)
    page = client.get(reverse("notifications")).content.decode()
    assert request.reference not in page and "due soon" in page


def test_the_notifications_page_costs_the_same_for_one_or_many(client, sharing_world):
    sw = sharing_world
    submitted_request(sw)
    verified_login(client, sw.investigator)
    services.request_acknowledge(actor=sw.world.agency_user, request=SharingRequest.objects.get())
    one, _ = _queries(client, reverse("notifications"))
    for _ in range(5):
        request = submitted_request(sw)
        services.request_acknowledge(actor=sw.world.agency_user, request=request)
    Notification.objects.create(user=sw.investigator, kind="reminder", case=sw.world.case,
                                message="A process reminder", created_at=timezone.now())  # fmt: skip
    six, response = _queries(client, reverse("notifications"))
    assert len(response.context["notifications"]) == 7
    assert six == one


# --- The partnership's rule ------------------------------------------------------------------------------------


def test_the_timescales_page_lists_the_rules_and_a_manager_can_choose_14_days(client, sharing_world, freeze):
    sw = sharing_world
    earlier = submitted_request(sw)
    verified_login(client, sw.world.manager)
    page = client.get(reverse("timescales")).content.decode()
    assert "<h3>Information-sharing requests</h3>" in page
    assert "Respond to the information-sharing request: how long is given?" in page
    assert "10 working days after request submitted" in page and "14 calendar days after request submitted" in page
    is2 = TimescaleRule.objects.get(code="IS2", partnership=None)
    assert client.post(reverse("timescale-choose"), {"rule": is2.pk}).status_code == 302
    assert deadlines.response_rule(earlier).code == "IS2"
    assert response_milestone(earlier).rule.code == "IS1"  # a request already under way keeps its date

    # Fri 11 Dec 2026 + 14 days is Fri 25 Dec, Christmas Day; Mon 28 Dec is Boxing Day (substitute): Tue 29 Dec.
    later = submitted_on(sw, D(2026, 12, 11), freeze)
    milestone = response_milestone(later)
    assert milestone.rule.code == "IS2" and milestone.due_date == D(2026, 12, 29)
    assert "moved from Fri 25 Dec 2026 to the next working day, Tue 29 Dec 2026" in milestone.explanation


def test_someone_who_is_not_a_manager_cannot_choose_the_rule(client, sharing_world):
    verified_login(client, sharing_world.world.agency_user)
    is2 = TimescaleRule.objects.get(code="IS2", partnership=None)
    assert client.post(reverse("timescale-choose"), {"rule": is2.pk}).status_code == 403
    request = submitted_request(sharing_world)
    assert response_milestone(request).rule.code == "IS1"


def test_a_draft_has_no_deadline_anywhere(client, sharing_world):
    sw = sharing_world
    draft_request(sw)
    assert not Milestone.objects.filter(subject_type="sharing_request").exists()
    verified_login(client, sw.investigator)
    assert _rows(client)[1] == []
