"""What Parallel tells people: in-app notifications, the log that makes each reminder go out once, and
each person's calendar feed."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property

from .. import subjects
from .cases import Case
from .clock import Milestone


class Notification(models.Model):
    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder"
        ESCALATION = "escalation", "Escalation"
        UPDATE = "update", "Update"  # on a record of a registered subject type, e.g. a request's move
        SUMMARY = "summary", "PDF ready"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    milestone = models.ForeignKey(Milestone, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    message = models.CharField(max_length=400)
    link = models.CharField(max_length=300, blank=True, help_text="The page it points to, when it says where.")
    # What it is about, when that is a record of a registered subject type (coordination/subjects.py), such as an
    # information-sharing request: it is listed only while the reader may still see that record.
    subject_type = models.CharField(max_length=40, blank=True)
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Some notifications also go by e-mail, one each, claimed and sent by a periodic task of the app that made
    # them, so that a change's e-mail leaves only once its transaction has committed.
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.message

    @cached_property
    def subject(self):
        """The registered record it is about, if any (coordination.subjects.attach loads a list's in bulk)."""
        if not self.subject_type:
            return None
        return subjects.get(self.subject_type).model.objects.filter(pk=self.subject_id).first()

    @property
    def subject_url(self) -> str:
        if self.subject is None:
            return ""
        kind = subjects.get(self.subject_type)
        return kind.url(self.subject) + (kind.deadline_anchor if self.milestone_id else "")


class ReminderSent(models.Model):
    """One reminder of one milestone to one person. The unique key is the claim: a dispatcher that inserts
    the row owns the reminder, so two dispatchers, a repeated beat tick or a retry never send it twice."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="reminders")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=40, help_text="Which reminder: before-10, before-3, due, overdue-1, escalation")
    run = models.UUIDField(help_text="The dispatcher run that holds the claim.")
    claimed_at = models.DateTimeField(help_text="When the run holding it claimed it (or took it over).")
    # The run holds the claim until then and renews it while it works; once it has passed, any run may take the
    # claim over (coordination/reminders.py). Empty: nobody holds it.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["milestone", "recipient", "key"], name="one_reminder_per_key")]
        # Beat looks for lapsed leases every half minute: only unsent rows are indexed, so the look costs nothing.
        indexes = [models.Index(fields=["lease_expires_at"], name="reminder_lease", condition=Q(sent_at=None))]

    def __str__(self):
        return f"{self.key} of milestone {self.milestone_id} to user {self.recipient_id}"


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's secret iCalendar address. Revoking it gives them a new one; the old one stops working."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=_new_token)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Calendar feed of {self.user}"

    def rotate(self) -> None:
        self.token = _new_token()
        self.save(update_fields=["token"])
