"""What is particular to investigations and inquests, beside the shared Process."""

from django.db import models

from coordination.models import ProcessDetails


class IOPCInvestigationDetails(ProcessDetails):
    class MatterType(models.TextChoices):
        COMPLAINT = "complaint", "Complaint"
        CONDUCT = "conduct", "Conduct matter"
        DSI = "dsi", "Death or serious injury (DSI) matter"

    class Referral(models.TextChoices):
        MANDATORY = "mandatory", "Mandatory referral"
        VOLUNTARY = "voluntary", "Voluntary referral"
        CALLED_IN = "called_in", "Called in by the IOPC"

    class Mode(models.TextChoices):
        LOCAL = "local", "Local (appropriate authority on its own behalf)"
        DIRECTED = "directed", "Directed by the Director General"
        INDEPENDENT = "independent", "Independent (IOPC)"
        RETURNED = "returned", "Returned to the appropriate authority"

    process = models.OneToOneField(
        "coordination.Process", primary_key=True, on_delete=models.CASCADE, related_name="iopc_details"
    )
    matter_type = models.CharField(max_length=20, choices=MatterType.choices)
    referral = models.CharField(max_length=20, choices=Referral.choices, blank=True)
    mode = models.CharField(
        "mode of investigation",
        max_length=20,
        choices=Mode.choices,
        blank=True,
        help_text="Blank until the IOPC has decided (Police Reform Act 2002 Sch 3 para 15).",
    )
    iopc_reference = models.CharField("IOPC reference", max_length=60, blank=True)


class CriminalInvestigationDetails(ProcessDetails):
    process = models.OneToOneField(
        "coordination.Process", primary_key=True, on_delete=models.CASCADE, related_name="criminal_details"
    )
    operation_name = models.CharField(max_length=100, blank=True)
    senior_investigating_officer = models.CharField(max_length=200, blank=True)
    offences = models.CharField("offences under investigation or charged", max_length=300, blank=True)
    remanded_in_custody = models.BooleanField(
        default=False, help_text="Custody time limits run while a defendant is remanded."
    )


class MisconductProceedingsDetails(ProcessDetails):
    class Severity(models.TextChoices):
        MISCONDUCT = "misconduct", "Misconduct"
        GROSS_MISCONDUCT = "gross_misconduct", "Gross misconduct"

    class Form(models.TextChoices):
        MEETING = "meeting", "Misconduct meeting"
        HEARING = "hearing", "Misconduct hearing"
        ACCELERATED = "accelerated", "Accelerated misconduct hearing"

    process = models.OneToOneField(
        "coordination.Process", primary_key=True, on_delete=models.CASCADE, related_name="misconduct_details"
    )
    officers_subject = models.PositiveSmallIntegerField("officers subject to the allegation", default=1)
    severity = models.CharField(max_length=20, choices=Severity.choices, blank=True)
    proceedings_form = models.CharField("form of proceedings", max_length=20, choices=Form.choices, blank=True)


class CoronialInvestigationDetails(ProcessDetails):
    process = models.OneToOneField(
        "coordination.Process", primary_key=True, on_delete=models.CASCADE, related_name="coronial_details"
    )
    coroner_area = models.CharField(max_length=200, blank=True)
    coroner_reference = models.CharField(max_length=60, blank=True)
    coroner_aware_date = models.DateField("date the coroner was made aware of the death", null=True, blank=True)
    jury = models.BooleanField("inquest with a jury", default=False)
