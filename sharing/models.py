"""Information-sharing requests between agencies, the decisions on them, what was disclosed, and the documents
that travel with them (the lawful basis, UK GDPR Arts 6, 9 and 10 and DPA 2018 Sch 1 and 8; the Government Security
Classifications Policy)."""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from coordination.models import Case, Organisation, Process
from coordination.models.cases import Grant
from coordination.models.limits import NARRATIVE_LENGTH, NOTE_LENGTH


class Classification(models.TextChoices):
    """Government Security Classifications (§3.4): the portal is an OFFICIAL-tier system; SECRET never enters it."""

    OFFICIAL = "OFFICIAL", "OFFICIAL"
    OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE"


class Gateway(models.TextChoices):
    CHILDREN_ACT_S16H = "ca2004_s16h", "Children Act 2004 s16H (safeguarding partners' request for information)"
    CHILDREN_ACT_DUTY = (
        "ca2004_duty_2026",
        "Children Act 2004 duty to disclose (Children's Wellbeing and Schools Act 2026 s4)",
    )  # noqa: E501
    POLICE_REFORM_ACT = "pra2002", "Police Reform Act 2002: IOPC information powers"
    CORONER = "coroner", "Coroner's requirement (Coroners and Justice Act 2009 Sch 5)"
    CRIME_AND_DISORDER_S115 = "cda1998_s115", "Crime and Disorder Act 1998 s115"
    VOLUNTARY = "voluntary", "Voluntary disclosure"
    OTHER = "other", "Other (say which)"


class Article6Basis(models.TextChoices):
    PUBLIC_TASK = "e", "Art 6(1)(e) public task"
    LEGAL_OBLIGATION = "c", "Art 6(1)(c) legal obligation"
    VITAL_INTERESTS = "d", "Art 6(1)(d) vital interests"
    CONSENT = "a", "Art 6(1)(a) consent"
    LEGITIMATE_INTERESTS = "f", "Art 6(1)(f) legitimate interests"


class SpecialCategoryCondition(models.TextChoices):
    NONE = "", "No special-category or sensitive data"
    GDPR_ART9 = "art9", "UK GDPR Art 9(2)(g) with a DPA 2018 Schedule 1 paragraph"
    DPA_PART3 = "part3", "DPA 2018 Part 3 (law enforcement) with a Schedule 8 paragraph"


class SensitivityFlag(models.TextChoices):
    LIVE_CRIMINAL_INVESTIGATION = "live_criminal_investigation", "Live criminal investigation"
    PROSPECTIVE_WITNESS = "prospective_witness", "Prospective witness"
    S21A = "s21a", "s21A sensitive material"
    FAMILY_COURT = "family_court", "Family court material (leave of the court needed)"
    THIRD_PARTIES = "third_parties", "Third parties' identities to protect"


class DataSubject(models.TextChoices):
    CHILD = "child", "The child"
    SIBLINGS = "siblings", "Siblings"
    PARENTS_CARERS = "parents_carers", "Parents or carers"
    ALLEGED_PERPETRATOR = "alleged_perpetrator", "Alleged perpetrator"
    PRACTITIONERS = "practitioners", "Practitioners"
    OFFICERS = "officers", "Police officers or staff"


