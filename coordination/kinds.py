"""The registry of process kinds.

coordination/ knows only what every kind has in common: an ordered set of stages, the moves allowed
between them, and (optionally) a details model of its own. Each kind declares these in one module of
the app that owns it (`<app>/kinds/<kind>.py`) and calls `register`; `discover()` imports every such
module at start-up, so adding a kind means adding one module.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.text import capfirst


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    next: tuple[str, ...] = ()
    # Why a move into this stage may be refused: what has to happen first. Shown to the user.
    requires: str = ""
    # Reaching this stage ends the process.
    closes: bool = False


@dataclass(frozen=True)
class Event:
    """Something that happens in a process and starts a clock without being a stage of its own,
    e.g. "documents supplied to the officer" in misconduct proceedings."""

    key: str
    label: str


@dataclass(frozen=True)
class Timescale:
    """The seed of a national timescale rule. Rules live in the database (TimescaleRule), where they can be
    corrected without a release; this is what a new installation starts from.

    `trigger` names where the clock starts: "case:<date field>", "stage:<stage key>", "event:<event key>"
    or "date:<field of the kind's details>" (for a rule counted back from a planned date).
    """

    code: str
    milestone: str
    trigger: str
    trigger_label: str
    amount: int
    unit: str  # working_days | calendar_days | weeks | months
    force: str  # statute | statutory_guidance | guidance | local
    source: str
    verification: str  # V | P | U
    source_url: str = ""
    direction: str = "after"
    count_trigger_day: bool = False
    roll: str = "next"
    completed_by_stage: str = ""
    repeat_every: int | None = None
    repeat_unit: str = ""
    # "anchor": fixed periods from the first trigger (12 months, then every 6); "completion": at most
    # `repeat_every` after the previous occurrence was met (within 4 weeks of the previous update).
    repeat_from: str = "anchor"
    repeat_until_stage: str = ""
    alternative_group: str = ""
    default_alternative: bool = False
    effective_from: str = "2018-06-29"  # ISO date; the 2018 Regulations' commencement unless the source is later
    effective_to: str = ""  # ISO date of the last trigger it applies to, when a later edition replaced it
    edition_of: str = ""  # the code of the current edition, on an earlier edition of the same timescale
    # Whether a pause of the process stops this clock. None takes the law's default: a statute's own limit
    # keeps running (the statute says when it stops), and a date counted back from a planned date has no
    # running clock to stop; guidance and local timescales stop while a process is held.
    stops_for_pauses: bool | None = None

    @property
    def pauses_stop_it(self) -> bool:
        if self.stops_for_pauses is not None:
            return self.stops_for_pauses
        return self.force != "statute" and self.direction == "after"


@dataclass(frozen=True)
class ProcessKind:
    key: str
    label: str
    short_label: str
    description: str
    stages: tuple[Stage, ...]
    # Organisation kinds that usually own a process of this kind (offered first when adding one).
    owner_kinds: tuple[str, ...] = ()
    # "app_label.ModelName" of a model with a one-to-one `process` field, or None.
    details_model: str | None = None
    events: tuple[Event, ...] = ()
    timescales: tuple[Timescale, ...] = ()
    # Organisation kinds that see a process of this kind in full on any case they may see, without a grant.
    detail_readers: tuple[str, ...] = ()
    _by_key: dict[str, Stage] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_by_key", {stage.key: stage for stage in self.stages})
        if len(self._by_key) != len(self.stages):
            raise ValueError(f"{self.key}: stage keys must be unique")
        for stage in self.stages:
            unknown = set(stage.next) - self._by_key.keys()
            if unknown:
                raise ValueError(f"{self.key}.{stage.key}: moves to unknown stages {sorted(unknown)}")
            if stage.closes and stage.next:
                raise ValueError(f"{self.key}.{stage.key}: a closing stage cannot move on")
        for timescale in self.timescales:
            self._check_timescale(timescale)

    def _check_timescale(self, timescale: Timescale) -> None:
        source, _, key = timescale.trigger.partition(":")
        known = {
            "stage": self._by_key.keys(),
            "event": {event.key for event in self.events},
            "case": set(CASE_TRIGGERS),
        }
        if source in known and key not in known[source]:
            raise ValueError(f"{self.key} timescale {timescale.code}: unknown trigger {timescale.trigger}")
        if source == "process" and len(key.split(":")) != 2:
            raise ValueError(f"{self.key} timescale {timescale.code}: write process:<kind>:<stage>")
        if source not in known and source not in ("date", "process"):
            raise ValueError(
                f"{self.key} timescale {timescale.code}: trigger must start case:, stage:, event: or date:"
            )
        for stage_key in (timescale.completed_by_stage, timescale.repeat_until_stage):
            if stage_key and stage_key not in self._by_key:
                raise ValueError(f"{self.key} timescale {timescale.code}: unknown stage {stage_key}")
        if timescale.repeat_unit and timescale.repeat_unit != timescale.unit:
            raise ValueError(f"{self.key} timescale {timescale.code}: a series repeats in its own unit")
        if timescale.repeat_from == "completion" and timescale.unit != "working_days" and timescale.roll == "next":
            # "Within N of the previous one": a date rolled later would leave more than N between two updates.
            raise ValueError(f"{self.key} timescale {timescale.code}: an at-most-N series rolls back, not on")

    def trigger_choices(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Every place a clock of this kind can start, grouped for a select box."""
        groups = [
            ("The case", [(f"case:{key}", label) for key, label in CASE_TRIGGERS.items()]),
            ("Reaching a stage", [(f"stage:{stage.key}", stage.label) for stage in self.stages]),
        ]
        if self.events:
            groups.append(("An event", [(f"event:{event.key}", event.label) for event in self.events]))
        for other in all_kinds():
            if other.key != self.key:
                stages = [(f"process:{other.key}:{stage.key}", stage.label) for stage in other.stages]
                groups.append((f"The case's {other.label.lower()} reaching", stages))
        model = self.details_model_class()
        if model is not None:
            dates = [
                (f"date:{f.name}", capfirst(f.verbose_name))
                for f in model._meta.fields
                if f.get_internal_type() == "DateField"
            ]
            if dates:
                groups.append((f"A date in the {self.short_label}'s details", dates))
        return groups

    @property
    def first_stage(self) -> Stage:
        return self.stages[0]

    def has_stage(self, key: str) -> bool:
        return key in self._by_key

    def stage(self, key: str) -> Stage:
        return self._by_key[key]

    def stage_label(self, key: str) -> str:
        stage = self._by_key.get(key)
        return stage.label if stage else key

    def stage_position(self, key: str) -> int:
        return self.stages.index(self._by_key[key])

    def next_stages(self, key: str) -> list[Stage]:
        return [self._by_key[k] for k in self._by_key[key].next]

    def can_move(self, from_key: str, to_key: str) -> bool:
        return to_key in self._by_key[from_key].next

    def move_refusal(self, from_key: str, to_key: str) -> str | None:
        """Why a move is not allowed, in words for the user; None when it is allowed."""
        if not self.has_stage(to_key):
            return f"“{to_key}” is not a stage of the {self.label} process."
        current, target = self._by_key[from_key], self._by_key[to_key]
        if to_key in current.next:
            return None
        if from_key == to_key:
            return f"The {self.short_label} is already at “{current.label}”."
        if not current.next:
            return f"The {self.short_label} has ended at “{current.label}” and cannot move on."
        reason = f"The {self.short_label} cannot move from “{current.label}” to “{target.label}”."
        if target.requires:
            reason += f" {target.requires}"
        allowed = " or ".join(f"“{s.label}”" for s in self.next_stages(from_key))
        return f"{reason} From “{current.label}” it can move to {allowed}."

    def details_model_class(self):
        return apps.get_model(self.details_model) if self.details_model else None


# Dates on the case that a clock may start from.
CASE_TRIGGERS = {"la_aware_date": "Local authority became aware", "incident_date": "Date of the incident"}

_registry: dict[str, ProcessKind] = {}


def register(kind: ProcessKind) -> ProcessKind:
    if kind.key in _registry and _registry[kind.key] != kind:
        raise ValueError(f"process kind {kind.key!r} is registered twice")
    _registry[kind.key] = kind
    return kind


def get(key: str) -> ProcessKind:
    return _registry[key]


def exists(key: str) -> bool:
    return key in _registry


def all_kinds() -> list[ProcessKind]:
    return list(_registry.values())


def choices() -> list[tuple[str, str]]:
    return [(kind.key, kind.label) for kind in _registry.values()]


def discover() -> None:
    """Import every module in each installed app's `kinds` package."""
    for app_config in apps.get_app_configs():
        try:
            package = importlib.import_module(f"{app_config.name}.kinds")
        except ModuleNotFoundError as error:
            if error.name != f"{app_config.name}.kinds":
                raise
            continue
        if not hasattr(package, "__path__"):  # this registry module itself, not a package of kinds
            continue
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
