"""The OpenAPI schema's conventions, applied to every operation in one place: the headers (Idempotency-Key,
If-Match, If-None-Match), the ETag on answers, the problem documents each operation may answer with, and request
bodies that say they take no field beyond those listed (serializers.common.InputSerializer refuses the rest).
The schema is committed as docs/openapi.yaml; tests/test_api_schema.py fails when it drifts from the code."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from .problems import CONTENT_TYPE
from .serializers.common import InputSerializer, ProblemSerializer

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Any unique string, e.g. a UUID. A retry with the same key and body gets the first answer "
    "(with `Idempotent-Replayed: true`) instead of making the change twice; the same key with another body: 422.",
)  # fmt: skip
IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description="The ETag you last read of this object. 412 if it has changed since; 428 if missing or `*`.",
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

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # An object named by a slug (a partnership by its code) takes no more than its model field holds.
        if direction == "request" and isinstance(field, serializers.SlugRelatedField) and field.queryset is not None:
            max_length = getattr(field.queryset.model._meta.get_field(field.slug_field), "max_length", None)
            if max_length and schema.get("type") == "string":
                schema["maxLength"] = max_length
        return schema

    def _postprocess_serializer_schema(self, schema, serializer, direction):
        schema = super()._postprocess_serializer_schema(schema, serializer, direction)
        if direction == "request" and isinstance(serializer, InputSerializer):
            schema["additionalProperties"] = False
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
