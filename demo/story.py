"""How a demo story is told: a case opened, its processes added and moved on, paused and related, every step
through the core's services, so the demo shows only histories the portal itself could have produced.

A story names the stages it wants a process to reach, with a note for each. The way there is read from the kind's
own registry of stages (coordination.kinds): a stage added to a kind later is passed through on the way, so it
never breaks the demo.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date, timedelta

from coordination import kinds, services
from coordination.models import Case, ChildIdentity, Organisation, Partnership, Pause, Process, Relationship

from .world import nhs_number

DEATH, HARM = Case.IncidentType.DEATH, Case.IncidentType.SERIOUS_HARM
WAITS_FOR, INFORMS = Relationship.Kind.WAITS_FOR, Relationship.Kind.INFORMS

# Steps several stories share.
SUBMITTED = ("submitted_to_panel", "Agency returns in; partners agreed the review and sent it to the Panel.")
RESPONDED = ("panel_responded", "Panel response received.")
FOR_LCSPR = (SUBMITTED, RESPONDED, ("decided_lcspr", "Partners agreed the local review criteria are met."))
CORONER_OPENS = (
    ("investigation_opened", "Post-mortem examination ordered."),
    ("inquest_opened", "Inquest opened and adjourned; identity and provisional cause of death recorded."),
)
CDOP = "Northshire Child Death Overview Panel"


def path_to(kind: kinds.ProcessKind, start: str, target: str) -> list[str]:
    """The stages from `start` to `target` (not `start` itself), in the fewest moves the kind allows."""
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue and target not in previous:
        stage = queue.popleft()
        for following in kind.stage(stage).next:
            if following not in previous:
                previous[following] = stage
                queue.append(following)
    if target == start or target not in previous:
        raise ValueError(f"{kind.key}: no way from {start!r} to {target!r}")
    path = [target]
    while previous[path[-1]] != start:
        path.append(previous[path[-1]])
    return path[::-1]


@dataclass
class Story:
    today: date
    partnership: Partnership
    orgs: dict[str, Organisation]
    users: dict

    @property
    def actor(self):
        # Only partnership managers may change cases, so the manager records everything.
        return self.users["manager"]

    # --- Cases --------------------------------------------------------------------------------------------------

    def open_case(self, pseudonym: str, incident_type: str, days_ago: int, aware_after: int, summary: str) -> Case:
        incident = self.today - timedelta(days=days_ago)
        return services.case_open(
            actor=self.actor, partnership=self.partnership, pseudonym=pseudonym, incident_type=incident_type,
            incident_date=incident, la_aware_date=min(incident + timedelta(days=aware_after), self.today),
            summary=summary,
        )  # fmt: skip

    def identity(self, case: Case, full_name: str, age_days: int, nhs_first_nine: str, address: str) -> None:
        ChildIdentity.objects.create(
            case=case, full_name=full_name, date_of_birth=case.incident_date - timedelta(days=age_days),
            nhs_number=nhs_number(nhs_first_nine), address=address,
        )  # fmt: skip

    def day(self, case: Case, days_after_incident: int) -> date:
        return case.incident_date + timedelta(days=days_after_incident)

    def past_day(self, case: Case, days_after_incident: int) -> date:
        # Cases are placed relative to today, so a fixed offset could land in the future; services refuse that.
        return min(self.day(case, days_after_incident), self.today)

    # --- Processes ----------------------------------------------------------------------------------------------

    def add(self, case: Case, kind: str, owner: str, after: int, *, lead=None, **details) -> Process:
        return services.process_add(
            actor=self.actor, case=case, kind=kind, owner=self.orgs[owner], opened_on=self.past_day(case, after),
            lead=self.users[lead] if lead else None, details=details,
        )  # fmt: skip

    def walk(self, process: Process, *moves: tuple[str, str], every: int = 21) -> Process:
        """Move on to each named stage in turn, each `every` days after the last (never past today), through any
        stage the kind puts between them. Use the process returned for any later move: the one passed in still
        shows its old stage, which process_move would take as someone else's intervening move."""
        for target, note in moves:
            for stage in path_to(process.kind_def, process.stage, target):
                process = services.process_move(
                    actor=self.actor, process=process, to_stage=stage, expected_stage=process.stage,
                    effective_on=min(process.stage_since + timedelta(days=every), self.today),
                    note=note if stage == target else "",
                )  # fmt: skip
        return process

    def pause_for_trial(self, process: Process, criminal: Process, why: str, resume_in: int) -> Pause:
        return services.process_pause(
            actor=self.actor, process=process, reason=Pause.Reason.CRIMINAL_PROCEEDINGS, explanation=why,
            expected_resume_on=self.today + timedelta(days=resume_in), caused_by=criminal,
            # Read afresh: the caller may hold the process from before its latest moves.
            paused_on=min(Process.objects.get(pk=process.pk).stage_since + timedelta(days=7), self.today),
        )  # fmt: skip

    def relate(self, kind: str, from_process: Process, to_process: Process, **fields) -> Relationship:
        return services.relationship_record(
            actor=self.actor, case=from_process.case, kind=kind, from_process=from_process, to_process=to_process,
            **fields,
        )  # fmt: skip

    # --- The processes most stories have ------------------------------------------------------------------------

    def _days_to_awareness(self, case: Case) -> int:
        return (case.la_aware_date - case.incident_date).days

    def notified(self, case: Case, reference: str) -> Process:
        sin = self.add(case, "serious_incident_notification", "council", self._days_to_awareness(case),
                       lead="manager", notification_reference=reference)  # fmt: skip
        return self.walk(sin, ("notified", "Notified to the Panel within 5 working days."))

    def rapid_review(self, case: Case, *moves: tuple[str, str], panel_response: str = "") -> Process:
        review = self.add(case, "rapid_review", "council", self._days_to_awareness(case) + 1, lead="manager",
                          panel_response=panel_response,
                          meeting_date=self.past_day(case, 12) if moves else None)  # fmt: skip
        return self.walk(review, *moves)

    def lcspr(self, case: Case, decided_after: int) -> Process:
        return self.add(
            case, "lcspr", "council", decided_after + 2, lead="reviewer",
            decision_date=self.past_day(case, decided_after), reviewer_name="Margaret Ellison",
            # Working Together 2023 ch.5: publish within six months of the decision to review.
            planned_publication_date=self.day(case, decided_after + 183),
        )  # fmt: skip

    def criminal(self, case: Case, sio: str, offences: str, **details) -> Process:
        return self.add(case, "criminal_investigation", "police", 0, senior_investigating_officer=sio,
                        offences=offences, **details)  # fmt: skip

    def coronial(self, case: Case, reference: str, *, jury: bool = False) -> Process:
        return self.add(case, "coronial_investigation", "coroner", 1, lead="coroner", coroner_area="Northshire",
                        coroner_reference=reference, coroner_aware_date=case.incident_date, jury=jury)  # fmt: skip

    def child_death_review(self, case: Case, *, owner: str = "council", jar: bool = True) -> Process:
        return self.add(case, "child_death_review", owner, 2, joint_agency_response=jar, cdop_name=CDOP)
