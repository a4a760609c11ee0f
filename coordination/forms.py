"""Browser forms. They only shape input; the rules live in services."""

from collections.abc import Callable

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.utils import timezone

from . import kinds
from .models import (
    Case,
    Membership,
    Milestone,
    MilestoneAdjustment,
    Organisation,
    Partnership,
    Pause,
    Process,
    Relationship,
    StageChange,
    TimescaleRule,
)
from .models.limits import length_of


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(label: str, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput(), help_text=help_text)


def text_box(model, name: str, *, rows: int, **kwargs) -> forms.CharField:
    """A box for free text up to its model field's limit (coordination/models/limits.py, the API's too). Checked
    here, which says by how much it is over and shows the text again, and not by a maxlength attribute, with which
    a browser silently cuts pasted text short."""
    field = forms.CharField(max_length=length_of(model, name), widget=forms.Textarea(attrs={"rows": rows}), **kwargs)
    field.widget.attrs.pop("maxlength", None)
    return field


# The user behind an API key is no person: never offered as a lead, a grantee or a point of contact.
KEY_USER = Membership.Role.CASE_SYSTEM


def _user_label(user) -> str:
    return user.get_full_name() or user.username


class CaseOpenForm(forms.Form):
    partnership = forms.ModelChoiceField(queryset=Partnership.objects.none(), label="Lead partnership")
    pseudonym = forms.CharField(max_length=60, help_text="How the child is referred to, e.g. “Child Q”.")
    incident_type = forms.ChoiceField(choices=Case.IncidentType.choices, widget=forms.RadioSelect)
    incident_date = date_field("Date of the incident")
    la_aware_date = date_field("Date the local authority became aware")
    summary = text_box(
        Case, "summary", rows=5, required=False,
        help_text="What happened, in a few lines. Do not include the child's name, date of birth or address.",
    )  # fmt: skip

    def __init__(self, *args, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = partnerships
        only = list(partnerships[:2])
        if len(only) == 1:
            self.fields["partnership"].initial = only[0]


class CaseCloseForm(forms.Form):
    note = forms.CharField(label="Why is the case closing?", widget=forms.Textarea(attrs={"rows": 3}))


class ProcessKindForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of process", widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.key, k.label) for k in kinds.all_kinds()]


class ProcessAddForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=Organisation.objects.none(), label="Owning organisation")
    lead = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label="Lead person",
        help_text="Must be a member of the owning organisation.",
    )
    opened_on = date_field("Date opened")
    note = text_box(StageChange, "note", rows=2, required=False, label="Note for the history")

    def __init__(self, *args, kind: kinds.ProcessKind, **kwargs):
        super().__init__(*args, **kwargs)
        # Organisations that usually own this kind come first.
        owners = list(Organisation.objects.all())
        owners.sort(key=lambda org: (org.kind not in kind.owner_kinds, org.name))
        self.fields["owner"].queryset = Organisation.objects.all()
        self.fields["owner"].choices = [("", "Choose an organisation")] + [(o.pk, o.name) for o in owners]
        self.fields["opened_on"].initial = timezone.localdate
        leads = get_user_model().objects.filter(memberships__isnull=False).exclude(memberships__role=KEY_USER)
        leads = leads.distinct().order_by("first_name")
        self.fields["lead"].queryset = leads
        self.fields["lead"].label_from_instance = _user_label


def details_form_class(kind: kinds.ProcessKind):
    model = kind.details_model_class()
    if model is None:
        return None
    fields = [f.name for f in model._meta.fields if f.name != "process"]
    widgets = {f.name: DateInput() for f in model._meta.fields if f.get_internal_type() == "DateField"}
    return modelform_factory(model, fields=fields, widgets=widgets)


