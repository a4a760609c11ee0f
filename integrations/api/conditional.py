"""Conditional requests: an ETag on every read of one object, and If-Match on every change to one.

The ETag is a strong hash of the representation itself, so no version column is needed and it changes exactly
when what the caller would see changes. A change must name the ETag it was based on: without If-Match it is
refused with 428, and with an ETag that is no longer current with 412, so nobody overwrites a change they never
saw. `If-Match: *` ("any version") is refused like a missing header: it would let a blind overwrite through; and
an If-Match that holds no ETag at all (quotes stripped, say) is a 400, not a misleading "changed since" 412.
The check runs under the object's row lock, in the same transaction as the change.
"""

import hashlib
import json
import re

from rest_framework.utils.encoders import JSONEncoder

from .problems import Problem

# An entity tag as RFC 9110 writes it, and a list of them: what If-Match must hold (published in the schema).
ETAG_PATTERN = r'(W/)?"[^",]*"'
ETAG_LIST_PATTERN = rf"^\s*{ETAG_PATTERN}(\s*,\s*{ETAG_PATTERN})*\s*$"
_ETAG = re.compile(ETAG_PATTERN)


def etag_of(data) -> str:
    payload = json.dumps(data, cls=JSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f'"{hashlib.sha256(payload.encode()).hexdigest()}"'


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def require_match(request, current: str) -> None:
    header = request.headers.get("If-Match")
    if header is None:
        raise Problem(
            status_code=428, problem_type="precondition-required", title="If-Match required",
            detail="Send the ETag you last read in an If-Match header, so a change made since is not overwritten.",
        )  # fmt: skip
    tags = _tags(header)
    if "*" in tags:
        raise Problem(
            status_code=428, problem_type="precondition-required", title="If-Match needs an ETag",
            detail="If-Match: * matches any version, so it would not stop you overwriting a change made since you "
            "read this. Send the ETag you last read instead.",
        )  # fmt: skip
    if not tags or not all(_ETAG.fullmatch(tag) for tag in tags):
        raise Problem(
            status_code=400, problem_type="malformed-request", title="If-Match is not an ETag",
            detail='If-Match must hold the ETag exactly as you read it, quotes included (e.g. "3f2a…"). Read the '
            "object again for its ETag.",
        )  # fmt: skip
    if current in tags:
        return
    raise Problem(
        status_code=412, problem_type="precondition-failed", title="Changed since you read it",
        detail="Someone changed this since you read it (its ETag is no longer the one you sent). Read it again, "
        "then decide whether your change still applies.", headers={"ETag": current},
    )  # fmt: skip


def not_modified(request, current: str) -> bool:
    """If-None-Match on a read: True when the caller already holds the current representation."""
    header = request.headers.get("If-None-Match")
    if header is None:
        return False
    # Weak comparison, as RFC 9110 asks for If-None-Match.
    return "*" in _tags(header) or current.removeprefix("W/") in [tag.removeprefix("W/") for tag in _tags(header)]
