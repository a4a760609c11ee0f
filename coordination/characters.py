"""Characters Parallel refuses wherever text arrives, so they never reach the database or a page:

- a NUL (U+0000): PostgreSQL cannot hold it in text and fails the whole query, which was a 500;
- an unpaired surrogate (U+D800 to U+DFFF): half of a UTF-16 pair, not a character, and not encodable as UTF-8;
- in an address (the path or the query string) any other control character too: no address of ours has one.

One rule, used by the API's parsers for JSON and multipart bodies (integrations/api/parsers.py) and by the
middleware below for every address. Browser forms refuse a NUL themselves (Django's ProhibitNullCharactersValidator)
and decode what they are sent with replacement characters, so no surrogate reaches them."""

import re

from django.core.exceptions import BadRequest

from .problems import problem_document

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_UNFIT_FOR_ADDRESS = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
API_PREFIX = "/api/"
# The same rules as JSON Schema patterns, for the API's published schema (integrations/api/schema.py). An unpaired
# surrogate cannot be written in UTF-8 at all, so the patterns need not name it.
TEXT_PATTERN = r"^[^\x00]*$"
NON_BLANK_TEXT_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"  # a required field: something besides spaces
ADDRESS_PATTERN = r"^[^\x00-\x1f\x7f]*$"


def _named(character: str) -> str:
    code = f"U+{ord(character):04X}"
    if character == "\x00":
        return f"a NUL character ({code})"
    if "\ud800" <= character <= "\udfff":
        return f"an unpaired surrogate ({code})"
    return f"a control character ({code})"


def refused_in_text(text: str) -> str | None:
    """What makes this text unacceptable in a body, e.g. "a NUL character (U+0000)"; None when it is fine."""
    found = _UNSTORABLE.search(text)
    return _named(found.group()) if found else None


def refused_in_address(text: str) -> str | None:
    """The same for a path, a query parameter or a file name, which must hold no control character either."""
    found = _UNFIT_FOR_ADDRESS.search(text)
    return _named(found.group()) if found else None


def address_problem(request) -> str | None:
    """Why the request's path or query string is refused, or None. Never quotes the offending text: a lone
    surrogate cannot even be written into the answer."""
    wrong = refused_in_address(request.path_info)
    if wrong:
        return f"The address holds {wrong}. Take it out of the path."
    for name, values in request.GET.lists():
        wrong = refused_in_address(name)
        if wrong:
            return f"A query parameter's name holds {wrong}."
        for value in values:
            wrong = refused_in_address(value)
            if wrong:
                return f"The query parameter `{name}` holds {wrong}."
    return None


class RefuseUnfitAddressMiddleware:
    """400 for an address holding a refused character, before any view, session or sign-in lookup can take it to
    the database: under /api/ as a problem document, elsewhere as the plain 400 page (templates/400.html)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = address_problem(request)
        if problem is None:
            return self.get_response(request)
        if request.path_info.startswith(API_PREFIX):
            return problem_document(status_code=400, problem_type="malformed-request", title="Bad Request",
                                    detail=problem)  # fmt: skip
        raise BadRequest(problem)