class ProcessMoveForm(forms.Form):
    to_stage = forms.ChoiceField(label="Move to")
    effective_on = date_field("Date it happened", help_text="Today, unless you are recording it late.")
    expected_stage = forms.CharField(widget=forms.HiddenInput)
    note = text_box(StageChange, "note", rows=2, required=False, label="Why, or what happened (kept in the history)")

    def __init__(self, *args, process: Process, **kwargs):
        super().__init__(*args, **kwargs)
        kind = process.kind_def
        allowed = [(s.key, s.label) for s in kind.next_stages(process.stage)]
        allowed_keys = {key for key, _ in allowed}
        others = [(s.key, s.label) for s in kind.stages if s.key not in allowed_keys and s.key != process.stage]
        # Every stage is offered so that a move the kind does not allow gets its reason, not a bare refusal.
        self.fields["to_stage"].choices = [
            ("Next stages", allowed),
            ("Other stages (not allowed from here)", others),
        ]
        # Any stage of the kind is accepted here and the service decides, so that a page gone stale gets
        # "someone moved it meanwhile" rather than a bare "not a valid choice".
        self.fields["to_stage"].valid_value = kind.has_stage
        self.fields["expected_stage"].initial = process.stage
        self.fields["effective_on"].initial = timezone.localdate


