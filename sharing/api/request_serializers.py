"""Information-sharing requests: what was asked, on what basis, the decisions, what was disclosed and the
history; and what drafting, deciding and disclosing accept. The rules are sharing/services.py's."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coordination.models import Case, Organisation
from integrations.api.serializers.common import (
    InputModelSerializer,
    InputSerializer,
    OrganisationRefSerializer,
    PersonField,
    id_field,
    link,
    text_field,
)

from .. import deadlines, selectors
from ..models import (
    DataSubject,
    Disclosure,
    Gateway,
    SensitivityFlag,
    SharingDecision,
    SharingRequest,
    StatusChange,
)
from ..services import REQUEST_FIELDS

# What a system may write on a draft; the single point of contact is chosen in the browser.
WRITABLE_FIELDS = tuple(name for name in REQUEST_FIELDS if name != "addressee")
ACTIONS = ("edit", "submit", "acknowledge", "consider", "decide", "disclose", "close", "withdraw")


class DecisionSerializer(serializers.ModelSerializer):
    decided_by = PersonField()

    class Meta:
        model = SharingDecision
        fields = ["outcome", "ground", "reasons", "decided_by", "decision_maker_role", "approver_name",
                  "approver_role", "legal_advice_sought", "conditions", "retain_until", "retention_note",
                  "handling_marking", "review_date", "decided_at"]  # fmt: skip
        read_only_fields = fields


class DisclosedVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    document = serializers.IntegerField(source="document_id")
    number = serializers.IntegerField()
    sha256 = serializers.CharField()


class DisclosureSerializer(serializers.ModelSerializer):
    disclosed_by = PersonField()
    acknowledged_by = PersonField()
    versions = DisclosedVersionSerializer(many=True, read_only=True)

    class Meta:
        model = Disclosure
        fields = ["id", "disclosed_on", "method", "description", "disclosed_by", "recipient_name", "recorded_at",
                  "acknowledged_at", "acknowledged_by", "versions"]  # fmt: skip
        read_only_fields = fields


class StatusChangeSerializer(serializers.ModelSerializer):
    changed_by = PersonField()

    class Meta:
        model = StatusChange
        fields = ["from_status", "to_status", "note", "changed_by", "changed_at"]
        read_only_fields = fields


class SharingRequestSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    case = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    requesting_organisation = OrganisationRefSerializer(read_only=True)
    providing_organisation = OrganisationRefSerializer(read_only=True)
    requested_by = PersonField()
    addressee = PersonField(help_text="The single point of contact at the providing organisation.")
    gateways = serializers.SerializerMethodField()
    processes = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    data_subjects = serializers.ListField(child=serializers.ChoiceField(choices=DataSubject.choices), read_only=True)
    sensitivity_flags = serializers.ListField(
        child=serializers.ChoiceField(choices=SensitivityFlag.choices), read_only=True
    )
    response_due = serializers.SerializerMethodField(help_text="When the provider should answer by, once submitted.")
    actions = serializers.SerializerMethodField(help_text="What your organisation may do to it now.")

    class Meta:
        model = SharingRequest
        fields = ["reference", "url", "case", "status", "version", "requesting_organisation", "requested_by",
                  "providing_organisation", "addressee", "processes", "gateways", *WRITABLE_FIELDS,
                  "created_at", "submitted_at", "updated_at", "withdrawn_reason",
                  "response_due", "actions"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, request) -> str:
        return link(self, "api-sharing-request-detail", request.reference)

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=Gateway.choices)))
    def get_gateways(self, request):
        return [row.gateway for row in request.gateways.all()]

    @extend_schema_field({"type": "string", "format": "date", "nullable": True})
    def get_response_due(self, request):
        if not hasattr(request, "response_due_date"):  # an object just changed, not read through the list
            request.response_due_date = (
                deadlines.milestones_of(request).order_by("-due_date").values_list("due_date", flat=True).first()
            )
        return request.response_due_date.isoformat() if request.response_due_date else None

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=[(a, a) for a in ACTIONS])))
    def get_actions(self, request):
        side = selectors.side_of(None, request, organisation_ids=self.context["organisation_ids"])
        return [action for action in ACTIONS if getattr(side, action)]


class SharingRequestDetailSerializer(SharingRequestSerializer):
    decisions = DecisionSerializer(many=True, read_only=True)
    disclosures = DisclosureSerializer(many=True, read_only=True)
    history = StatusChangeSerializer(source="status_changes", many=True, read_only=True)

    class Meta(SharingRequestSerializer.Meta):
        fields = [*SharingRequestSerializer.Meta.fields, "decisions", "disclosures", "history"]
        read_only_fields = fields


# --- Writing -------------------------------------------------------------------------------------------


class _DraftFields(InputModelSerializer):
    providing_organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), pk_field=id_field()
    )
    processes = serializers.ListField(
        child=id_field(), required=False, help_text="Ids of the processes on the case it serves."
    )
    gateways = serializers.ListField(child=serializers.ChoiceField(choices=Gateway.choices), required=False)
    data_subjects = serializers.ListField(child=serializers.ChoiceField(choices=DataSubject.choices), required=False)
    sensitivity_flags = serializers.ListField(
        child=serializers.ChoiceField(choices=SensitivityFlag.choices), required=False
    )

    class Meta:
        model = SharingRequest
        fields = ["providing_organisation", "processes", "gateways", *WRITABLE_FIELDS]
        extra_kwargs = {
            "date_range_to": {"help_text": "Not before `date_range_from`."},
            "requested_by_date": {
                "help_text": "Not in the past. Leave it out to take the date from the partnership's rule."
            },
        }


class SharingRequestCreateSerializer(_DraftFields):
    """A new request: a draft, or (with `submit`) submitted at once, when nothing it needs is missing."""

    case = text_field(Case, "reference", help_text="The reference of the case it is about.")
    requesting_organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        pk_field=id_field(),
        required=False,
        help_text="Yours; needed only if you belong to several.",
    )
    submit = serializers.BooleanField(
        default=False, help_text="Submit it now; refused, and nothing kept, if anything it needs is missing."
    )

    class Meta(_DraftFields.Meta):
        fields = ["case", "requesting_organisation", "submit", *_DraftFields.Meta.fields]


class SharingRequestUpdateSerializer(_DraftFields):
    """A change to a draft: only the fields sent change."""


class NothingSerializer(InputSerializer):
    """This step takes nothing but the If-Match header."""


class NoteSerializer(InputSerializer):
    note = text_field(StatusChange, "note", required=False, allow_blank=True, default="")


class WithdrawSerializer(InputSerializer):
    reason = text_field(SharingRequest, "withdrawn_reason")


class DecideSerializer(InputSerializer):
    outcome = serializers.ChoiceField(choices=SharingDecision.Outcome.choices)
    ground = serializers.ChoiceField(choices=SharingDecision.Ground.choices, required=False, allow_blank=True,
                                     default="", help_text="Needed for anything but sharing in full.")  # fmt: skip
    reasons = text_field(SharingDecision, "reasons", required=False, allow_blank=True, default="",
                         help_text="Needed, with `ground`, for anything but sharing in full.")  # fmt: skip
    decision_maker_role = text_field(SharingDecision, "decision_maker_role", required=False, allow_blank=True,
                                     default="")  # fmt: skip
    approver_name = text_field(SharingDecision, "approver_name", required=False, allow_blank=True, default="")
    approver_role = text_field(SharingDecision, "approver_role", required=False, allow_blank=True, default="")
    legal_advice_sought = serializers.BooleanField(required=False, default=False)
    conditions = text_field(SharingDecision, "conditions", required=False, allow_blank=True, default="",
                            help_text="Needed to share a request that carries sensitivity flags.")  # fmt: skip
    retain_until = serializers.DateField(required=False, allow_null=True, default=None, help_text="In the future.")
    retention_note = text_field(SharingDecision, "retention_note", required=False, allow_blank=True, default="")
    handling_marking = text_field(SharingDecision, "handling_marking", required=False, allow_blank=True, default="")
    review_date = serializers.DateField(required=False, allow_null=True, default=None,
                                        help_text="Needed to defer: in the future.")  # fmt: skip


class DiscloseSerializer(InputSerializer):
    disclosed_on = serializers.DateField(
        required=False, help_text="The date it was sent (default today): not in the future, not before the decision."
    )
    method = serializers.ChoiceField(choices=Disclosure.Method.choices)
    recipient_name = text_field(Disclosure, "recipient_name")
    description = text_field(Disclosure, "description", required=False, allow_blank=True, default="",
                             help_text="Needed when no `versions` are given: what was sent.")  # fmt: skip
    versions = serializers.ListField(
        child=id_field(), required=False, default=list,
        help_text="Ids of the document versions sent (your organisation's documents on this request).",
    )  # fmt: skip

    def validate(self, data):
        data.setdefault("disclosed_on", timezone.localdate())
        return data
