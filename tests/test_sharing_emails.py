"""Information-sharing notifications by e-mail: one per notification, once, taken over from a worker that died,
and never to someone who may no longer see the request. Reference and pseudonym only."""

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone

from coordination.celery import app
from coordination.models import ChildIdentity, Membership, Notification
from sharing import emails, services, tasks
from tests.factories import request_notifications, submitted_request

IDENTITY = {"full_name": "Jayden Marcus Oyelaran", "nhs_number": "9434765919", "address": "14 Larchfield Road"}


@pytest.fixture
def request_(sharing_world):
    """A request the IOPC submitted to the council: the council's manager and agency user are notified."""
    ChildIdentity.objects.create(case=sharing_world.world.case, date_of_birth=dt.date(2015, 5, 1), **IDENTITY)
    return submitted_request(sharing_world)


def pending():
    return Notification.objects.filter(kind="update", emailed_at=None)


def test_each_notification_goes_as_one_email_with_the_message_and_a_link(sharing_world, request_, settings):
    settings.SITE_URL = "https://parallel.example.gov.uk/"
    sw = sharing_world
    result = emails.send_pending()
    assert (result.claimed, result.sent, result.skipped, result.failed) == (2, 2, 0, 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([sw.world.manager.email, sw.world.agency_user.email])
    link = f"https://parallel.example.gov.uk{reverse('sharing-request-detail', args=[request_.reference])}"
    message = request_notifications(request_).first().message
    for email in mail.outbox:
        assert email.subject == f"Parallel: {request_.reference} submitted"
        assert email.extra_headers["Auto-Submitted"] == "auto-generated"
        (html, mimetype), *_ = email.alternatives
        assert mimetype == "text/html"
        assert message in email.body and link in email.body and f'href="{link}"' in html
        for body in (email.subject, email.body, html):
            for value in IDENTITY.values():
                assert value not in body
            assert "2015" not in body
    assert not pending().exists()


def test_a_second_run_sends_nothing(sharing_world, request_):
    emails.send_pending()
    again = emails.send_pending()
    assert (again.claimed, again.sent) == (0, 0)
    assert len(mail.outbox) == 2


def test_each_move_is_its_own_email_and_reasons_stay_on_the_request_page(sharing_world, request_):
    sw = sharing_world
    emails.send_pending()
    mail.outbox.clear()
    services.request_acknowledge(actor=sw.world.agency_user, request=request_)
    services.request_decide(
        actor=sw.world.agency_user,
        request=request_,
        version=None,
        outcome="refuse",
        ground="prejudice_criminal",
        reasons="Interview of the mother on 3 March pending.",
    )
    assert emails.send_pending().sent == 2  # to the investigator; the council's contact made both moves
    assert [email.subject for email in mail.outbox] == [
        f"Parallel: {request_.reference} acknowledged",
        f"Parallel: {request_.reference} decided: refuse",
    ]
    for email in mail.outbox:
        assert "Interview of the mother" not in email.body + email.alternatives[0][0]


def test_a_stale_claim_left_by_a_dead_worker_is_taken_over_and_a_fresh_one_is_not(sharing_world, request_):
    sw = sharing_world
    stale_after = dt.timedelta(seconds=django_settings.REMINDER_CLAIM_LEASE_SECONDS)
    now = timezone.now()
    to_manager = request_notifications(request_).get(user=sw.world.manager)
    to_agency = request_notifications(request_).get(user=sw.world.agency_user)
    Notification.objects.filter(pk=to_manager.pk).update(email_claimed_at=now - stale_after - dt.timedelta(minutes=1))
    Notification.objects.filter(pk=to_agency.pk).update(email_claimed_at=now - stale_after / 2)

    result = emails.send_pending()
    assert (result.claimed, result.sent) == (1, 1)
    assert [email.to for email in mail.outbox] == [[sw.world.manager.email]]
    to_manager.refresh_from_db()
    to_agency.refresh_from_db()
    assert to_manager.emailed_at is not None
    assert to_agency.emailed_at is None  # still held by a live run


def test_an_email_the_mail_server_refuses_is_sent_by_a_later_run(sharing_world, request_, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    result = emails.send_pending()
    assert (result.claimed, result.failed, result.sent) == (2, 2, 0)
    assert pending().count() == 2
    monkeypatch.undo()
    assert emails.send_pending().sent == 0  # the claims are fresh: left alone
    Notification.objects.update(email_claimed_at=timezone.now() - dt.timedelta(hours=1))
    assert emails.send_pending().sent == 2
    assert not pending().exists()


def test_no_email_once_the_recipient_may_no_longer_see_the_request(sharing_world, request_):
    sw = sharing_world
    Membership.objects.filter(user=sw.world.agency_user).delete()  # left the council
    stray = Notification.objects.create(user=sw.world.outsider, kind="update", case=sw.world.case,
                                        subject_type="sharing_request", subject_id=request_.pk,
                                        message=f"{request_.reference}: submitted",
                                        created_at=timezone.now())  # fmt: skip
    result = emails.send_pending()
    assert (result.claimed, result.sent, result.skipped) == (3, 1, 2)
    assert [email.to for email in mail.outbox] == [[sw.world.manager.email]]
    stray.refresh_from_db()
    assert stray.emailed_at is not None  # done with, not retried
    assert not pending().exists()


def test_someone_without_an_email_address_keeps_the_notification_only(sharing_world, request_):
    sw = sharing_world
    sw.world.agency_user.email = ""
    sw.world.agency_user.save(update_fields=["email"])
    result = emails.send_pending()
    assert (result.sent, result.skipped) == (1, 1)
    assert not pending().exists()
    assert Notification.objects.get(user=sw.world.agency_user).read_at is None  # still there to read in Parallel


def test_reminders_are_not_emailed_here(sharing_world, request_):
    Notification.objects.create(user=sharing_world.investigator, kind="reminder", case=sharing_world.world.case,
                                subject_type="sharing_request", subject_id=request_.pk, message="due soon",
                                created_at=timezone.now())  # fmt: skip
    assert emails.send_pending().claimed == 2  # the two "submitted" notifications; the digest sends reminders


def test_batches_are_taken_in_turn(sharing_world, request_):
    for _ in range(3):
        submitted_request(sharing_world)
    assert emails.send_pending(batch_size=3).sent == 8
    assert not pending().exists()


def test_the_task_sends_them_and_beat_runs_it_every_minute(sharing_world, request_):
    assert tasks.send_sharing_emails() == {"claimed": 2, "sent": 2, "skipped": 0, "failed": 0}
    assert tasks.send_sharing_emails()["claimed"] == 0
    schedule = django_settings.CELERY_BEAT_SCHEDULE["send-sharing-emails"]
    assert schedule["task"] == "sharing.tasks.send_sharing_emails" and schedule["schedule"] == 60.0
    app.loader.import_default_modules()  # what a worker does on start: autodiscovery finds sharing/tasks.py
    assert schedule["task"] in app.tasks
