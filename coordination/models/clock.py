"""The statutory clock: timescale rules as data, the milestones they produce, and every change to a due date."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property

from .. import subjects
from .cases import Case, Pause, Process
from .limits import NOTE_LENGTH
from .organisations import Partnership


class TimescaleRule(models.Model):
    """One timescale from the law, guidance or local practice, with where it comes from.

    National rules (no partnership) are seeded from each kind's declaration and may be corrected here;
    a partnership adds local rules of its own.
    """

    class Unit(models.TextChoices):
        WORKING_DAYS = "working_days", "working days"
        CALENDAR_DAYS = "calendar_days", "calendar days"
        WEEKS = "weeks", "weeks"
        MONTHS = "months", "calendar months"

    class Direction(models.TextChoices):
        AFTER = "after", "after the trigger"
        BEFORE = "before", "before a planned date"

    class Roll(models.TextChoices):
        NEXT = "next", "to the next working day"
        PREVIOUS = "previous", "to the previous working day"
        NONE = "none", "not moved"

    class Force(models.TextChoices):
        STATUTE = "statute", "Statute or regulations"
        STATUTORY_GUIDANCE = "statutory_guidance", "Statutory guidance"
        GUIDANCE = "guidance", "Guidance"
        LOCAL = "local", "Local practice"

    class Verification(models.TextChoices):
        VERIFIED = "V", "verified"
        PARTLY = "P", "partly verified"
        UNVERIFIED = "U", "not verified"

    class RepeatFrom(models.TextChoices):
        # "A report at the end of 12 months and of every 6 months after" (PCMR 2020 reg 13): fixed periods
        # from the first trigger, so rolling or extending one occurrence never moves the later ones.
        ANCHOR = "anchor", "fixed periods from the first trigger"
        # "Within four weeks of the previous notification" (PCMR 2020 reg 34): at most N apart, counted from
        # when the previous one was actually given.
        COMPLETION = "completion", "the previous occurrence being met"

    code = models.CharField(max_length=30, help_text="A short reference, e.g. L4 or NSCP-1.")
    partnership = models.ForeignKey(
        Partnership,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="timescale_rules",
        help_text="Empty for a national rule.",
    )
    # What the rule's milestones belong to: a kind of process, or a registered subject type (coordination/subjects.py)
    # such as an information-sharing request.
    subject_type = models.CharField(max_length=40, default=subjects.PROCESS)
    process_kind = models.CharField(max_length=40, blank=True, help_text="The kind of process, for a process's rule.")
    milestone = models.CharField(max_length=200)
    trigger = models.CharField(max_length=80, help_text="case:<field>, stage:<stage>, event:<event> or date:<field>")
    trigger_label = models.CharField(max_length=100)
    amount = models.PositiveSmallIntegerField()
    unit = models.CharField(max_length=20, choices=Unit.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.AFTER)
    count_trigger_day = models.BooleanField("the trigger day counts", default=False)
    roll = models.CharField("a date on a non-working day moves", max_length=10, choices=Roll.choices, default=Roll.NEXT)
    completed_by_stage = models.CharField(max_length=60, blank=True, help_text="Reaching this stage meets it.")
    repeat_every = models.PositiveSmallIntegerField(null=True, blank=True)
    repeat_unit = models.CharField(max_length=20, choices=Unit.choices, blank=True)
    repeat_from = models.CharField(max_length=12, choices=RepeatFrom.choices, default=RepeatFrom.ANCHOR)
    repeat_until_stage = models.CharField(max_length=60, blank=True)
    stops_for_pauses = models.BooleanField(
        "a pause of the process stops this clock",
        default=True,
        help_text="Off for limits the law keeps running while a process is held (a statute's own time limit, "
        "a date counted back from a planned date).",
    )
    force = models.CharField(max_length=20, choices=Force.choices)
    source = models.CharField("source citation", max_length=300)
    source_url = models.URLField("source address", max_length=500, blank=True)
    verification = models.CharField(max_length=1, choices=Verification.choices)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    alternative_group = models.CharField(
        max_length=60, blank=True, help_text="Rules in one group are alternatives; a partnership chooses one."
    )
    default_alternative = models.BooleanField(default=False)
    edition_of = models.CharField(
        max_length=30,
        blank=True,
        help_text="The code of the rule this is another edition of (the same timescale under earlier guidance); "
        "a partnership's choice between alternatives covers every edition.",
    )
    reminder_working_days = models.CharField(
        "reminders (working days before)", max_length=40, default="10,3,0", help_text="Comma-separated, e.g. 10,3,0"
    )
    escalate_after_working_days = models.PositiveSmallIntegerField(
        null=True, blank=True, default=5, help_text="Escalate to the partnership manager when overdue this long."
    )

    class Meta:
        ordering = ["subject_type", "process_kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=Q(partnership=None), name="national_rule_code_unique"),
            models.UniqueConstraint(fields=["partnership", "code"], name="local_rule_code_unique"),
            models.CheckConstraint(condition=Q(amount__gte=1), name="rule_amount_positive"),
        ]

    def __str__(self):
        return f"{self.code}: {self.milestone}"

    def clean(self):
        # A series counts on in the rule's own unit: 12 months then every 6 months, 4 weeks then every 4.
        if self.repeat_every and self.repeat_unit and self.repeat_unit != self.unit:
            unit = self.get_unit_display()
            raise ValidationError({"repeat_unit": f"A series repeats in the rule's own unit, {unit}."})

    @property
    def citation(self) -> str:
        return f"{self.source}; {self.get_force_display().lower()}; {self.get_verification_display()}"

    @property
    def runs_through_pauses_because(self) -> str:
        """Why a pause does not stop this clock, in words for the milestone's explanation."""
        if self.direction == self.Direction.BEFORE:
            return "counted back from a planned date"
        if self.force == self.Force.STATUTE:
            return "set by statute"
        return "as the rule is set"