class ProcessPauseForm(forms.Form):
    reason = forms.ChoiceField(choices=Pause.Reason.choices)
    explanation = text_box(Pause, "explanation", rows=3, label="Explanation")
    caused_by = forms.ModelChoiceField(
        queryset=Process.objects.none(), required=False, label="Waiting on which process (optional)"
    )
    paused_on = date_field("Paused from")
    expected_resume_on = date_field("Expected resume date", required=False)

    def __init__(self, *args, process: Process, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paused_on"].initial = timezone.localdate
        self.fields["caused_by"].queryset = process.case.processes.exclude(pk=process.pk)
        self.fields["caused_by"].label_from_instance = lambda p: f"{p.kind_label} ({p.stage_label})"


class ProcessResumeForm(forms.Form):
    resumed_on = date_field("Resumed on", help_text="Today, unless you are recording it late.")
    note = text_box(Pause, "resume_note", rows=2, required=False, label="Note for the history")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resumed_on"].initial = timezone.localdate


class RelationshipForm(forms.Form):
    kind = forms.ChoiceField(
        label="How they relate", choices=Relationship.Kind.choices, widget=forms.RadioSelect, initial="waits_for"
    )
    from_process = forms.ModelChoiceField(queryset=Process.objects.none(), label="This process")
    from_activity = forms.CharField(
        required=False, max_length=120, label="What part of it", help_text="For example: publication."
    )
    to_process = forms.ModelChoiceField(queryset=Process.objects.none(), label="The other process")
    awaited_stage = forms.ChoiceField(required=False, label="Waits for the other process to reach")
    awaited_event = forms.CharField(
        required=False, max_length=200, label="Or waits for this event", help_text="For example: sentencing."
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    agreed_by = forms.CharField(required=False, max_length=200, help_text="Who agreed it, e.g. SIO and chair.")
    agreed_on = date_field("Date agreed", required=False)
    review_on = date_field("Date to review it", required=False)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        processes = case.processes.all()
        for name in ("from_process", "to_process"):
            self.fields[name].queryset = processes
            self.fields[name].label_from_instance = lambda p: f"{p.kind_label} ({p.stage_label})"
        groups, seen = [("", "No particular stage")], set()
        for process in processes:
            if process.kind in seen:
                continue
            seen.add(process.kind)
            groups.append((process.kind_label, [(s.key, s.label) for s in process.kind_def.stages]))
        self.fields["awaited_stage"].choices = groups


class RelationshipEndForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why has it ended?")


class CaseDatesForm(forms.Form):
    incident_date = date_field("Date of the incident")
    la_aware_date = date_field("Date the local authority became aware")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why are the dates being corrected?")


class ProcessEventForm(forms.Form):
    key = forms.ChoiceField(label="What happened")
    occurred_on = date_field("Date it happened")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, process: Process, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [(event.key, event.label) for event in process.kind_def.events]
        self.fields["occurred_on"].initial = timezone.localdate


class MilestoneCompleteForm(forms.Form):
    completed_on = date_field("Date it was met")
    note = text_box(Milestone, "completion_note", rows=2, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["completed_on"].initial = timezone.localdate


class MilestoneExtendForm(forms.Form):
    new_due_date = date_field("New due date")
    reason = text_box(MilestoneAdjustment, "reason", rows=2)
    authorised_by = forms.CharField(max_length=200, help_text="Who authorised it, e.g. the misconduct chair.")
    basis = forms.CharField(
        max_length=300, label="On what basis", help_text="The power or agreement, e.g. regulation 31(3)."
    )


class MilestoneTriggerCorrectForm(forms.Form):
    trigger_date = date_field("The date its clock really started")
    reason = text_box(MilestoneAdjustment, "reason", rows=2, label="Why is the date being corrected?")

    def __init__(self, *args, milestone=None, **kwargs):
        super().__init__(*args, **kwargs)
        if milestone is not None:
            self.fields["trigger_date"].initial = milestone.trigger_date
            self.fields["trigger_date"].help_text = (
                f"Now {milestone.trigger_date:%-d %B %Y} ({milestone.rule.trigger_label}). Correcting it moves every "
                "deadline counted from it."
            )


class MilestoneWaiveForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why does this milestone not apply?")


class LocalRuleForm(forms.ModelForm):
    """A partnership's own timescale, e.g. agency chronology returns within 10 working days."""

    trigger = forms.ChoiceField(label="The clock starts when")
    completed_by_stage = forms.ChoiceField(label="It is met when the process reaches", required=False)
    source_url = forms.URLField(label="Source address", required=False, assume_scheme="https", max_length=500)

    class Meta:
        model = TimescaleRule
        fields = [
            "milestone",
            "trigger",
            "trigger_label",
            "amount",
            "unit",
            "direction",
            "count_trigger_day",
            "roll",
            "completed_by_stage",
            "force",
            "source",
            "source_url",
            "effective_from",
            "reminder_working_days",
            "escalate_after_working_days",
        ]
        labels = {"trigger_label": "Name of the trigger in explanations", "milestone": "What must happen"}
        help_texts = {
            "trigger_label": "Short, e.g. “chronology requested”.",
            "source": "Where the rule is written down.",
        }
        widgets = {"effective_from": DateInput()}

    def __init__(self, *args, kind: kinds.ProcessKind, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trigger"].choices = [("", "Choose…"), *kind.trigger_choices()]
        self.fields["completed_by_stage"].choices = [("", "Marked met by hand")] + [
            (s.key, s.label) for s in kind.stages
        ]
        self.fields["force"].choices = [
            (TimescaleRule.Force.LOCAL, TimescaleRule.Force.LOCAL.label),
            (TimescaleRule.Force.GUIDANCE, TimescaleRule.Force.GUIDANCE.label),
        ]
        self.fields["effective_from"].initial = timezone.localdate


class ClosureDayForm(forms.Form):
    date = date_field("Date")
    name = forms.CharField(max_length=100, help_text="For example: Council closure day.")


class GrantForm(forms.Form):
    scope = forms.ChoiceField(label="What to grant", widget=forms.RadioSelect, initial="case")
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.all(), required=False, label="To an organisation"
    )
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, label="Or to a named person"
    )
    process = forms.ModelChoiceField(queryset=Process.objects.none(), required=False, label="Which process")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why do they need it?")
    expires_on = date_field("Access ends after", required=False, help_text="Leave empty for no end date.")

    def __init__(self, *args, case: Case, scopes: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = list(scopes.items())
        people = get_user_model().objects.filter(memberships__isnull=False, is_active=True)
        people = people.exclude(memberships__role=KEY_USER).distinct()
        self.fields["user"].queryset = people.order_by("first_name", "last_name")
        self.fields["user"].label_from_instance = _user_label
        self.fields["process"].queryset = case.processes.all()
        self.fields["process"].label_from_instance = lambda p: p.kind_label


# Running a service from a form: errors the service raises land on the form, which keeps what was typed.
def run_service(form: forms.Form, service: Callable[[], object]):
    """Call the service; on a ValidationError put its messages on the form and return None."""
    try:
        return service()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, messages in error.error_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            form.add_error(None, error)
        return None