class SharingRequest(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        UNDER_CONSIDERATION = "under_consideration", "Under consideration"
        DECIDED = "decided", "Decided"
        DISCLOSED = "disclosed", "Disclosed"
        CLOSED = "closed", "Closed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Urgency(models.TextChoices):
        ROUTINE = "routine", "Routine"
        URGENT = "urgent", "Urgent"

    class ConsentPosition(models.TextChoices):
        NOT_SOUGHT = "not_sought", "Not sought"
        SOUGHT_GIVEN = "sought_given", "Sought and given"
        SOUGHT_REFUSED = "sought_refused", "Sought and refused"

    class TransparencyPosition(models.TextChoices):
        INFORMED = "informed", "Data subjects informed"
        WILL_BE_INFORMED = "will_be_informed", "To be informed later"
        NOT_INFORMED = "not_informed", "Not informed"

    # Identity and parties
    reference = models.CharField(max_length=40, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="sharing_requests")
    number = models.PositiveIntegerField(editable=False, help_text="Numbered per case.")
    processes = models.ManyToManyField(Process, blank=True, related_name="sharing_requests")
    requesting_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requester_role = models.CharField(max_length=100, blank=True, help_text="e.g. IOPC lead investigator")
    providing_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    addressee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="single point of contact",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # What is asked for
    items_requested = models.TextField(
        "specific items requested, and why each is needed", blank=True, max_length=NARRATIVE_LENGTH
    )
    data_subjects = models.JSONField(default=list, blank=True)
    data_categories = models.TextField("categories of data", blank=True, max_length=NOTE_LENGTH)
    date_range_from = models.DateField(null=True, blank=True)
    date_range_to = models.DateField(null=True, blank=True)
    # Why, and on what basis
    purpose_function = models.CharField("function it serves", max_length=200, blank=True)
    purpose_question = models.TextField("question it will answer", blank=True, max_length=NOTE_LENGTH)
    gateway_other = models.CharField("other gateway", max_length=300, blank=True)
    article6_basis = models.CharField("UK GDPR Art 6 basis", max_length=1, choices=Article6Basis.choices, blank=True)
    special_category = models.CharField(
        "special-category or sensitive data", max_length=10, choices=SpecialCategoryCondition.choices, blank=True
    )
    special_category_paragraph = models.CharField(
        "Schedule 1 or Schedule 8 paragraph", max_length=200, blank=True, help_text="e.g. Sch 1 para 18"
    )
    criminal_offence_data = models.BooleanField("includes criminal-offence data (Art 10)", default=False)
    article10_paragraph = models.CharField("Art 10: Schedule 1 Part 3 paragraph", max_length=200, blank=True)
    necessity_proportionality = models.TextField(
        "necessity and proportionality", blank=True, max_length=NARRATIVE_LENGTH
    )
    consent_position = models.CharField(max_length=20, choices=ConsentPosition.choices, blank=True)
    consent_reason = models.TextField(blank=True, max_length=NOTE_LENGTH)
    transparency_position = models.CharField(max_length=20, choices=TransparencyPosition.choices, blank=True)
    transparency_reason = models.TextField(blank=True, max_length=NOTE_LENGTH)
    sensitivity_flags = models.JSONField(default=list, blank=True)
    classification = models.CharField(
        max_length=20, choices=Classification.choices, default=Classification.OFFICIAL_SENSITIVE
    )
    handling_instructions = models.CharField(max_length=300, blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    requested_by_date = models.DateField(
        "respond by", null=True, blank=True, help_text="Leave empty to take the date from the partnership's rule."
    )
    # Lifecycle
    created_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()
    withdrawn_reason = models.TextField(blank=True, max_length=NOTE_LENGTH)
    # Bumped by every change, so a form saved over someone else's newer change is refused, not applied.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="one_request_number_per_case")]
        indexes = [models.Index(fields=["providing_organisation", "status"]), models.Index(fields=["updated_at"])]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status not in {self.Status.CLOSED, self.Status.WITHDRAWN}

    @property
    def marking(self) -> str:
        return " · ".join(part for part in (self.classification, self.handling_instructions) if part)


class RequestGateway(models.Model):
    """One statutory gateway a request relies on; a request may cite several."""

    request = models.ForeignKey(SharingRequest, on_delete=models.CASCADE, related_name="gateways")
    gateway = models.CharField(max_length=30, choices=Gateway.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "gateway"], name="one_row_per_gateway")]

    def __str__(self):
        return self.get_gateway_display()


class SharingDecision(models.Model):
    """A decision on a request. A deferral is followed, at its review date, by a further decision."""

    class Outcome(models.TextChoices):
        SHARE_IN_FULL = "share_in_full", "Share in full"
        SHARE_IN_PART = "share_in_part", "Share in part"
        SHARE_REDACTED = "share_redacted", "Share redacted"
        DEFER = "defer", "Defer"
        REFUSE = "refuse", "Refuse"

    class Ground(models.TextChoices):
        HARM_TEST = "harm_test", "Harm test (PCMR reg 11 / reg 35)"
        PREJUDICE_CRIMINAL = "prejudice_criminal", "Prejudice to criminal proceedings"
        PROPORTIONALITY = "proportionality", "Not proportionate"
        STATUTORY_EXCEPTION = "statutory_exception", "Statutory exception: more harmful to the child than withholding"
        OTHER = "other", "Other"

    REASONS_REQUIRED = frozenset({Outcome.SHARE_IN_PART, Outcome.SHARE_REDACTED, Outcome.DEFER, Outcome.REFUSE})
    SHARES = frozenset({Outcome.SHARE_IN_FULL, Outcome.SHARE_IN_PART, Outcome.SHARE_REDACTED})

    request = models.ForeignKey(SharingRequest, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    ground = models.CharField(max_length=30, choices=Ground.choices, blank=True)
    reasons = models.TextField(blank=True, max_length=NARRATIVE_LENGTH)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision_maker_role = models.CharField(max_length=100, blank=True)
    approver_name = models.CharField("approved by", max_length=200, blank=True)
    approver_role = models.CharField(max_length=100, blank=True)
    legal_advice_sought = models.BooleanField("DPO or legal advice sought", default=False)
    conditions = models.TextField("conditions on use and onward disclosure", blank=True, max_length=NARRATIVE_LENGTH)
    retain_until = models.DateField("retain until, then destroy", null=True, blank=True)
    retention_note = models.CharField("retention and disposal", max_length=300, blank=True)
    handling_marking = models.CharField(max_length=300, blank=True)
    review_date = models.DateField(null=True, blank=True, help_text="For a deferral: when it will be looked at again.")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="defer") | Q(review_date__isnull=False), name="deferral_has_review_date"
            )
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} on {self.request.reference}"

    @property
    def shares(self) -> bool:
        return self.outcome in self.SHARES


