"""Browser forms for information-sharing requests. They shape input and teach what each field is for; the rules
(what a submission needs, who may decide, what a refusal must say) live in sharing/services.py."""

from django import forms
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.utils import timezone

from coordination.forms import date_field, text_box
from coordination.models import Membership, Organisation, Process

from .models import (
    Article6Basis,
    Classification,
    DataSubject,
    Disclosure,
    DocumentVersion,
    Gateway,
    SensitivityFlag,
    SharingDecision,
    SharingRequest,
    SpecialCategoryCondition,
    StatusChange,
)
from .services import REQUEST_FIELDS


def _text(model, name: str, label: str, help_text: str = "", rows: int = 3) -> forms.CharField:
    return text_box(model, name, rows=rows, label=label, required=False, help_text=help_text)


def _line(label: str, help_text: str = "", max_length: int = 200) -> forms.CharField:
    return forms.CharField(label=label, required=False, help_text=help_text, max_length=max_length)


def _radios(label: str, choices, help_text: str = "", required: bool = False) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=choices, required=required, help_text=help_text, widget=forms.RadioSelect
    )


def _checkboxes(label: str, choices, help_text: str = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, help_text=help_text, widget=forms.CheckboxSelectMultiple
    )


def _person_at(user) -> str:
    organisations = ", ".join(m.organisation.display_name for m in user.memberships.all())
    return f"{user.get_full_name() or user.username} ({organisations})"


