"""PDF summaries rendered by a Celery worker: a case summary for panels and partners, or a document of an
organisation's that an app registers (coordination/summaries/documents.py), such as its sharing register. Each file
is kept with its SHA-256, the template version and who asked for it."""

from django.conf import settings
from django.db import models

from .cases import Case
from .organisations import Organisation


def _summary_storage():
    # The documents storage: outside the web root, served only through an access-checked, audited view.
    from django.core.files.storage import storages

    return storages["documents"]


def _summary_path(summary: "PdfSummary", filename: str) -> str:
    return f"summaries/{summary.requested_at:%Y/%m}/{summary.pk}-{summary.sha256}.pdf"


class PdfSummary(models.Model):
    CASE = "case"  # a case summary; any other kind is a registered organisation document

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=30, help_text="“case”, or the key of a registered organisation document.")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="pdf_summaries")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="pdf_summaries"
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="While rendering, its claim holds until then (renewed as the render runs)."
    )
    attempts = models.PositiveSmallIntegerField(default=0, help_text="How many times its render has been started.")
    finished_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    file = models.FileField(upload_to=_summary_path, storage=_summary_storage, max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    template_version = models.CharField(max_length=20, blank=True)
    data_as_of = models.DateTimeField(null=True, blank=True, help_text="The latest change included in the file.")

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="case", case__isnull=False)
                | (~models.Q(kind="case") & models.Q(organisation__isnull=False)),
                name="summary_names_its_subject",
            )
        ]

    def __str__(self):
        subject = self.case.reference if self.case_id else self.organisation.display_name
        return f"{self.kind} of {subject} ({self.status})"
