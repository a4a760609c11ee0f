"""The OpenAPI schema's conventions, applied to every operation in one place: the headers (Idempotency-Key,
If-Match, If-None-Match), the ETag on answers, the problem documents each operation may answer with, and request
bodies that say they take no field beyond those listed (serializers.common.InputSerializer refuses the rest).
It says what the API refuses, so a client generated from it sends what the API accepts: text without the
characters coordination/characters.py refuses (a required text not only spaces), addresses without control
characters, the ETag form of If-Match, and a response's choice that may be blank as blank-able.
The schema is committed as docs/openapi.yaml; tests/test_api_schema.py fails when it drifts from the code."""

import copy

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from coordination.characters import ADDRESS_PATTERN, NON_BLANK_TEXT_PATTERN, TEXT_PATTERN

from .conditional import ETAG_LIST_PATTERN
from .idempotency import MAX_KEY_LENGTH
from .problems import CONTENT_TYPE
from .serializers.common import InputSerializer, ProblemSerializer

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": r"\S"},
    OpenApiParameter.HEADER, required=False,
    description="Any unique string, e.g. a UUID. A retry with the same key and body gets the first answer "
    "(with `Idempotent-Replayed: true`) instead of making the change twice; the same key with another body: 422.",
)  # fmt: skip
IF_MATCH = OpenApiParameter(
    "If-Match", {"type": "string", "pattern": ETAG_LIST_PATTERN}, OpenApiParameter.HEADER, required=True,
    description="The ETag you last read of this object, quotes included. 412 if it has changed since; 428 if "
    "missing or `*`; 400 if it is not an ETag.",
)  # fmt: skip
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="An ETag you hold: 304 with no body while it is still current.",
)  # fmt: skip
ETAG_HEADER = {"ETag": {"schema": {"type": "string"}, "description": "Send it back in If-Match to change this."}}

ALWAYS = {
    "400": "The request was refused: see `errors` for each field.",
    "401": "No valid API key or signed-in session.",
    "403": "Not allowed: a read-only key writing, or a step your organisation may not take.",
    "404": "No such object, or not one you may see.",
    "429": "Too many requests for this key: wait for Retry-After seconds.",
}
CONDITIONAL = {
    "412": "The object changed since you read it: read it again.",
    "428": "If-Match is missing, or is `*` (which would match any version): send the ETag you read.",
}
WITH_BODY = {
    "413": "The body is too large: the JSON limit, or for an upload the document limit with its details.",
}
IDEMPOTENT = {
    "409": "A request with this Idempotency-Key is still running.",
    "422": "This Idempotency-Key was used for a different request.",
}


class ParallelAutoSchema(AutoSchema):
    def _changes(self) -> bool:
        return getattr(self.view, "requires_if_match", False) and self.method in ("POST", "PATCH")

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "GET":
            parameters += getattr(self.view, "query_parameters", [])
            if getattr(self.view, "etag_on_read", False):
                parameters.append(IF_NONE_MATCH)
        if self._changes():
            parameters.append(IF_MATCH)
        if self.method == "POST":
            parameters.append(IDEMPOTENCY_KEY)
        return parameters

    def get_request_serializer(self):
        input_class = getattr(self.view, "input_serializer_class", None)
        if input_class is not None and self.method in ("POST", "PATCH"):
            return input_class
        return super().get_request_serializer()

    def get_description(self):
        # A list view's docstring is about the list; its POST says what it makes.
        if self.method == "POST" and getattr(self.view, "create_description", ""):
            return self.view.create_description
        return super().get_description()

    def get_operation_id(self):
        # An action is named for what it does: processes_move, not processes_move_create.
        operation_id = super().get_operation_id()
        if self.method == "POST" and self._changes():
            return operation_id.removesuffix("_create")
        return operation_id

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        for parameter in (operation or {}).get("parameters", []):
            schema = parameter.get("schema", {})
            if parameter["in"] in ("path", "query") and _free_text(schema) and "pattern" not in schema:
                schema["pattern"] = ADDRESS_PATTERN  # the middleware refuses control characters in an address
        return operation

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if direction == "response" and _blank_in_model(field):
            field = copy.copy(field)  # only for the schema: the answer shows the model's blank as it is
            field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _postprocess_serializer_schema(self, schema, serializer, direction):
        schema = super()._postprocess_serializer_schema(schema, serializer, direction)
        if direction == "request" and isinstance(serializer, InputSerializer):
            schema["additionalProperties"] = False
            if serializer.exactly_one_of:
                schema["oneOf"] = [{"required": [name]} for name in serializer.exactly_one_of]
            # Here, after drf-spectacular's own validators: a pattern there would make a blank-able field a oneOf
            # in which "" matches both branches, and so neither.
            for name, field in serializer.fields.items():
                if _free_text(schema.get("properties", {}).get(name, {})):
                    _constrain_text(schema["properties"][name], field)
        return schema

    def _is_create_operation(self):
        return self.method == "POST" and getattr(self.view, "creates", False)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        success = next((code for code in ("200", "201") if code in responses), None)
        if success and (self._changes() or self.method == "POST" or getattr(self.view, "etag_on_read", False)):
            responses[success].setdefault("headers", {}).update(ETAG_HEADER)
        problems = dict(ALWAYS)
        if self._changes():
            problems |= CONDITIONAL
        if self.method == "POST":
            problems |= IDEMPOTENT
        if self.method in ("POST", "PATCH"):
            problems |= WITH_BODY
        if self.method == "GET" and getattr(self.view, "etag_on_read", False):
            responses["304"] = {
                "description": "Not modified: the ETag you sent is still current.",
                "headers": ETAG_HEADER,
            }
        for code, description in problems.items():
            if code not in responses:
                response = self._get_response_for_code(ProblemSerializer, code, media_types=[CONTENT_TYPE])
                response["description"] = description
                responses[code] = response
        return responses


def _free_text(schema: dict) -> bool:
    return schema.get("type") == "string" and not {"enum", "format"} & set(schema)


def _constrain_text(schema: dict, field) -> None:
    if isinstance(field, serializers.SlugRelatedField) and field.queryset is not None:
        # An object named by a slug (a partnership by its code) takes no more than its model field holds.
        max_length = getattr(field.queryset.model._meta.get_field(field.slug_field), "max_length", None)
        if max_length:
            schema["maxLength"] = max_length
    if isinstance(field, serializers.CharField | serializers.SlugRelatedField):
        # DRF trims a CharField before it checks for blank, so a required one needs more than spaces.
        blank_allowed = getattr(field, "allow_blank", False) or not getattr(field, "trim_whitespace", True)
        schema["pattern"] = TEXT_PATTERN if blank_allowed else NON_BLANK_TEXT_PATTERN


def _blank_in_model(field) -> bool:
    """A read-only choice whose model field may be blank: DRF drops allow_blank from read-only fields, so the schema
    would otherwise leave "" out of the enum although answers show it (e.g. a draft's `article6_basis`)."""
    if not isinstance(field, serializers.ChoiceField) or field.allow_blank or "" in field.choices:
        return False
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or "." in (field.source or ""):
        return False
    try:
        return model._meta.get_field(field.source).blank
    except FieldDoesNotExist:
        return False
