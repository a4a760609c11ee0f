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
