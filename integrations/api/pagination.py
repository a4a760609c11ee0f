"""Cursor pagination on a stable, unique order: (updated_at, id) for what changes, (created_at, id) or id for what
does not. The cursor is the last row's pair, so a page never repeats or skips a row, however many rows change
or arrive between pages: a row changed meanwhile moves to the end and is met again there, which is what a
system synchronising with `updated_since` wants.
"""

import base64
import binascii
import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param

MAX_PAGE_SIZE = 200
BAD_CURSOR = "This cursor is not one Parallel gave out: start again without it, or follow `next` as given."


def _encode(value, pk) -> str:
    raw = json.dumps({"v": value.isoformat() if hasattr(value, "isoformat") else value, "i": pk})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, model, field: str):
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        value = model._meta.get_field(field).to_python(raw["v"])
        pk = int(raw["i"])
    except (ValueError, TypeError, KeyError, binascii.Error, DjangoValidationError, UnicodeDecodeError):
        raise exceptions.ValidationError({"cursor": [BAD_CURSOR]}) from None
    if value is None:
        raise exceptions.ValidationError({"cursor": [BAD_CURSOR]})
    return value, pk


class KeysetPagination(BasePagination):
    """`?cursor=` (from `next`) and `?page_size=` (1–200, 50 by default). A view names its order with
    `cursor_field`: a non-null field, with the primary key breaking ties."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def _page_size(self, request) -> int:
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return api_settings.PAGE_SIZE
        # isascii: "²" is a digit to isdigit() but not to int(); len: int() refuses thousands of digits.
        if not (value.isascii() and value.isdigit()) or len(value) > 3 or not 1 <= int(value) <= MAX_PAGE_SIZE:
            raise exceptions.ValidationError({"page_size": [f"Give a whole number from 1 to {MAX_PAGE_SIZE}."]})
        return int(value)

    def paginate_queryset(self, queryset, request, view=None):
        field = getattr(view, "cursor_field", "updated_at")
        size = self._page_size(request)
        ordered = queryset.order_by("pk") if field == "pk" else queryset.order_by(field, "pk")
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            if field == "pk":
                _value, pk = _decode(cursor, queryset.model, "id")
                ordered = ordered.filter(pk__gt=pk)
            else:
                value, pk = _decode(cursor, queryset.model, field)
                ordered = ordered.filter(Q(**{f"{field}__gt": value}) | Q(**{field: value, "pk__gt": pk}))
        rows = list(ordered[: size + 1])
        self.request = request
        self.next_cursor = None
        if len(rows) > size:
            rows = rows[:size]
            last = rows[-1]
            self.next_cursor = _encode(last.pk if field == "pk" else getattr(last, field), last.pk)
        return rows

    def get_next_link(self) -> str | None:
        if self.next_cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page; null on the last one.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "Where the page starts: copy it from `next` (empty: the first page). Only a cursor "
                "Parallel gave out is accepted; any other is refused with 400.",
                "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]*$"},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Rows per page, 1 to {MAX_PAGE_SIZE} (50 by default).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
