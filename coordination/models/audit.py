"""The audit trail: who did what, when and from where. Appended through `coordination.audit.record`, never
changed. The guards here catch mistakes in the application; on PostgreSQL the database itself refuses
UPDATE and DELETE on the table (migration 0004), and each entry's hash chains it to the one before."""

from django.conf import settings
from django.db import models

from .organisations import Organisation


class AuditTrailIsAppendOnly(Exception):
    """Raised when code tries to change or remove an audit entry, or to add one around the chain."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditTrailIsAppendOnly("Audit entries cannot be changed.")

    def delete(self):
        raise AuditTrailIsAppendOnly("Audit entries cannot be deleted.")

    def bulk_create(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("Audit entries are added one at a time by coordination.audit.record.")

    def bulk_update(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("Audit entries cannot be changed.")


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        SIGN_OUT = "sign_out", "Signed out"
        CREATE = "create", "Created"
        CHANGE = "change", "Changed"
        DELETE = "delete", "Deleted"
        VIEW_IDENTITY = "view_identity", "Viewed identifiable details"
        GRANT = "grant", "Granted access"
        REVOKE = "revoke", "Revoked access"
        DOWNLOAD = "download", "Downloaded"
        EXPORT = "export", "Exported"
        BREAK_GLASS = "break_glass", "Broke glass (emergency access)"
        DISCLOSE = "disclose", "Disclosed information"

    at = models.DateTimeField()
    # PROTECT: a person with entries is deactivated, not deleted; the label keeps the name they had.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True, help_text="The username at the time.")
    # The actor's organisation at the time, so an agency's administrators can be shown their own people's events.
    # PROTECT, not SET_NULL: setting it to null would be an UPDATE, which the database refuses.
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=100, blank=True, help_text="app_label.model, e.g. coordination.case")
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(
        max_length=200, blank=True, help_text="A reference such as the case reference; never identifiable details."
    )
    changes = models.JSONField(default=dict, blank=True, help_text='{"field": [old, new]}')
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["at"], name="audit_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["organisation", "at"], name="audit_organisation_at"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.at:%Y-%m-%d %H:%M:%S} {self.actor_label or '-'} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise AuditTrailIsAppendOnly("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("Audit entries cannot be deleted.")
