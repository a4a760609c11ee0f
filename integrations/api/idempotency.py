"""Idempotency-Key on POST: a retry of a request that already ran gets the first answer, not a second change.

The first request with a key inserts its IdempotencyRecord before doing anything (the unique key on user and
key is the claim, committed at once), and fills in the answer when it has one. So:
- a retry with the same method, path and body gets the stored answer, marked `Idempotent-Replayed: true`;
- the same key with a different body is refused with 422: it is a mistake, not a retry;
- a retry while the first is still running is refused with 409 rather than run beside it.
An answer that says the request did not run (409, 412, 428, 429, or a server error) is not kept, so a retry
after fixing the cause runs. A claim left by a worker that died is taken over after IN_PROGRESS_STALE, and
records older than RETENTION are forgotten (purge_expired, run by beat).
"""

import datetime as dt
import hashlib
import json

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.utils.encoders import JSONEncoder

from integrations.models import IdempotencyRecord

from .problems import Problem

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = IdempotencyRecord._meta.get_field("key").max_length
IN_PROGRESS_STALE = dt.timedelta(minutes=5)
RETENTION = dt.timedelta(hours=24)
KEPT_HEADERS = ("Content-Type", "Location", "ETag")
NOT_RUN = frozenset({409, 412, 428, 429})


class Replay(Exception):
    def __init__(self, response: HttpResponse):
        super().__init__("idempotent replay")
        self.response = response


def _canonical(value):
    """The request's parsed body in a form that hashes the same for the same content: uploads by their bytes."""
    if hasattr(value, "lists"):  # a multipart QueryDict
        return {key: [_canonical(item) for item in items] for key, items in value.lists()}
    if hasattr(value, "chunks"):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    return value


def request_hash(request) -> str:
    body = json.dumps(_canonical(request.data), cls=JSONEncoder, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{request.method}\n{request.get_full_path()}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.response_body), status=record.response_status)
    for name, value in record.response_headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def claim(request, key: str) -> IdempotencyRecord:
    """The record this request now owns; or raises Replay, or a 409/422 problem."""
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise exceptions.ValidationError({HEADER: [f"Give a key of 1 to {MAX_KEY_LENGTH} characters, e.g. a UUID."]})
    digest = request_hash(request)
    for _attempt in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    user=request.user, key=key, method=request.method, path=request.path[:500],
                    request_hash=digest, created_at=now,
                )  # fmt: skip
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
        if existing is None:
            continue  # purged between the two statements: claim it afresh
        if existing.created_at < now - RETENTION:
            IdempotencyRecord.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
            continue
        if existing.request_hash != digest:
            raise Problem(
                status_code=422, problem_type="idempotency-key-reused", title="Idempotency-Key already used",
                detail="This Idempotency-Key was used for a different request. Use a new key for a new request.",
            )  # fmt: skip
        if existing.response_status is not None:
            raise Replay(_replay(existing))
        stale = existing.created_at < now - IN_PROGRESS_STALE
        if stale and IdempotencyRecord.objects.filter(
            pk=existing.pk, response_status=None, created_at=existing.created_at
        ).update(created_at=now):
            existing.created_at = now
            return existing  # left by a worker that died mid-request: this request runs it
        raise Problem(
            status_code=409, problem_type="idempotency-in-progress", title="Still running",
            detail="A request with this Idempotency-Key is still running. Retry in a few seconds for its answer.",
        )  # fmt: skip
    raise Problem(status_code=409, problem_type="idempotency-in-progress", title="Still running",
                  detail="Retry in a few seconds.")  # fmt: skip


def keep(record: IdempotencyRecord, response) -> None:
    """Store the answer for replays, or release the claim when the request did not run."""
    if response.status_code >= 500 or response.status_code in NOT_RUN:
        release(record)
        return
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        response_status=response.status_code, response_body=bytes(response.content), response_headers=headers
    )


def release(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, response_status=None).delete()


def purge_expired(*, now=None) -> int:
    """Forget answers older than RETENTION; run hourly by beat (integrations.tasks.purge_idempotency_records)."""
    now = now or timezone.now()
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=now - RETENTION).delete()
    return deleted


class IdempotentPostMixin:
    """For an APIView: honours Idempotency-Key on POST once the caller is authenticated and allowed."""

    _idempotency_record = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.headers.get(HEADER)
        if request.method == "POST" and key is not None:
            self._idempotency_record = claim(request, key)

    def handle_exception(self, exc):
        if isinstance(exc, Replay):
            return exc.response
        try:
            return super().handle_exception(exc)
        except Exception:
            if self._idempotency_record is not None:
                release(self._idempotency_record)
                self._idempotency_record = None
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self._idempotency_record is not None:
            keep(self._idempotency_record, response)
            self._idempotency_record = None
        return response
