"""Cases and the processes on them: stages, pauses, relationships, and their history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from .. import kinds
from .limits import NARRATIVE_LENGTH, NOTE_LENGTH
from .organisations import Organisation, Partnership


class CaseReferenceCounter(models.Model):
    """The last number issued per partnership and year; bumped under a row lock so numbers never repeat."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partnership", "year"], name="one_counter_per_year")]

    def __str__(self):
        return f"{self.partnership.code}-{self.year}: {self.last_number}"


class Case(models.Model):
    class IncidentType(models.TextChoices):
        DEATH = "death", "Death"
        SERIOUS_HARM = "serious_harm", "Serious harm"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=30, unique=True, editable=False)
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="cases", verbose_name="lead partnership"
    )
    year = models.PositiveSmallIntegerField(editable=False)
    number = models.PositiveIntegerField(editable=False)
    pseudonym = models.CharField(max_length=60, help_text="How the child is referred to, e.g. “Child Q”.")
    incident_type = models.CharField(max_length=20, choices=IncidentType.choices)
    incident_date = models.DateField()
    la_aware_date = models.DateField("date the local authority became aware")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    summary = models.TextField(blank=True, max_length=NARRATIVE_LENGTH)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closing_note = models.TextField(blank=True)
    # For systems that synchronise (?updated_since=): bumped by every save; services that use update() set it.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "year", "number"], name="case_number_unique_per_year"),
            models.CheckConstraint(
                condition=Q(la_aware_date__gte=models.F("incident_date")), name="aware_after_incident"
            ),
        ]

    def __str__(self):
        return f"{self.reference} ({self.pseudonym})"


class ChildIdentity(models.Model):
    """The child's identifiable details, kept apart from the case so they can be granted separately."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="child_identity")
    full_name = models.CharField(max_length=200)
    date_of_birth = models.DateField(null=True, blank=True)
    nhs_number = models.CharField("NHS number", max_length=10, blank=True)
    address = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "child identities"

    def __str__(self):
        return f"Identity for {self.case.reference}"


class Process(models.Model):
    """One statutory process on a case. What is particular to a kind lives in that kind's app."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="processes")
    # Not a database choice list: kinds are registered in code, so adding one needs no migration here.
    kind = models.CharField(max_length=40)
    stage = models.CharField(max_length=60)
    # The date the current stage was reached (the date it happened, which may be before it was recorded).
    stage_since = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    owner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="owned_processes",
        verbose_name="owning organisation",
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_processes",
        verbose_name="lead person",
    )
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["opened_on", "id"]
        verbose_name_plural = "processes"
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self):
        return f"{self.kind_label} on {self.case.reference}"

    @property
    def kind_def(self) -> kinds.ProcessKind:
        return kinds.get(self.kind)

    @property
    def kind_label(self) -> str:
        return self.kind_def.label if kinds.exists(self.kind) else self.kind

    @property
    def stage_label(self) -> str:
        return self.kind_def.stage_label(self.stage) if kinds.exists(self.kind) else self.stage

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class ProcessDetails(models.Model):
    """Base of a kind's own details model: one row per process, with a `process` one-to-one key."""

    class Meta:
        abstract = True

    def __str__(self):
        return f"Details of the {self.process}"


