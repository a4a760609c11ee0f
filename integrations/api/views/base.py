"""What every API view shares: lists with `updated_since` and cursor pages, reads with an ETag, and changes to one
object that are checked against If-Match under the object's row lock, in one transaction with the service."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, generics, mixins, status
from rest_framework.response import Response

from coordination.access import memberships_of

from .. import conditional
from ..idempotency import IdempotentPostMixin
from ..serializers.common import MAX_ID

UPDATED_SINCE = OpenApiParameter(
    "updated_since", OpenApiTypes.DATETIME, required=False,
    description="Only what changed at or after this moment (ISO 8601, e.g. 2026-03-01T09:00:00Z; without an offset, "
    "UK time). For synchronising: keep the latest `updated_at` you have seen and pass it next time.",
)  # fmt: skip
BAD_MOMENT = "Give a date and time in ISO 8601 with its offset, e.g. 2026-03-01T09:00:00Z."
ID = {"type": "integer", "minimum": 0, "maximum": MAX_ID}  # an id in a query string, as whole_number reads it


def query_parameter(name: str, description: str, kind=OpenApiTypes.STR, enum=None) -> OpenApiParameter:
    return OpenApiParameter(name, kind, required=False, description=description, enum=enum)


def parse_moment(value: str, field: str) -> dt.datetime:
    try:
        moment = parse_datetime(value.strip())
        if moment is None:
            raise ValueError(value)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment.astimezone(dt.UTC)  # a moment near year 1 or 9999 may not survive: say so, not 500
    except (ValueError, OverflowError):
        raise exceptions.ValidationError({field: [BAD_MOMENT]}) from None


def flag(request, name: str) -> bool | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise exceptions.ValidationError({name: ["Give true or false."]})


def whole_number(request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 18:  # "²" is a digit to isdigit(), not to int()
        raise exceptions.ValidationError({name: ["Give an id: a whole number."]})
    return int(value)


class ApiView(IdempotentPostMixin, generics.GenericAPIView):
    """Base of every API view. `creates`: a POST makes a new object (201); `requires_if_match`: a POST or PATCH
    changes this object, so it needs If-Match; `etag_on_read`: a GET of one object answers with an ETag."""

    creates = False
    requires_if_match = False
    etag_on_read = False
    query_parameters: list = []

    def organisation_ids(self) -> set[int]:
        if not hasattr(self, "_organisation_ids"):
            self._organisation_ids = set(memberships_of(self.request.user).values_list("organisation_id", flat=True))
        return self._organisation_ids

    def input_serializer(self, data, *, shown=None, **kwargs):
        """The input serializer for `data`, told which fields the API shows for this object (`shown`: its
        serializer, else the view's), so one of those sent back is refused as read-only, not as unknown."""
        shown = shown if shown is not None else self.get_serializer()
        context = {**self.get_serializer_context(), "shown_fields": frozenset(shown.fields)}
        return self.input_serializer_class(data=data, context=context, **kwargs)

    def represent(self, instance, *, status_code=status.HTTP_200_OK, headers=None) -> Response:
        data = self.get_serializer(instance).data
        return Response(data, status=status_code, headers={"ETag": conditional.etag_of(data), **(headers or {})})


class ListView(mixins.ListModelMixin, ApiView):
    """GET: the rows the caller may see, oldest change first, a page at a time (follow `next`). (ListModelMixin
    only tells the schema generator this is a list.)"""

    cursor_field = "updated_at"
    updated_since = False

    def filter_list(self, queryset):
        return queryset

    def get(self, request, *args, **kwargs):
        queryset = self.filter_list(self.get_queryset())
        since = request.query_params.get("updated_since")
        if self.updated_since and since is not None:
            queryset = queryset.filter(**{f"{self.cursor_field}__gte": parse_moment(since, "updated_since")})
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class DetailView(ApiView):
    """GET one object, with its ETag (304 to an If-None-Match that still matches)."""

    etag_on_read = True

    def get(self, request, *args, **kwargs):
        data = self.get_serializer(self.get_object()).data
        tag = conditional.etag_of(data)
        if conditional.not_modified(request, tag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": tag})
        return Response(data, headers={"ETag": tag})


class ChangeView(ApiView):
    """POST (or PATCH) a change to one object: found among those the caller may see (else 404), checked against
    If-Match under its row lock (428, 412), the input validated (400), then one service call in the same
    transaction. Answers with the object as it now is, and its new ETag."""

    requires_if_match = True
    input_serializer_class = None
    input_partial = False
    answer_status = status.HTTP_200_OK

    def locked_object(self):
        queryset = self.get_queryset().select_for_update(of=("self",))
        lookup = self.lookup_url_kwarg or self.lookup_field
        return generics.get_object_or_404(queryset, **{self.lookup_field: self.kwargs[lookup]})

    def may_change(self, instance) -> None:
        """Raise PermissionDenied (403: the object is visible) when the caller may not make this change at all."""

    def perform(self, instance, data: dict) -> None:
        raise NotImplementedError

    def change(self, request):
        with transaction.atomic():
            instance = self.locked_object()  # 404 first: whether an object exists says nothing of its body
            self.may_change(instance)
            request.data  # noqa: B018 - a body that is not even JSON is a 400, not a misleading "changed since" 412
            shown = self.get_serializer(instance)
            conditional.require_match(request, conditional.etag_of(shown.data))
            serializer = self.input_serializer(request.data, shown=shown, partial=self.input_partial)
            serializer.is_valid(raise_exception=True)
            self.perform(instance, serializer.validated_data)
        return self.represent(self.get_object(), status_code=self.answer_status)