class VersionedForm(forms.Form):
    """Carries the version of the request the page was drawn from, so a change made over someone else's newer
    change is refused by the service instead of silently replacing it."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RequestForm(forms.Form):
    """The request as the requester drafts it. Every field may be left empty in a draft; submitting it is what
    checks that the purpose, the gateway and the lawful basis are there (sharing.services.submission_errors)."""

    FIELDSETS = (
        ("Parties", ("requesting_organisation", "requester_role", "providing_organisation", "addressee",
                     "processes")),
        ("What is asked for", ("items_requested", "data_subjects", "data_categories", "date_range_from",
                               "date_range_to")),
        ("Purpose and lawful basis", ("purpose_function", "purpose_question", "gateways", "gateway_other",
                                      "article6_basis", "special_category", "special_category_paragraph",
                                      "criminal_offence_data", "article10_paragraph", "necessity_proportionality")),
        ("Consent and transparency", ("consent_position", "consent_reason", "transparency_position",
                                      "transparency_reason")),
        ("Sensitivity and handling", ("sensitivity_flags", "classification", "handling_instructions")),
        ("Timing", ("urgency", "requested_by_date")),
    )  # fmt: skip
    # Marked on the form so people know before they press "Save and submit" what it will ask for.
    NEEDED_TO_SUBMIT = frozenset(
        {
            "items_requested",
            "data_subjects",
            "purpose_function",
            "purpose_question",
            "gateways",
            "article6_basis",
            "necessity_proportionality",
            "consent_position",
            "consent_reason",
            "transparency_position",
            "transparency_reason",
        }
    )

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # Parties
    requesting_organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label="Asking on behalf of", empty_label=None
    )
    requester_role = _line(
        "Your role", "As the other side should read it, e.g. IOPC lead investigator, partnership business manager.",
        max_length=100,
    )  # fmt: skip
    providing_organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.all(),
        label="Organisation asked",
        help_text="The organisation that holds the information.",
    )
    addressee = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label="Single point of contact there",
        help_text="Leave empty if you do not know: whoever acknowledges the request becomes the contact.",
    )
    processes = forms.ModelMultipleChoiceField(
        queryset=Process.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Processes it serves",
        help_text="The processes on this case the information is for.",
    )

    # What is asked for
    items_requested = _text(
        SharingRequest,
        "items_requested",
        "Specific items requested, and why each is needed",
        "Ask only for what the question needs (golden rule 6): one item a line, each with its reason.",
        rows=5,
    )
    data_subjects = _checkboxes("Whose information", DataSubject.choices)
    data_categories = _text(
        SharingRequest,
        "data_categories",
        "Categories of data",
        "e.g. social care records, contact notes, health records.",
        2,
    )
    date_range_from = date_field("Records from", required=False)
    date_range_to = date_field("Records to", required=False)

    # Purpose and lawful basis
    purpose_function = _line(
        "Function it serves", "Which of your functions, e.g. the LCSPR on this case or the IOPC investigation."
    )
    purpose_question = _text(
        SharingRequest, "purpose_question", "Question it will answer", "Be specific: the question, not the topic."
    )
    gateways = _checkboxes(
        "Statutory gateway",
        Gateway.choices,
        "The power or duty the sharing rests on. Choose every one that applies; voluntary disclosure if none does.",
    )
    gateway_other = _line("Other gateway", "Name the provision, if you chose Other.", max_length=300)
    article6_basis = _radios(
        "UK GDPR Article 6 lawful basis",
        Article6Basis.choices,
        "Public task (e) is usual for a public body; legal obligation (c) when complying with a s16H request or the "
        "duty to disclose. Consent is usually not the right basis in safeguarding: it cannot be freely given when "
        "sharing will go ahead anyway (DfE information sharing advice, 2024).",
    )
    special_category = _radios(
        "Special-category or law-enforcement data",
        SpecialCategoryCondition.choices,
        "Health, ethnicity, sex life and similar data need an Art 9 condition with a DPA 2018 Schedule 1 paragraph "
        "(usually para 18, safeguarding of children). A competent authority processing for law enforcement uses "
        "DPA 2018 Part 3 with a Schedule 8 paragraph (para 4 is safeguarding).",
    )
    special_category_paragraph = _line("Schedule 1 or Schedule 8 paragraph", "e.g. Sch 1 para 18, or Sch 8 para 4.")
    criminal_offence_data = forms.BooleanField(
        label="Includes criminal-offence data (UK GDPR Art 10)",
        required=False,
        help_text="Allegations, offences, convictions: Art 10 needs a condition from DPA 2018 Schedule 1.",
    )
    article10_paragraph = _line("Art 10: Schedule 1 paragraph", "e.g. Sch 1 para 18, read with Part 3 para 36.")
    necessity_proportionality = _text(
        SharingRequest,
        "necessity_proportionality",
        "Necessity and proportionality",
        "Why this is needed, why this much, and why nothing less intrusive will do.",
    )

    # Consent and transparency
    consent_position = _radios(
        "Consent",
        SharingRequest.ConsentPosition.choices,
        "Consent is not needed to share where a child is at risk of harm (golden rule 3). Record what you did.",
    )
    consent_reason = _text(
        SharingRequest,
        "consent_reason",
        "Reason for the consent position",
        "e.g. asking could place the child at risk or prejudice an investigation.",
        2,
    )
    transparency_position = _radios(
        "Have the people concerned been told?",
        SharingRequest.TransparencyPosition.choices,
        "Where it is practical and safe, tell the child and family what will be shared and why (golden rule 2).",
    )
    transparency_reason = _text(
        SharingRequest,
        "transparency_reason",
        "Reason for telling or not telling them",
        "If not told, say what the risk is and when it will be looked at again.",
        2,
    )

    # Sensitivity and handling
    sensitivity_flags = _checkboxes(
        "Sensitivity",
        SensitivityFlag.choices,
        "Flags ask the provider for conditions on use and onward disclosure when they share. Protect anyone who "
        "could be harmed if their details were known (golden rule 5).",
    )
    classification = _radios(
        "Classification",
        Classification.choices,
        "OFFICIAL-SENSITIVE is OFFICIAL with a need-to-know handling marking. SECRET material never enters Parallel.",
        required=True,
    )
    handling_instructions = _line(
        "Handling instructions", "e.g. Not for onward disclosure without IOPC consent.", max_length=300
    )

    # Timing
    urgency = _radios("Urgency", SharingRequest.Urgency.choices, required=True)
    requested_by_date = date_field(
        "Respond by",
        required=False,
        help_text="Leave empty to take the date from the partnership's rule; the date becomes a deadline on the clock.",
    )

    def __init__(self, *args, user, case, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.filter(memberships__user=user).distinct()
        self.fields["requesting_organisation"].queryset = organisations
        self.fields["processes"].queryset = Process.objects.filter(case=case).order_by("opened_on", "id")
        self.fields["processes"].label_from_instance = lambda process: f"{process.kind_label} ({process.stage_label})"
        people = get_user_model().objects.filter(memberships__isnull=False, is_active=True)
        people = people.exclude(memberships__role=Membership.Role.CASE_SYSTEM).distinct()  # an API key's user
        people = people.prefetch_related("memberships__organisation").order_by("first_name", "last_name", "username")
        self.fields["addressee"].queryset = people
        self.fields["addressee"].label_from_instance = _person_at
        self.fields["classification"].initial = Classification.OFFICIAL_SENSITIVE
        self.fields["urgency"].initial = SharingRequest.Urgency.ROUTINE
        self.fields["special_category"].initial = SpecialCategoryCondition.NONE
        if editing:
            # A draft stays with the organisation that started it; the version is what protects others' changes.
            del self.fields["requesting_organisation"]
            self.fields["version"].required = True
        elif len(organisations) == 1:
            # Nothing to choose: the field would only be noise.
            self.fields["requesting_organisation"].widget = forms.HiddenInput()
            self.fields["requesting_organisation"].initial = organisations[0].pk
        for name in self.NEEDED_TO_SUBMIT:
            self.fields[name].needed_to_submit = True

    @property
    def fieldsets(self):
        return [(legend, [self[name] for name in names if name in self.fields and not self[name].is_hidden])
                for legend, names in self.FIELDSETS]  # fmt: skip

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in REQUEST_FIELDS}

    @classmethod
    def data_from(cls, request: SharingRequest) -> QueryDict:
        """The saved draft as a browser would post it, so the form can be shown bound and checked for submission."""
        data = QueryDict(mutable=True)
        data["version"] = str(request.version)
        data["requesting_organisation"] = str(request.requesting_organisation_id)
        data["providing_organisation"] = str(request.providing_organisation_id)
        data.setlist("gateways", list(request.gateways.values_list("gateway", flat=True)))
        data.setlist("processes", [str(pk) for pk in request.processes.values_list("pk", flat=True)])
        for name in REQUEST_FIELDS:
            value = getattr(request, name)
            if isinstance(value, list):
                data.setlist(name, value)
            elif isinstance(value, bool):
                if value:
                    data[name] = "on"
            elif hasattr(value, "pk"):
                data[name] = str(value.pk)
            elif hasattr(value, "isoformat"):
                data[name] = value.isoformat()
            elif value is not None:
                data[name] = str(value)
        return data


class DecisionForm(VersionedForm):
    FIELDSETS = (
        ("The decision", ("outcome", "ground", "reasons", "review_date")),
        ("Who decided", ("decision_maker_role", "approver_name", "approver_role", "legal_advice_sought")),
        ("Conditions, retention and handling", ("conditions", "retain_until", "retention_note", "handling_marking")),
    )

    outcome = _radios("Decision", SharingDecision.Outcome.choices, required=True)
    ground = forms.ChoiceField(
        label="Ground",
        choices=[("", "Choose the ground")] + SharingDecision.Ground.choices,
        required=False,
        help_text="Needed for sharing in part, redacted, deferring or refusing: the harm test, prejudice to "
        "criminal proceedings, proportionality, or the statutory exception.",
    )
    reasons = _text(
        SharingDecision,
        "reasons",
        "Reasons",
        "Record why, whether or not you share (golden rule 7). Required for anything short of sharing in full.",
        rows=5,
    )
    review_date = date_field("Review on", required=False, help_text="For a deferral: e.g. after charge or verdict.")
    decision_maker_role = _line("Your role", "As it should appear on the decision record.", max_length=100)
    approver_name = _line("Approved by", "If your organisation's rules need a more senior approver.")
    approver_role = _line("Approver's role", max_length=100)
    legal_advice_sought = forms.BooleanField(
        label="DPO or legal advice sought", required=False, help_text="Get advice promptly when unsure (golden rule 4)."
    )
    conditions = _text(
        SharingDecision,
        "conditions",
        "Conditions on use and onward disclosure",
        "e.g. not to be shared with the family before an SIO/CPS check; not for publication; notify us of any FOI, "
        "subject access or court request. Required when the request carries sensitivity flags.",
    )
    retain_until = date_field("Retain until, then destroy", required=False)
    retention_note = _line("Retention and disposal", "Period, trigger and method, per your retention schedule.", 300)
    handling_marking = _line("Handling marking", "e.g. OFFICIAL-SENSITIVE · Contains s21A material", 300)

    @property
    def fieldsets(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.FIELDSETS]

    def decision(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class DisclosureForm(VersionedForm):
    disclosed_on = date_field("Sent on")
    method = _radios("How it was sent", Disclosure.Method.choices, required=True)
    recipient_name = forms.CharField(label="Sent to", max_length=200, help_text="The person, and their organisation.")
    versions = forms.ModelMultipleChoiceField(
        queryset=DocumentVersion.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Documents sent",
        help_text="Each is logged by its SHA-256, so the log proves exactly which bytes were sent.",
    )
    description = _text(
        Disclosure, "description", "What was sent", "Describe anything sent outside Parallel, or what was redacted."
    )

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["disclosed_on"].initial = timezone.localdate
        self.fields["versions"].queryset = versions
        self.fields["versions"].label_from_instance = lambda v: (
            f"{v.document.title}, v{v.number} (SHA-256 {v.sha256[:12]}…)"
        )

    def disclosure(self) -> dict:
        return dict(self.cleaned_data)


class NoteForm(VersionedForm):
    note = _text(StatusChange, "note", "Note for the history", rows=2)


class WithdrawForm(VersionedForm):
    reason = _text(SharingRequest, "withdrawn_reason", "Why is the request withdrawn?")


class SubmitForm(VersionedForm):
    pass


ACTION_FORMS = {
    "submit": SubmitForm,
    "acknowledge": NoteForm,
    "consider": NoteForm,
    "close": NoteForm,
    "withdraw": WithdrawForm,
}
