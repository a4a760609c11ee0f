"""What a deadline belongs to.

The clock's own subject is a process (`Milestone.process`). An app whose records carry deadlines of their own (an
information-sharing request's response, later a chronology return or an action-plan item) registers a subject
type here when Django starts, and its milestones point to their record as (`subject_type`, `subject_id`), with
the case they are on. The core never names the app: everything it needs to list, link, search, remind about and
announce such a deadline comes from the registration, and who may see the record comes from the access layer
(coordination/access.py), where the app registers its model too.

Why a registry and a plain id rather than a foreign key per subject, or Django's generic relations: a foreign key
on the core's Milestone to an app's model makes the core's migrations depend on the app (a cycle); content types
would put a join to django_content_type in every deadline query. A registered key and an id keep the core
independent and the queries plain (`subject_id IN (the records this user may see)`), and a subject type's
records are looked up in one query per type however many deadlines a page lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q, QuerySet

PROCESS = "process"  # the core's own subject, held in Milestone.process


@dataclass(frozen=True)
class SubjectType:
    key: str
    label: str  # plural, for filters: "Information-sharing requests"
    model: type[Model]
    describe: Callable[[Any], str]  # "Information request NSCP-2026-001-IS02"
    url: Callable[[Any], str]  # the record's page in the browser
    api_url: Callable[[Any], str]  # the record's address in the REST API
    api_id: Callable[[Any], str | int]  # how the API names it (a reference, an id)
    # The organisation that has to act on the deadline, as a field of the record (filtered and shown on the
    # deadlines dashboard), and the fields a dashboard search looks in besides the case's reference and pseudonym.
    agency_field: str
    search_fields: tuple[str, ...] = ()
    # A word on whom the agency acts for, shown under it (e.g. "asked by the IOPC").
    agency_note: Callable[[Any], str] = field(default=lambda record: "")
    # Records whose deadlines still run, e.g. a request awaiting its provider's decision on an open case.
    running: Callable[[], QuerySet] = field(default=lambda: None)
    # {record pk: {user: why they are told}} for the reminders of these records' deadlines.
    reminder_recipients: Callable[[list], dict[int, dict]] = field(default=lambda records: {})
    select_related: tuple[str, ...] = ()
    deadline_anchor: str = ""  # where on its page the deadline is, e.g. "#deadline"


_registry: dict[str, SubjectType] = {}


def register(subject_type: SubjectType) -> SubjectType:
    if subject_type.key == PROCESS:
        raise ValueError("a process is the clock's own subject")
    existing = _registry.get(subject_type.key)
    if existing is not None and existing.model is not subject_type.model:
        raise ValueError(f"deadline subject {subject_type.key!r} is registered twice")
    _registry[subject_type.key] = subject_type
    return subject_type


def get(key: str) -> SubjectType:
    return _registry[key]


def registered() -> list[SubjectType]:
    return list(_registry.values())


def choices() -> list[tuple[str, str]]:
    return [(subject.key, subject.label) for subject in _registry.values()]


# --- Over milestones -------------------------------------------------------------------------------------


def within(key: str, records: QuerySet) -> Q:
    """Milestones of the subject type `key` whose record is among `records`."""
    return Q(subject_type=key, subject_id__in=records.order_by().values("pk"))


def running_q() -> Q:
    """Milestones of registered subjects whose clocks still run (the process's are the clock's own question)."""
    condition = Q(pk__in=[])
    for subject in _registry.values():
        running = subject.running()
        if running is not None:
            condition |= within(subject.key, running)
    return condition


def searching(value: str) -> Q:
    """Milestones whose registered record matches a dashboard search."""
    condition = Q(pk__in=[])
    for subject in _registry.values():
        fields = Q()
        for name in subject.search_fields:
            fields |= Q(**{f"{name}__icontains": value})
        if subject.search_fields:
            condition |= within(subject.key, subject.model.objects.filter(fields))
    return condition


def for_agency(organisation) -> Q:
    condition = Q(pk__in=[])
    for subject in _registry.values():
        condition |= within(subject.key, subject.model.objects.filter(**{subject.agency_field: organisation}))
    return condition


def attach(milestones: Iterable) -> list:
    """Load the records of the milestones (or notifications) that belong to a registered subject, one query per
    subject type, so a list costs the same however many it shows. Returns them as a list."""
    milestones = list(milestones)
    wanted: dict[str, set[int]] = {}
    for milestone in milestones:
        if milestone.subject_type not in (PROCESS, "") and "subject" not in milestone.__dict__:
            wanted.setdefault(milestone.subject_type, set()).add(milestone.subject_id)
    found = {
        key: _registry[key].model.objects.select_related(*_registry[key].select_related).in_bulk(ids)
        for key, ids in wanted.items()
    }
    for milestone in milestones:
        if milestone.subject_type in found:
            milestone.__dict__["subject"] = found[milestone.subject_type].get(milestone.subject_id)
    return milestones