class RuleChoice(models.Model):
    """A partnership's choice among alternative rules, e.g. whether the rapid review's 15 working days
    run from the local authority becoming aware or from the notification."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="rule_choices")
    alternative_group = models.CharField(max_length=60)
    rule = models.ForeignKey(TimescaleRule, on_delete=models.CASCADE, related_name="+")
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    chosen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partnership", "alternative_group"], name="one_choice_per_group")
        ]

    def __str__(self):
        return f"{self.partnership.code} uses {self.rule.code} for {self.alternative_group}"


class ClosureDay(models.Model):
    """A local non-working day beyond weekends and bank holidays, for one partnership or for everyone."""

    date = models.DateField()
    name = models.CharField(max_length=100)
    partnership = models.ForeignKey(Partnership, null=True, blank=True, on_delete=models.CASCADE)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["date", "partnership"], name="one_closure_per_day")]

    def __str__(self):
        return f"{self.date}: {self.name}"


class ProcessEvent(models.Model):
    """A fact that starts a clock, such as "documents supplied to the officer", with the date it happened."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="events")
    key = models.CharField(max_length=60)
    occurred_on = models.DateField()
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["occurred_on", "id"]

    def __str__(self):
        return f"{self.key} on {self.occurred_on}"


class Milestone(models.Model):
    """A deadline, produced by a rule when its trigger is recorded. It belongs to a process (`process`, the
    clock's own subject) or to a record of a subject type an app registered (coordination/subjects.py), and
    always to a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="milestones")
    subject_type = models.CharField(max_length=40, default=subjects.PROCESS)
    subject_id = models.PositiveBigIntegerField(help_text="The process's or the registered record's id.")
    process = models.ForeignKey(Process, null=True, blank=True, on_delete=models.CASCADE, related_name="milestones")
    rule = models.ForeignKey(TimescaleRule, on_delete=models.PROTECT, related_name="milestones")
    occurrence = models.PositiveSmallIntegerField(default=1)
    trigger_date = models.DateField()
    base_due_date = models.DateField(help_text="As the rule gives it, before pauses and extensions.")
    due_date = models.DateField(db_index=True)
    explanation = models.TextField(help_text="How the base due date was reached.")
    completed_on = models.DateField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completion_note = models.TextField(blank=True, max_length=NOTE_LENGTH)
    waived_at = models.DateTimeField(null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    waiver_reason = models.TextField(blank=True)
    extension_overtaken = models.BooleanField(
        default=False,
        help_text="A corrected trigger or a pause moved the law's date past an extension: the later date stands "
        "and the extension needs reviewing.",
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "rule", "occurrence"], name="one_milestone_per_occurrence"
            ),
            models.CheckConstraint(
                condition=Q(subject_type=subjects.PROCESS, process__isnull=False, subject_id=models.F("process"))
                | (~Q(subject_type=subjects.PROCESS) & Q(process=None)),
                name="a_process_milestone_names_its_process",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_date"], name="open_milestone_due", condition=Q(completed_on=None, waived_at=None)
            ),
            models.Index(fields=["subject_type", "subject_id"], name="milestone_subject"),
        ]

    def __str__(self):
        suffix = f" (#{self.occurrence})" if self.occurrence > 1 else ""
        return f"{self.rule.milestone}{suffix} due {self.due_date}"

    def get_absolute_url(self) -> str:
        if self.subject_type == subjects.PROCESS:
            url = reverse("process-detail", args=[self.case.reference, self.process_id])
            return f"{url}#milestone-{self.pk}"
        return self.subject_kind.url(self.subject) + self.subject_kind.deadline_anchor

    @cached_property
    def subject(self):
        """The process, or the registered record (coordination.subjects.attach loads a list's in bulk)."""
        if self.subject_type == subjects.PROCESS:
            return self.process
        return subjects.get(self.subject_type).model.objects.filter(pk=self.subject_id).first()

    @property
    def subject_kind(self) -> subjects.SubjectType | None:
        """The registered subject type; None for a process."""
        return None if self.subject_type == subjects.PROCESS else subjects.get(self.subject_type)

    @property
    def is_open(self) -> bool:
        return self.completed_on is None and self.waived_at is None

    @property
    def subject_label(self) -> str:
        """What the deadline belongs to, e.g. "LCSPR" or "Information request NSCP-2026-001-IS02"."""
        if self.subject_type == subjects.PROCESS:
            return self.process.kind_label
        return self.subject_kind.describe(self.subject)

    @property
    def agency_note(self) -> str:
        return "" if self.subject_type == subjects.PROCESS else self.subject_kind.agency_note(self.subject)

    @property
    def agency(self):
        """The organisation that has to act: a process's owner, or the registered record's."""
        if self.subject_type == subjects.PROCESS:
            return self.process.owner
        return getattr(self.subject, self.subject_kind.agency_field)


class MilestoneAdjustment(models.Model):
    """Every change to a milestone's due date, kept in order: pauses, extensions, corrected triggers."""

    class Kind(models.TextChoices):
        PAUSE = "pause", "Paused"
        EXTENSION = "extension", "Extended"
        TRIGGER_CORRECTED = "trigger_corrected", "Trigger date corrected"
        RECALCULATED = "recalculated", "Recalculated"

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_date = models.DateField()
    to_date = models.DateField()
    pause = models.ForeignKey(Pause, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(max_length=NOTE_LENGTH)
    authorised_by = models.CharField(max_length=200, blank=True)
    basis = models.CharField("legal basis or authority", max_length=300, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.from_date} → {self.to_date}"
