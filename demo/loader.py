"""Loading the demo world once: the partnership and its people (demo/world.py), a dozen cases at different
points, one story each (demo/stories/), who sees what, information-sharing requests at each point of their
workflow (demo/requests.py) and the trust's published API key (demo/api_key.py)."""

import importlib
import pkgutil

from django.db import IntegrityError, transaction
from django.utils import timezone

from coordination import grants
from coordination.models import Case, Process

from . import api_key, requests, stories
from .story import Story
from .world import PARTNERSHIP_CODE, build_people, demo_loaded


def load_demo(stdout=None) -> bool:
    """Load the demo world once. Returns False, touching nothing, when it is already there."""
    try:
        with transaction.atomic():
            if demo_loaded():
                return False
            partnership, orgs, users = build_people()
            story = Story(today=timezone.localdate(), partnership=partnership, orgs=orgs, users=users)
            for tell in _stories():
                tell(story)
            _grant_access(story)
            requests.build(orgs=orgs, users=users)
            api_key.ensure_demo_api_key()
    except IntegrityError:
        # A second seed run started at the same moment and committed first: same outcome as re-running.
        if demo_loaded():
            return False
        raise
    if stdout is not None:
        stdout.write(
            f"{PARTNERSHIP_CODE}: {Case.objects.filter(partnership=partnership).count()} cases, "
            f"{Process.objects.filter(case__partnership=partnership).count()} processes.\n"
        )
    return True


def _stories() -> list:
    """Every story module's `tell`, in its ORDER (oldest incident first, so case references run in that order)."""
    modules = [
        importlib.import_module(f"{stories.__name__}.{info.name}") for info in pkgutil.iter_modules(stories.__path__)
    ]
    return [module.tell for module in sorted(modules, key=lambda module: module.ORDER)]


def _grant_access(w: Story) -> None:
    """Who sees what in the demo, as partnership managers would grant it, on a need-to-know basis. The manager sees
    every case of the partnership without a grant; every other demo user sees only what is granted here."""

    def grant(case, scope, reason, *, org=None, user=None, kind=None):
        process = case.processes.filter(kind=kind).first() if kind else None
        organisation = w.orgs[org] if org else None
        grants.grant(actor=w.actor, case=case, scope=scope, reason=reason, organisation=organisation,
                     user=w.users[user] if user else None, process=process)  # fmt: skip

    for case in Case.objects.filter(partnership=w.partnership).prefetch_related("processes"):
        kinds_on_case = {process.kind for process in case.processes.all()}
        if "iopc_investigation" in kinds_on_case:
            grant(case, "case", "IOPC investigation into police contact.", org="iopc")
            grant(case, "case", "Appropriate authority for the IOPC investigation.", org="psd")
        if "coronial_investigation" in kinds_on_case:
            grant(case, "case", "The coroner's investigation of the death.", org="coroner")
            grant(case, "identity", "The coroner needs the child's identity for the inquest.", org="coroner")
        if "lcspr" in kinds_on_case:
            grant(case, "case", "Independent reviewer for the LCSPR.", user="reviewer")
            grant(case, "process", "Independent reviewer for the LCSPR.", user="reviewer", kind="lcspr")
        if case.pseudonym in ("Child C", "Child F"):
            grant(case, "case", "The trust treated the child; health chronology requested.", org="trust")