class StageChange(models.Model):
    """A move of a process from one stage to the next. Appended; only its date may be corrected, and the
    date first recorded is kept with the reason."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=60, blank=True)
    to_stage = models.CharField(max_length=60)
    effective_on = models.DateField(help_text="The date the move happened.")
    changed_at = models.DateTimeField(help_text="When the move was recorded.")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True, max_length=NOTE_LENGTH)
    corrected_from = models.DateField(null=True, blank=True, help_text="The date first recorded, if corrected.")
    correction_reason = models.TextField(blank=True, max_length=NOTE_LENGTH)

    class Meta:
        ordering = ["effective_on", "changed_at", "id"]

    def __str__(self):
        return f"{self.from_stage or '(opened)'} → {self.to_stage}"


class Pause(models.Model):
    """A period in which a process is held; its clocks stop while it is open (ended_at is null)."""

    class Reason(models.TextChoices):
        CRIMINAL_PROCEEDINGS = "criminal_proceedings", "Pending criminal proceedings"
        CORONER_SUSPENSION = "coroner_suspension", "Inquest suspended"
        PUBLICATION_HOLD = "publication_hold", "Publication held"
        AWAITING_INFORMATION = "awaiting_information", "Awaiting information"
        NATIONAL_RELAXATION = "national_relaxation", "National relaxation of timescales"
        OTHER = "other", "Other"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(max_length=30, choices=Reason.choices)
    explanation = models.TextField(max_length=NOTE_LENGTH)
    caused_by = models.ForeignKey(
        Process,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pauses_caused",
        help_text="The parallel process whose progress this pause waits on, if any.",
    )
    paused_on = models.DateField(help_text="The date the process was held.")
    started_at = models.DateTimeField(help_text="When the pause was recorded.")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    expected_resume_on = models.DateField(null=True, blank=True)
    resumed_on = models.DateField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When the resumption was recorded.")
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resume_note = models.TextField(blank=True, max_length=NOTE_LENGTH)

    class Meta:
        ordering = ["paused_on", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["process"], condition=Q(ended_at=None), name="one_open_pause_per_process")
        ]

    def __str__(self):
        return f"{self.get_reason_display()} from {self.paused_on:%d %b %Y}"


class Relationship(models.Model):
    """How two processes on a case depend on each other. Ended, never deleted."""

    class Kind(models.TextChoices):
        WAITS_FOR = "waits_for", "waits for"
        INFORMS = "informs", "informs"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="relationships")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="relationships_from")
    # What part of the first process is held or informed, e.g. "publication".
    from_activity = models.CharField(max_length=120, blank=True)
    to_process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="relationships_to")
    # A "waits for" names a stage of the other process, or an event in words, or both.
    awaited_stage = models.CharField(max_length=60, blank=True)
    awaited_event = models.CharField(max_length=200, blank=True)
    reason = models.TextField()
    agreed_by = models.CharField(max_length=200, blank=True)
    agreed_on = models.DateField(null=True, blank=True)
    review_on = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(from_process=models.F("to_process")), name="relationship_two_processes")
        ]

    def __str__(self):
        return f"{self.from_process.kind_label} {self.get_kind_display()} {self.to_process.kind_label}"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None

    @property
    def awaited_label(self) -> str:
        parts = []
        if self.awaited_stage:
            parts.append(self.to_process.kind_def.stage_label(self.awaited_stage))
        if self.awaited_event:
            parts.append(self.awaited_event)
        return "; ".join(parts)

    @property
    def awaited_stage_reached(self) -> bool:
        """Whether the other process has been at the stage this one waits for (every stage is in its history)."""
        if not self.awaited_stage:
            return False
        return any(change.to_stage == self.awaited_stage for change in self.to_process.stage_changes.all())


# django-guardian grants, as direct foreign keys so that access filters join rather than cast ids. Each grant
# also says who made it, why, and until when: an expired grant simply stops matching the access filters.
class Grant(models.Model):
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class CaseUserObjectPermission(UserObjectPermissionBase, Grant):  # noqa: DJ008 - guardian\'s base defines __str__
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase, Grant):  # noqa: DJ008 - guardian\'s base defines __str__
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class ProcessUserObjectPermission(UserObjectPermissionBase, Grant):  # noqa: DJ008 - guardian\'s base defines __str__
    content_object = models.ForeignKey(Process, on_delete=models.CASCADE)


class ProcessGroupObjectPermission(GroupObjectPermissionBase, Grant):  # noqa: DJ008 - guardian\'s base defines __str__
    content_object = models.ForeignKey(Process, on_delete=models.CASCADE)


class ChildIdentityUserObjectPermission(UserObjectPermissionBase, Grant):  # noqa: DJ008 - guardian\'s base defines __str__
    content_object = models.ForeignKey(ChildIdentity, on_delete=models.CASCADE)


class ChildIdentityGroupObjectPermission(GroupObjectPermissionBase, Grant):  # noqa: DJ008 - guardian\'s base defines __str__
    content_object = models.ForeignKey(ChildIdentity, on_delete=models.CASCADE)
