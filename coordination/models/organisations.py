"""Who takes part: organisations, safeguarding partnerships, and people's memberships with their roles."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Organisation(models.Model):
    class Kind(models.TextChoices):
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        ICB = "icb", "Integrated care board"
        POLICE_FORCE = "police_force", "Police force"
        PROFESSIONAL_STANDARDS = (
            "professional_standards",
            "Police professional standards (appropriate authority)",
        )
        IOPC = "iopc", "Independent Office for Police Conduct"
        CORONER = "coroner", "Coroner's office"
        CPS = "cps", "Crown Prosecution Service"
        SCHOOL = "school", "School or college"
        HEALTH_PROVIDER = "health_provider", "Health provider"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # Each organisation is also a group, so per-object grants can be made to a whole agency.
    group = models.OneToOneField("auth.Group", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class Partnership(models.Model):
    """A safeguarding children partnership: three statutory partners and the agencies they work with."""

    name = models.CharField(max_length=200, unique=True)
    code = models.CharField(
        max_length=10,
        unique=True,
        help_text="Short capital letters used in case references, e.g. NSCP in NSCP-2026-014.",
    )
    local_authority = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", limit_choices_to={"kind": "local_authority"}
    )
    icb = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="integrated care board",
        limit_choices_to={"kind": "icb"},
    )
    police = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="chief officer of police (force)",
        limit_choices_to={"kind": "police_force"},
    )
    relevant_agencies = models.ManyToManyField(Organisation, blank=True, related_name="partnerships")

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(code__regex=r"^[A-Z]{2,10}$"), name="partnership_code_caps")]

    def __str__(self):
        return self.name

    def statutory_partner_ids(self) -> set[int]:
        return {self.local_authority_id, self.icb_id, self.police_id}


class Membership(models.Model):
    class Role(models.TextChoices):
        PARTNERSHIP_MANAGER = "partnership_manager", "Partnership manager"
        AGENCY_REPRESENTATIVE = "agency_representative", "Agency representative"
        IOPC_INVESTIGATOR = "iopc_investigator", "IOPC investigator"
        PROFESSIONAL_STANDARDS = "professional_standards", "Police professional standards"
        INDEPENDENT_REVIEWER = "independent_reviewer", "Independent reviewer"
        CORONERS_OFFICER = "coroners_officer", "Coroner's officer"
        AUDITOR = "auditor", "Auditor"
        AGENCY_ADMINISTRATOR = "agency_administrator", "Agency administrator"
        CASE_SYSTEM = "case_system", "Case system (API key)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org")]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()}, {self.organisation}"
