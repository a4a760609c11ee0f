"""What is particular to the safeguarding partnership's reviews, beside the shared Process."""

from django.db import models

from coordination.models import ProcessDetails


class SeriousIncidentNotificationDetails(ProcessDetails):
    process = models.OneToOneField(
        "coordination.Process", primary_key=True, on_delete=models.CASCADE, related_name="sin_details"
    )
    looked_after_child = models.BooleanField(
        "looked-after child",
        default=False,
        help_text="The Secretary of State and Ofsted are notified too, whether or not abuse or neglect is suspected.",
    )
    notification_reference = models.CharField(
        "Child Safeguarding Incident Notification System reference", max_length=60, blank=True
    )


class RapidReviewDetails(ProcessDetails):
    class PanelResponse(models.TextChoices):
        AGREED = "agreed", "Agreed with the partners' decision"
        CHALLENGED = "challenged", "Challenged the decision"
        NATIONAL_REVIEW = "national_review", "Will carry out a national review"

    process = models.OneToOneField(
        "coordination.Process",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="rapid_review_details",
    )
    panel_response = models.CharField(max_length=20, choices=PanelResponse.choices, blank=True)
    meeting_date = models.DateField("rapid review meeting date", null=True, blank=True)


class LCSPRDetails(ProcessDetails):
    process = models.OneToOneField(
        "coordination.Process", primary_key=True, on_delete=models.CASCADE, related_name="lcspr_details"
    )
    decision_date = models.DateField("date of the decision to carry out the LCSPR", null=True, blank=True)
    reviewer_name = models.CharField("independent reviewer", max_length=200, blank=True)
    planned_publication_date = models.DateField(null=True, blank=True)


class ChildDeathReviewDetails(ProcessDetails):
    process = models.OneToOneField(
        "coordination.Process", primary_key=True, on_delete=models.CASCADE, related_name="cdr_details"
    )
    joint_agency_response = models.BooleanField(
        "joint agency response", default=False, help_text="Criteria met for a joint agency response."
    )
    cdop_name = models.CharField("child death overview panel", max_length=200, blank=True)
