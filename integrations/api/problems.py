"""Errors as application/problem+json (RFC 9457): `type`, `title`, `status`, `detail`, and for a refused input
`errors`, one list of messages per field (`non_field_errors` for what concerns no one field).

Services raise Django's ValidationError and PermissionDenied; they are answered here like DRF's own. A
PermissionDenied reaches a caller only about an object they may see: every view finds its object among those
the access layer shows the caller first, so anything else has already answered 404.
"""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

# The document's media type and type names, and its shape, are the core's (coordination/problems.py), which answers
# the errors met before any API view runs in the same way.
from coordination.problems import CONTENT_TYPE
from coordination.problems import body as _body

NON_FIELD = "non_field_errors"

# The problem types a caller may act on, by the exception's default code.
TYPES = {
    "invalid": "validation",
    "parse_error": "malformed-request",
    "not_authenticated": "not-authenticated",
    "authentication_failed": "not-authenticated",
    "permission_denied": "forbidden",
    "not_found": "not-found",
    "method_not_allowed": "method-not-allowed",
    "not_acceptable": "not-acceptable",
    "unsupported_media_type": "unsupported-media-type",
    "throttled": "throttled",
}


class Problem(exceptions.APIException):
    """An error with a problem type of its own, e.g. a stale If-Match."""

    def __init__(self, *, status_code: int, problem_type: str, title: str, detail: str, headers=None):
        self.status_code = status_code
        self.problem_type = problem_type
        self.title = title
        self.headers = headers or {}
        super().__init__(detail=detail, code=problem_type)


def _field_errors(detail, name: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail, flattened to {"field": [messages]} ("field.sub", "field.0" when nested)."""
    if isinstance(detail, dict):
        errors = {}
        for field, value in detail.items():
            field = NON_FIELD if field in (NON_FIELD_ERRORS, NON_FIELD) else str(field)
            errors.update(_field_errors(value, f"{name}.{field}" if name else field))
        return errors
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        errors = {}
        for index, item in enumerate(detail):
            if item:  # DRF puts an empty dict for a list item that was fine
                errors.update(_field_errors(item, f"{name}.{index}" if name else str(index)))
        return errors
    messages = detail if isinstance(detail, list) else [detail]
    return {name or NON_FIELD: [str(message) for message in messages]}


def from_django(exc):
    """DRF's equivalent of a Django exception a service raised, or the exception itself."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                (NON_FIELD if field == NON_FIELD_ERRORS else field): messages
                for field, messages in exc.message_dict.items()
            }
        else:
            detail = {NON_FIELD: exc.messages}
        return exceptions.ValidationError(detail)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, RequestDataTooBig):
        return too_large()
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return exceptions.ParseError("The form holds too many fields or files: send one document with its details.")
    return exc


def too_large() -> Problem:
    """413: Django refused to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE (or the upload parser a larger one)."""
    json_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
    upload_limit = settings.DOCUMENT_MAX_BYTES // (1024 * 1024)
    return Problem(
        status_code=413, problem_type="too-large", title="Content Too Large",
        detail=f"The body is larger than the API takes: {json_limit:,} KiB of JSON, or a document of up to "
        f"{upload_limit:,} MiB with its details. Free text has a limit per field: see maxLength in the schema.",
    )  # fmt: skip


def problem(*, status_code: int, problem_type: str, title: str, detail: str, errors=None, headers=None) -> Response:
    body = _body(status_code=status_code, problem_type=problem_type, title=title, detail=detail, errors=errors)
    return Response(body, status=status_code, headers=headers, content_type=CONTENT_TYPE)


def _title(status_code: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(status_code).phrase


def exception_handler(exc, context):
    exc = from_django(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not ours to answer: a server error, logged and answered by Django
    headers = {name: value for name, value in response.items() if name.lower() in ("retry-after", "www-authenticate")}
    if isinstance(exc, Problem):
        return problem(status_code=exc.status_code, problem_type=exc.problem_type, title=exc.title,
                       detail=str(exc.detail), headers={**headers, **exc.headers})  # fmt: skip
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        non_field = errors.get(NON_FIELD, [])
        detail = " ".join(non_field) if non_field else "Check the fields named in `errors`."
        return problem(status_code=status.HTTP_400_BAD_REQUEST, problem_type="validation",
                       title="The request was refused", detail=detail, errors=errors, headers=headers)  # fmt: skip
    code = getattr(exc, "default_code", "error")
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    if isinstance(detail, list | dict):
        detail = " ".join(sum(_field_errors(detail).values(), []))
    return problem(status_code=response.status_code, problem_type=TYPES.get(code, code.replace("_", "-")),
                   title=_title(response.status_code), detail=str(detail), headers=headers)  # fmt: skip
