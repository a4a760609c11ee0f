"""Errors as application/problem+json (RFC 9457) for answers the core gives under /api/ before, or instead of, any
API view: an address refused for its characters (coordination/characters.py) or an unexpected error
(coordination/views/errors.py). The API's own errors are built the same way (integrations/api/problems.py)."""

import json

from django.http import HttpResponse

CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:parallel:problem:"


def body(*, status_code: int, problem_type: str, title: str, detail: str, errors=None) -> dict:
    document = {"type": TYPE_PREFIX + problem_type, "title": title, "status": status_code, "detail": detail}
    if errors is not None:
        document["errors"] = errors
    return document


def problem_document(*, status_code: int, problem_type: str, title: str, detail: str) -> HttpResponse:
    """The document as a plain Django response, for an answer given before any API view runs."""
    document = body(status_code=status_code, problem_type=problem_type, title=title, detail=detail)
    return HttpResponse(json.dumps(document), status=status_code, content_type=CONTENT_TYPE)
