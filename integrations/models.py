"""How agency case systems connect: API keys held by an organisation, and the webhook endpoints it registers,
with an outbox of deliveries written in the same transaction as the change they announce.

These models began in the core and keep the tables they had there (db_table): moving them here changed Django's
state only (coordination/migrations/0016_integrations_moved_out.py, integrations/migrations/0001_initial.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from coordination.models import Organisation


class ApiKey(models.Model):
    """A key for one organisation's case system. Only a hash of the secret is kept; the prefix identifies the key
    in lists and logs. Each key acts through a user of its own, a member of the organisation with the role
    "case system", so the access layer gives it exactly what it gives that organisation."""

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        READ_WRITE = "read_write", "Read and write"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="api_keys")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_key")
    name = models.CharField(max_length=100, help_text="Which system uses it, e.g. “Force case management”.")
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64, help_text="SHA-256 of the secret, hex.")
    scope = models.CharField(max_length=12, choices=Scope.choices, default=Scope.READ)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "coordination_apikey"
        ordering = ["organisation", "-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class WebhookEndpoint(models.Model):
    """Where an organisation wants to hear of changes. Signed with Standard Webhooks; disabled after persistent
    failure, and enabled again by the organisation's administrator."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="webhook_endpoints")
    # Events go only where this key could read what they name, so an endpoint never learns of a case its
    # organisation may not see; the receiver then fetches the details with the same key.
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text='Event types to send, e.g. ["sharing_request.status_changed"].')
    secret = models.CharField(max_length=100, help_text="whsec_…, used to sign each delivery.")
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        db_table = "coordination_webhookendpoint"
        ordering = ["organisation", "url"]

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One event to one endpoint: the outbox row, written with the change, then sent (and retried) by a worker."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=40, unique=True, help_text="webhook-id: the same on every retry.")
    event_type = models.CharField(max_length=60)
    payload = models.JSONField(help_text="Ids and the event type only; never identifiable details.")
    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        db_table = "coordination_webhookdelivery"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="webhook_due", condition=Q(status="pending")),
        ]

    def __str__(self):
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """Each try, kept for the organisation's administrators to see why an endpoint failed. It is written with the
    claim, before the request goes, and completed with the outcome, so a try whose worker died mid-send is still
    in the log (without an outcome: interrupted) and the log always holds as many tries as the delivery counts."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When the outcome was recorded; empty: none.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "coordination_webhookattempt"
        ordering = ["attempted_at", "id"]

    def __str__(self):
        return f"{self.delivery_id} at {self.attempted_at}: {self.status_code or self.error}"

    @property
    def sending(self) -> bool:
        """No outcome yet, and the delivery's claim is still this try's and has not lapsed: it is under way now."""
        delivery = self.delivery
        return (
            self.finished_at is None
            and delivery.status == WebhookDelivery.Status.PENDING
            and delivery.claimed_at == self.attempted_at
            and delivery.next_attempt_at > timezone.now()
        )

    @property
    def interrupted(self) -> bool:
        """No outcome, and none will come: the worker stopped mid-send (the receiver may or may not have had it)."""
        return self.finished_at is None and not self.sending


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, so that a retry gets the same answer and not a
    second change. The same key with a different body is refused."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of the method, path and body.")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "coordination_idempotencyrecord"
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_answer_per_idempotency_key")]

    def __str__(self):
        return f"{self.method} {self.path} ({self.key})"