def document_storage():
    # A callable, so the storage is read from settings when used: local files by default, S3 by configuration.
    return storages["documents"]


class Document(models.Model):
    """A document on a case, a process or a request. Its versions are kept; a new upload never replaces one."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    process = models.ForeignKey(Process, null=True, blank=True, on_delete=models.PROTECT, related_name="documents")
    request = models.ForeignKey(
        SharingRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    title = models.CharField(max_length=200)
    classification = models.CharField(
        max_length=20, choices=Classification.choices, default=Classification.OFFICIAL_SENSITIVE
    )
    descriptor = models.CharField(max_length=60, blank=True, help_text="e.g. PERSONAL")
    handling_instructions = models.CharField(max_length=300, blank=True)
    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name="held by")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title

    @property
    def marking(self) -> str:
        head = f"{self.classification} {self.descriptor}".strip()
        return " · ".join(part for part in (head, self.handling_instructions) if part)


def _version_path(version: "DocumentVersion", filename: str) -> str:
    # The name on disk says nothing about the content: the original name is kept in the database only.
    return f"documents/{version.document.case_id}/{version.sha256[:2]}/{version.sha256}-{version.document_id}-{version.number}"  # noqa: E501


class DocumentVersion(models.Model):
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=_version_path, storage=document_storage, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, help_text="As detected from the content.")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["document", "-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="one_version_number")]

    def __str__(self):
        return f"{self.document.title} v{self.number}"


class Disclosure(models.Model):
    """What was actually sent, when, how, by whom and to whom: the disclosure log the police and CPS rely on."""

    class Method(models.TextChoices):
        PORTAL = "portal", "Through Parallel"
        SECURE_EMAIL = "secure_email", "Secure e-mail"
        SECURE_TRANSFER = "secure_transfer", "Secure file transfer"
        BY_HAND = "by_hand", "By hand"
        POST = "post", "Recorded post"
        OTHER = "other", "Other"

    request = models.ForeignKey(SharingRequest, on_delete=models.PROTECT, related_name="disclosures")
    decision = models.ForeignKey(SharingDecision, on_delete=models.PROTECT, related_name="disclosures")
    disclosed_on = models.DateField()
    method = models.CharField(max_length=20, choices=Method.choices)
    description = models.TextField("what was sent", blank=True, max_length=NARRATIVE_LENGTH)
    versions = models.ManyToManyField(DocumentVersion, blank=True, related_name="disclosures")
    disclosed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recipient_name = models.CharField("sent to", max_length=200)
    recorded_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["disclosed_on", "id"]

    def __str__(self):
        return f"Disclosure on {self.request.reference}, {self.disclosed_on}"


class StatusChange(models.Model):
    """The request's history: every move, who made it and why."""

    request = models.ForeignKey(SharingRequest, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, choices=SharingRequest.Status.choices)
    note = models.TextField(blank=True, max_length=NOTE_LENGTH)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"{self.request.reference}: {self.from_status or '-'} → {self.to_status}"


# Grants beyond the two parties and the partnership managers, through the same need-to-know layer.
class SharingRequestUserObjectPermission(UserObjectPermissionBase, Grant):  # noqa: DJ008 - guardian's base defines __str__
    content_object = models.ForeignKey(SharingRequest, on_delete=models.CASCADE)


class SharingRequestGroupObjectPermission(GroupObjectPermissionBase, Grant):  # noqa: DJ008 - guardian's base defines __str__
    content_object = models.ForeignKey(SharingRequest, on_delete=models.CASCADE)


class DocumentUserObjectPermission(UserObjectPermissionBase, Grant):  # noqa: DJ008 - guardian's base defines __str__
    content_object = models.ForeignKey(Document, on_delete=models.CASCADE)


class DocumentGroupObjectPermission(GroupObjectPermissionBase, Grant):  # noqa: DJ008 - guardian's base defines __str__
    content_object = models.ForeignKey(Document, on_delete=models.CASCADE)
