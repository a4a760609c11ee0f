"""A fictional demo world: the Northshire partnership, one login per role, and a dozen cases at
different points. Cases, processes, moves, pauses and relationships go through coordination.services,
so the demo shows only histories the application itself could have produced.

Everything here is invented. NHS numbers are in the 999 range, which is never issued to patients.
"""

import base64
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .models import Case, ChildIdentity, Membership, Organisation, Partnership, Pause, Process, Relationship

DEMO_PASSWORD = "parallel-demo-2026"
# The second factor every demo user has from the start (coordination/two_factor.py): add this secret to an
# authenticator app as a time-based key, or sign in with one of the backup codes (each works once until
# seed_demo is run again).
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"
DEMO_BACKUP_CODES = tuple(f"demo-{digit * 6}" for digit in "1234567890")
# The demo's API key, for the README's examples: a read-and-write key of the trust, whose case system answers the
# health-records request overdue there. Published, like the password, so for the demo only; the key is created
# only while `trustadmin` still has the demo password (ensure_demo_api_key).
DEMO_API_PREFIX = "demotrust"
DEMO_API_KEY = f"pk_{DEMO_API_PREFIX}_demo-only-key-published-in-the-README-2026"
DEMO_API_KEY_NAME = "Demo case system (published key: demo only)"
PARTNERSHIP_CODE = "NSCP"
PARTNERSHIP_NAME = "Northshire Safeguarding Children Partnership"

# key: (name, short name, kind)
ORGANISATIONS = {
    "council": ("Northshire County Council", "Northshire CC", Organisation.Kind.LOCAL_AUTHORITY),
    "icb": ("NHS Northshire Integrated Care Board", "Northshire ICB", Organisation.Kind.ICB),
    "police": ("Northshire Police", "Northshire Police", Organisation.Kind.POLICE_FORCE),
    "psd": (
        "Northshire Police Professional Standards Department",
        "Northshire PSD",
        Organisation.Kind.PROFESSIONAL_STANDARDS,
    ),
    "iopc": ("Independent Office for Police Conduct", "IOPC", Organisation.Kind.IOPC),
    "coroner": ("HM Coroner for Northshire", "Northshire Coroner", Organisation.Kind.CORONER),
    "cps": ("Crown Prosecution Service – Northshire", "CPS Northshire", Organisation.Kind.CPS),
    "school": ("Riverside Academy", "Riverside Academy", Organisation.Kind.SCHOOL),
    "trust": (
        "Northshire Hospitals NHS Foundation Trust",
        "Northshire Hospitals",
        Organisation.Kind.HEALTH_PROVIDER,
    ),
}
RELEVANT_AGENCIES = ("school", "trust", "psd", "iopc", "coroner", "cps")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    first_name: str
    last_name: str
    role: str  # a Membership.Role; blank for the system administrator
    organisation: str  # a key of ORGANISATIONS; blank for the system administrator

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def role_label(self) -> str:
        return Membership.Role(self.role).label if self.role else "System administrator"

    @property
    def organisation_short_name(self) -> str:
        return ORGANISATIONS[self.organisation][1] if self.organisation else "–"


DEMO_LOGINS = (
    DemoLogin("manager", "Helen", "Marsh", Membership.Role.PARTNERSHIP_MANAGER, "council"),
    DemoLogin("agency", "Priya", "Natarajan", Membership.Role.AGENCY_REPRESENTATIVE, "trust"),
    DemoLogin("iopc", "Daniel", "Okafor", Membership.Role.IOPC_INVESTIGATOR, "iopc"),
    DemoLogin("psd", "Sarah", "Whitfield", Membership.Role.PROFESSIONAL_STANDARDS, "psd"),
    DemoLogin("reviewer", "Margaret", "Ellison", Membership.Role.INDEPENDENT_REVIEWER, "council"),
    DemoLogin("coroner", "Thomas", "Berry", Membership.Role.CORONERS_OFFICER, "coroner"),
    DemoLogin("auditor", "Gareth", "Lloyd", Membership.Role.AUDITOR, "council"),
    DemoLogin("trustadmin", "Nia", "Evans", Membership.Role.AGENCY_ADMINISTRATOR, "trust"),
    DemoLogin("admin", "Alex", "Morgan", "", ""),
)

CDOP = "Northshire Child Death Overview Panel"


def nhs_number(first_nine: str) -> str:
    """Append the modulus-11 check digit. A check digit of 10 means no valid number has these digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 10:
        raise ValueError(f"{first_nine} has no valid NHS number")
    return first_nine + str(0 if check == 11 else check)


# What the apps add to the demo world once its cases exist (e.g. information-sharing requests on them): each is
# called with the organisations and users by their demo keys.
_app_steps: list = []


def add_step(step) -> None:
    if step not in _app_steps:
        _app_steps.append(step)


def demo_loaded() -> bool:
    return Partnership.objects.filter(code=PARTNERSHIP_CODE).exists()


def load_demo(stdout=None) -> bool:
    """Load the demo world once. Returns False, touching nothing, when it is already there."""
    try:
        with transaction.atomic():
            if demo_loaded():
                return False
            world = _build_people()
            _build_cases(world)
            _grant_access(world)
            for step in _app_steps:
                step(orgs=world.orgs, users=world.users)
    except IntegrityError:
        # A second seed run started at the same moment and committed first: same outcome as re-running.
        if demo_loaded():
            return False
        raise
    if stdout is not None:
        stdout.write(
            f"{PARTNERSHIP_CODE}: {Case.objects.filter(partnership=world.partnership).count()} cases, "
            f"{Process.objects.filter(case__partnership=world.partnership).count()} processes.\n"
        )
    return True


def ensure_demo_second_factors() -> int:
    """Give each demo user the documented authenticator and backup codes, also in demo databases made before
    the second factor existed; returns how many users were given them. Only users who still have the
    published demo password are touched: their account is as open as the README, so a published second
    factor costs nothing, while a real person who took over a demo username and changed the password is left
    alone. Never run outside seed_demo."""
    if not demo_loaded():
        return 0
    key = base64.b32decode(DEMO_TOTP_SECRET).hex()
    given = 0
    users = get_user_model().objects.filter(username__in=[login.username for login in DEMO_LOGINS])
    for user in users:
        if not user.check_password(DEMO_PASSWORD):
            continue
        with transaction.atomic():
            TOTPDevice.objects.get_or_create(
                user=user, name="Demo authenticator", defaults={"key": key, "confirmed": True}
            )
            static, _ = StaticDevice.objects.get_or_create(user=user, name="Demo backup codes")
            have = set(static.token_set.values_list("token", flat=True))
            static.token_set.bulk_create(
                static.token_set.model(device=static, token=code) for code in DEMO_BACKUP_CODES if code not in have
            )
        given += 1
    return given


# --- Organisations, partnership and people ---------------------------------------------------------


@dataclass
class _World:
    today: date
    partnership: Partnership
    orgs: dict[str, Organisation]
    users: dict

    @property
    def actor(self):
        # Only partnership managers may change cases, so the manager records everything.
        return self.users["manager"]


def _build_people() -> _World:
    orgs = {key: _organisation(name, short, kind) for key, (name, short, kind) in ORGANISATIONS.items()}
    partnership = Partnership.objects.create(
        name=PARTNERSHIP_NAME,
        code=PARTNERSHIP_CODE,
        local_authority=orgs["council"],
        icb=orgs["icb"],
        police=orgs["police"],
    )
    partnership.relevant_agencies.set([orgs[key] for key in RELEVANT_AGENCIES])
    users = {login.username: _user(login, orgs) for login in DEMO_LOGINS}
    return _World(today=timezone.localdate(), partnership=partnership, orgs=orgs, users=users)


def _organisation(name: str, short_name: str, kind: str) -> Organisation:
    # An administrator may already have set up real-looking agencies by name; reuse rather than clash.
    org, _ = Organisation.objects.get_or_create(name=name, defaults={"short_name": short_name, "kind": kind})
    if org.group is None:
        org.group, _ = Group.objects.get_or_create(name=name)
        org.save(update_fields=["group"])
    return org


def _user(login: DemoLogin, orgs: dict[str, Organisation]):
    user, created = get_user_model().objects.get_or_create(
        username=login.username,
        defaults={
            "first_name": login.first_name,
            "last_name": login.last_name,
            "email": f"{login.first_name}.{login.last_name}@example.org".lower(),
            "is_staff": not login.role,
            "is_superuser": not login.role,
        },
    )
    if created:  # never reset the password of an account someone already uses
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if login.organisation:
        org = orgs[login.organisation]
        Membership.objects.get_or_create(user=user, organisation=org, defaults={"role": login.role})
        user.groups.add(org.group)
    return user


# --- Helpers for cases -----------------------------------------------------------------------------

DEATH, HARM = Case.IncidentType.DEATH, Case.IncidentType.SERIOUS_HARM
WAITS_FOR, INFORMS = Relationship.Kind.WAITS_FOR, Relationship.Kind.INFORMS


def _open_case(w: _World, pseudonym: str, incident_type: str, days_ago: int, aware_after: int, summary: str):
    incident = w.today - timedelta(days=days_ago)
    return services.case_open(
        actor=w.actor,
        partnership=w.partnership,
        pseudonym=pseudonym,
        incident_type=incident_type,
        incident_date=incident,
        la_aware_date=min(incident + timedelta(days=aware_after), w.today),
        summary=summary,
    )


def _identity(case: Case, full_name: str, age_days: int, nhs_first_nine: str, address: str) -> None:
    ChildIdentity.objects.create(
        case=case,
        full_name=full_name,
        date_of_birth=case.incident_date - timedelta(days=age_days),
        nhs_number=nhs_number(nhs_first_nine),
        address=address,
    )


def _day(case: Case, days_after_incident: int) -> date:
    return case.incident_date + timedelta(days=days_after_incident)


def _past_day(w: _World, case: Case, days_after_incident: int) -> date:
    # Cases are placed relative to today, so a fixed offset could land in the future; services refuse that.
    return min(_day(case, days_after_incident), w.today)


def _add(w: _World, case: Case, kind: str, owner: str, after: int, *, lead=None, **details) -> Process:
    return services.process_add(
        actor=w.actor,
        case=case,
        kind=kind,
        owner=w.orgs[owner],
        opened_on=_past_day(w, case, after),
        lead=w.users[lead] if lead else None,
        details=details,
    )


def _walk(w: _World, process: Process, *moves: tuple[str, str], every: int = 21) -> Process:
    """Move through the given stages, each `every` days after the last (never past today). Use the
    process returned for any later move: the one passed in still shows its old stage, which
    process_move would take as someone else's intervening move."""
    for to_stage, note in moves:
        process = services.process_move(
            actor=w.actor,
            process=process,
            to_stage=to_stage,
            expected_stage=process.stage,
            effective_on=min(process.stage_since + timedelta(days=every), w.today),
            note=note,
        )
    return process


def _pause_for_trial(w: _World, process: Process, criminal: Process, why: str, resume_in: int) -> Pause:
    return services.process_pause(
        actor=w.actor,
        process=process,
        reason=Pause.Reason.CRIMINAL_PROCEEDINGS,
        explanation=why,
        expected_resume_on=w.today + timedelta(days=resume_in),
        caused_by=criminal,
        # Read afresh: the caller may hold the process from before its latest moves.
        paused_on=min(Process.objects.get(pk=process.pk).stage_since + timedelta(days=7), w.today),
    )


def _relate(w: _World, kind: str, from_process: Process, to_process: Process, **fields) -> Relationship:
    return services.relationship_record(
        actor=w.actor,
        case=from_process.case,
        kind=kind,
        from_process=from_process,
        to_process=to_process,
        **fields,
    )


def _days_to_awareness(case: Case) -> int:
    return (case.la_aware_date - case.incident_date).days


def _notified(w: _World, case: Case, reference: str) -> Process:
    sin = _add(
        w,
        case,
        "serious_incident_notification",
        "council",
        _days_to_awareness(case),
        lead="manager",
        notification_reference=reference,
    )
    return _walk(w, sin, ("notified", "Notified to the Panel within 5 working days."))


def _rapid_review(w: _World, case: Case, *moves: tuple[str, str], panel_response: str = "") -> Process:
    review = _add(
        w,
        case,
        "rapid_review",
        "council",
        _days_to_awareness(case) + 1,
        lead="manager",
        panel_response=panel_response,
        meeting_date=_past_day(w, case, 12) if moves else None,
    )
    return _walk(w, review, *moves)


_SUBMITTED = ("submitted_to_panel", "Agency returns in; partners agreed the review and sent it to the Panel.")
_RESPONDED = ("panel_responded", "Panel response received.")
_FOR_LCSPR = (_SUBMITTED, _RESPONDED, ("decided_lcspr", "Partners agreed the local review criteria are met."))


def _lcspr(w: _World, case: Case, decided_after: int) -> Process:
    return _add(
        w,
        case,
        "lcspr",
        "council",
        decided_after + 2,
        lead="reviewer",
        decision_date=_past_day(w, case, decided_after),
        reviewer_name="Margaret Ellison",
        # Working Together: publish within six months of the decision to review.
        planned_publication_date=_day(case, decided_after + 183),
    )


def _criminal(w: _World, case: Case, sio: str, offences: str, **details) -> Process:
    return _add(
        w,
        case,
        "criminal_investigation",
        "police",
        0,
        senior_investigating_officer=sio,
        offences=offences,
        **details,
    )


_CORONER_OPENS = (
    ("investigation_opened", "Post-mortem examination ordered."),
    ("inquest_opened", "Inquest opened and adjourned; identity and provisional cause of death recorded."),
)


def _coronial(w: _World, case: Case, reference: str, *, jury: bool = False) -> Process:
    return _add(
        w,
        case,
        "coronial_investigation",
        "coroner",
        1,
        lead="coroner",
        coroner_area="Northshire",
        coroner_reference=reference,
        coroner_aware_date=case.incident_date,
        jury=jury,
    )


def _child_death_review(w: _World, case: Case, *, owner: str = "council", jar: bool = True) -> Process:
    return _add(w, case, "child_death_review", owner, 2, joint_agency_response=jar, cdop_name=CDOP)


# --- The cases, oldest first so that references run in incident order -------------------------------


def _grant_access(w: _World) -> None:
    """Who sees what in the demo, as partnership managers would grant it, on a need-to-know basis. The manager sees
    every case of the partnership without a grant; every other demo user sees only what is granted here."""
    from . import grants

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


def _build_cases(w: _World) -> None:
    for build in (
        _closed_after_inquest,
        _conviction_and_national_review,
        _published_review,
        _parallel_processes,
        _natural_causes,
        _sudden_infant_death,
        _missing_child_assaulted,
        _review_waits_for_witnesses,
        _ready_to_close,
        _recent_death,
        _further_evidence_requested,
        _new_notification,
    ):
        build(w)


def _closed_after_inquest(w: _World) -> None:
    summary = "A 2-year-old died in hospital after a fall at home. A child-in-need plan had recently closed."
    case = _open_case(w, "Child A", DEATH, 650, 2, summary)
    _identity(case, "Lily Ashworth", 2 * 365 + 40, "999012345", "4 Fern Row, Eastbridge NS3 2QT")
    _notified(w, case, "CSINS-A-0117")
    decision = ("decided_no_further_review", "No sign of abuse or neglect; home-safety learning passed on.")
    _rapid_review(w, case, _SUBMITTED, _RESPONDED, decision, panel_response="agreed")

    criminal = _criminal(w, case, "DI Karen Shaw", "")
    _walk(w, criminal, ("no_further_action", "Post-mortem consistent with an accidental fall; no suspect."))
    coronial = _coronial(w, case, "NC-0211")
    _walk(
        w,
        coronial,
        *_CORONER_OPENS,
        ("hearing", "Inquest heard over one day."),
        ("conclusion", "Conclusion: accident."),
        ("closed", "No report to prevent future deaths needed."),
    )
    cdr = _child_death_review(w, case)
    _walk(
        w,
        cdr,
        ("joint_agency_response", "Joint agency response: home visit by the paediatrician and police."),
        ("investigations", "Waiting for the inquest."),
        ("review_meeting", "Child death review meeting held."),
        ("cdop_review", "Reviewed at the CDOP; death judged not preventable."),
        ("analysis_to_ncmd", "Analysis form sent to the NCMD."),
        ("closed", "Nothing further for the CDOP."),
    )
    note = "Every process has ended: the inquest concluded and the CDOP analysis went to the NCMD."
    services.case_close(actor=w.actor, case=case, note=note)


def _conviction_and_national_review(w: _World) -> None:
    summary = "An infant aged 7 months died from head injuries. A parent was charged and has been convicted."
    case = _open_case(w, "Child B", DEATH, 560, 1, summary)
    _identity(case, "Oscar Pennington", 213, "999023456", "Flat 2, 17 Mill Lane, Kettlewick NS7 1DF")
    _notified(w, case, "CSINS-B-0342")
    decision = ("decided_national_review", "The Panel will review this death with two similar ones.")
    _rapid_review(w, case, _SUBMITTED, _RESPONDED, decision, panel_response="national_review")

    criminal = _criminal(
        w,
        case,
        "DCI Owen Pryce",
        "Murder; causing or allowing the death of a child",
        operation_name="Operation Larch",
        remanded_in_custody=True,
    )
    coronial = _coronial(w, case, "NC-0398", jury=True)
    coronial = _walk(w, coronial, *_CORONER_OPENS)
    pause = _pause_for_trial(w, coronial, criminal, "Inquest suspended at the CPS's request pending the trial.", 30)
    criminal = _walk(
        w,
        criminal,
        ("suspect_identified", "Injuries inconsistent with the account given; a parent is a suspect."),
        ("arrest_interview", "Arrested and interviewed."),
        ("file_to_cps", "Full file sent for a charging decision."),
        ("charged", "CPS authorised charges."),
        ("first_appearance", "Remanded in custody at the magistrates' court."),
        ("sent_to_crown_court", "Sent to the Crown Court."),
        ("ptph", "Not guilty plea entered; trial fixed."),
        ("trial", "Trial opened."),
        ("verdict", "Guilty verdict."),
        ("sentence", "Life sentence imposed."),
        ("appeal_window", "28 days for an application for leave to appeal."),
    )
    note = "Verdict reached; the coroner will resume to look at agency contact."
    resumed_on = max(criminal.stage_since, pause.paused_on)
    services.process_resume(actor=w.actor, process=coronial, note=note, resumed_on=resumed_on)
    _walk(w, coronial, ("pre_inquest_review", "Pre-inquest review set the scope of the resumed inquest."))

    cdr = _child_death_review(w, case)
    _walk(
        w,
        cdr,
        ("joint_agency_response", "Joint agency response started the day of the death."),
        ("investigations", "Waiting for the inquest and the national review."),
    )
    _relate(
        w,
        WAITS_FOR,
        cdr,
        coronial,
        from_activity="child death review meeting",
        awaited_stage="conclusion",
        reason="The meeting needs the inquest's findings on agency contact.",
        agreed_by="Designated doctor and coroner's officer",
        agreed_on=_past_day(w, case, 120),
    )


def _published_review(w: _World) -> None:
    summary = "A 9-year-old was admitted to hospital with severe malnutrition after months out of school."
    case = _open_case(w, "Child C", HARM, 500, 3, summary)
    _identity(case, "Maya Thornbury", 9 * 365 + 100, "999034567", "22 Orchard Way, Millbrook NS2 5HL")
    _notified(w, case, "CSINS-C-0409")
    _rapid_review(w, case, *_FOR_LCSPR, panel_response="agreed")
    lcspr = _lcspr(w, case, decided_after=28)
    criminal = _criminal(w, case, "DI Leon Carver", "Child cruelty by neglect")
    hold = _relate(
        w,
        WAITS_FOR,
        lcspr,
        criminal,
        from_activity="publication",
        awaited_event="CPS charging decision",
        reason="Publishing before a charging decision could prejudice a prosecution.",
        agreed_by="SIO and LCSPR chair",
        agreed_on=_past_day(w, case, 40),
        review_on=_past_day(w, case, 130),
    )
    _walk(
        w,
        criminal,
        ("suspect_identified", "Both carers under investigation."),
        ("arrest_interview", "Carers interviewed under caution."),
        ("bail_or_rui", "Released under investigation."),
        ("file_to_cps", "File sent to the CPS."),
        ("no_further_action", "CPS: the evidential test is not met."),
    )
    reason = "CPS decided no further action; publication can no longer prejudice a trial."
    services.relationship_end(actor=w.actor, relationship=hold, reason=reason)
    _walk(
        w,
        lcspr,
        ("reviewer_appointed", "Terms of reference agreed; independent reviewer appointed."),
        ("information_gathering", "Chronologies requested from six agencies."),
        ("practitioner_engagement", "Learning event held with practitioners."),
        ("family_engagement", "Reviewer met the child's grandparents."),
        ("analysis", "Analysis under way."),
        ("draft_report", "First draft shared with the partners."),
        ("quality_assurance", "Independent scrutineer reading the draft."),
        ("draft_report", "Sent back: the findings on school attendance need more evidence."),
        ("quality_assurance", "Revised draft back for quality assurance."),
        ("final_report_agreed", "Partners agreed the final report."),
        ("pre_publication_notice_sent", "Final report sent to the Panel and the Secretary of State."),
        ("published", "Published on the partnership website."),
        ("action_plan_monitoring", "Action plan monitored by the partnership's learning group."),
    )


def _parallel_processes(w: _World) -> None:
    summary = (
        "A 4-year-old was found unresponsive at home and died. Police had attended the address twice in the "
        "month before after calls from neighbours."
    )
    case = _open_case(w, "Child D", DEATH, 420, 1, summary)
    _identity(case, "Ethan Caldwell", 4 * 365 + 200, "999056789", "9 Brook Terrace, Saltmarsh NS5 8RA")
    _notified(w, case, "CSINS-D-0521")
    _rapid_review(w, case, *_FOR_LCSPR, panel_response="agreed")

    criminal = _criminal(
        w,
        case,
        "DCI Rachel Osei",
        "Murder; cruelty to a person under 16",
        operation_name="Operation Heron",
        remanded_in_custody=True,
    )
    _walk(
        w,
        criminal,
        ("suspect_identified", "The mother's partner identified as a suspect."),
        ("arrest_interview", "Arrested and interviewed."),
        ("file_to_cps", "File sent for a charging decision."),
        ("charged", "CPS authorised a charge of murder."),
        ("first_appearance", "Remanded in custody."),
        ("sent_to_crown_court", "Sent to the Crown Court."),
        ("ptph", "Not guilty plea; trial fixed for the spring."),
    )

    lcspr = _lcspr(w, case, decided_after=30)
    _walk(
        w,
        lcspr,
        ("reviewer_appointed", "Terms of reference agreed after consulting the SIO and the IOPC."),
        ("information_gathering", "Agency chronologies gathered under section 16H requests."),
        ("family_engagement", "Grandparents met with the family liaison officer present."),
        ("analysis", "Practitioners who are witnesses not yet spoken to; see the agreement with the SIO."),
        ("draft_report", "First draft with the partners."),
    )

    iopc = _add(
        w,
        case,
        "iopc_investigation",
        "iopc",
        3,
        lead="iopc",
        matter_type="dsi",
        referral="mandatory",
        mode="independent",
        iopc_reference="IOPC-DEMO-0412",
    )
    _walk(
        w,
        iopc,
        ("referred", "PSD referred the death after earlier police contact (mandatory referral)."),
        ("assessment", "IOPC assessing the referral."),
        ("investigation", "The Director General decided on an independent investigation."),
    )

    misconduct = _add(
        w,
        case,
        "misconduct_proceedings",
        "psd",
        60,
        lead="psd",
        officers_subject=2,
        severity="gross_misconduct",
    )
    _walk(w, misconduct, ("severity_assessment", "IOPC assessed possible gross misconduct by two officers."))
    why = "Proceedings held while criminal proceedings are outstanding (Police (Conduct) Regulations 2020)."
    _pause_for_trial(w, misconduct, criminal, why, resume_in=180)

    coronial = _coronial(w, case, "NC-0533", jury=True)
    _walk(w, coronial, *_CORONER_OPENS)
    why = "Inquest suspended: a person is charged with the death (Coroners and Justice Act 2009 Sch 1)."
    _pause_for_trial(w, coronial, criminal, why, resume_in=150)

    cdr = _child_death_review(w, case)
    _walk(
        w,
        cdr,
        ("joint_agency_response", "Joint agency response with the SIO."),
        ("investigations", "Waiting for the trial, the inquest and the LCSPR."),
    )

    _relate(
        w,
        WAITS_FOR,
        lcspr,
        criminal,
        from_activity="publication",
        awaited_stage="concluded",
        reason="Publishing before the trial ends could prejudice it; practitioners are witnesses.",
        agreed_by="SIO and LCSPR chair",
        agreed_on=_past_day(w, case, 40),
        review_on=w.today + timedelta(days=30),
    )
    _relate(
        w,
        INFORMS,
        iopc,
        lcspr,
        from_activity="findings on the two earlier police attendances",
        reason="The IOPC will share its learning with the reviewer, subject to a sharing decision.",
        agreed_by="IOPC lead investigator and LCSPR chair",
        agreed_on=_past_day(w, case, 45),
    )
    _relate(
        w,
        WAITS_FOR,
        cdr,
        coronial,
        from_activity="child death review meeting",
        awaited_stage="conclusion",
        reason="The review meeting needs the inquest's conclusion.",
    )


def _natural_causes(w: _World) -> None:
    summary = "A 13-year-old with a heart condition died unexpectedly in hospital. No known concerns."
    case = _open_case(w, "Child E", DEATH, 360, 2, summary)
    _identity(case, "Isla Brennan", 13 * 365 + 50, "999067890", "31 Station Road, Upper Fenby NS8 3JW")
    cdr = _child_death_review(w, case, owner="icb", jar=False)
    _walk(
        w,
        cdr,
        ("investigations", "Waiting for the post-mortem."),
        ("review_meeting", "Child death review meeting held at the hospital."),
        ("cdop_review", "Reviewed at the CDOP."),
        ("analysis_to_ncmd", "Analysis form sent to the NCMD."),
    )
    coronial = _coronial(w, case, "NC-0602")
    _walk(
        w,
        coronial,
        ("investigation_opened", "Post-mortem examination ordered."),
        ("discontinued", "Post-mortem showed death from natural causes; investigation discontinued."),
    )


def _sudden_infant_death(w: _World) -> None:
    summary = "A 3-month-old died unexpectedly while sharing a bed with a parent, soon after a move."
    case = _open_case(w, "Child F", DEATH, 300, 1, summary)
    _identity(case, "Freddie Holloway", 95, "999078901", "6 Willow Court, Eastbridge NS3 9PB")
    sin = _add(w, case, "serious_incident_notification", "council", 1, lead="manager")
    _walk(w, sin, ("not_notifiable", "Partners agreed: no known or suspected abuse or neglect."))
    coronial = _coronial(w, case, "NC-0655")
    _walk(
        w,
        coronial,
        *_CORONER_OPENS,
        ("pre_inquest_review", "Pre-inquest review: the scope includes safe-sleep advice."),
        ("hearing", "Inquest heard."),
        ("conclusion", "Narrative conclusion recorded."),
        ("pfd_report", "Report to prevent future deaths sent to the ICB and the partnership (safe sleep)."),
    )
    cdr = _child_death_review(w, case, owner="icb")
    _walk(
        w,
        cdr,
        ("joint_agency_response", "Joint agency response: home visit the next day."),
        ("investigations", "Waiting for the inquest."),
        ("review_meeting", "Child death review meeting held after the inquest."),
    )


def _missing_child_assaulted(w: _World) -> None:
    summary = (
        "A 15-year-old was seriously assaulted after going missing from home. A missing report had been made "
        "to police earlier that day."
    )
    case = _open_case(w, "Child G", HARM, 260, 2, summary)
    _identity(case, "Jayden Moss", 15 * 365 + 20, "999089012", "48 Canal Street, Kettlewick NS7 4EE")
    _notified(w, case, "CSINS-G-0688")
    _rapid_review(w, case, *_FOR_LCSPR, panel_response="agreed")
    lcspr = _lcspr(w, case, decided_after=28)
    _walk(w, lcspr, ("reviewer_appointed", "Independent reviewer appointed; terms of reference agreed."))

    criminal = _criminal(w, case, "DI Anna Rowe", "Grievous bodily harm with intent")
    _walk(
        w,
        criminal,
        ("suspect_identified", "Two adults identified from CCTV."),
        ("arrest_interview", "Both arrested and interviewed."),
        ("bail_or_rui", "Both on bail, with conditions not to contact the child."),
    )

    # A directed investigation is carried out by the force's own PSD under the IOPC's direction.
    iopc = _add(
        w,
        case,
        "iopc_investigation",
        "psd",
        5,
        lead="psd",
        matter_type="conduct",
        referral="voluntary",
        mode="directed",
        iopc_reference="IOPC-DEMO-0077",
    )
    _walk(
        w,
        iopc,
        ("referred", "Voluntary referral about the handling of the missing report."),
        ("assessment", "IOPC assessing."),
        ("investigation", "The Director General directed PSD to investigate."),
        ("report_submitted", "Investigation report submitted."),
        ("decisions_made", "Case to answer for misconduct for one officer on the risk assessment."),
    )
    misconduct = _add(
        w,
        case,
        "misconduct_proceedings",
        "psd",
        150,
        lead="psd",
        officers_subject=1,
        severity="misconduct",
        proceedings_form="meeting",
    )
    _walk(
        w,
        misconduct,
        ("severity_assessment", "Assessed as misconduct."),
        ("investigation", "Investigated within the directed investigation."),
        ("investigation_report", "Report received."),
        ("case_to_answer_decision", "The appropriate authority decided there is a case to answer."),
        ("referred", "Referred to a misconduct meeting; regulation 30 notice served."),
        ("officer_response", "Waiting for the officer's response."),
    )
    _relate(
        w,
        INFORMS,
        iopc,
        lcspr,
        from_activity="learning on the missing-person risk assessment",
        reason="The reviewer will receive the investigation's learning recommendations.",
    )


def _review_waits_for_witnesses(w: _World) -> None:
    summary = (
        "A 6-year-old was found to have burns when school staff noticed injuries. Two siblings are on child "
        "protection plans."
    )
    case = _open_case(w, "Child H", HARM, 200, 4, summary)
    _identity(case, "Ruby Sinclair", 6 * 365 + 150, "999090123", "12 Hawthorn Close, Millbrook NS2 7TN")
    _notified(w, case, "CSINS-H-0731")
    _rapid_review(w, case, *_FOR_LCSPR, panel_response="agreed")
    lcspr = _lcspr(w, case, decided_after=30)
    _walk(
        w,
        lcspr,
        ("reviewer_appointed", "Reviewer appointed."),
        ("information_gathering", "Chronologies in from the school, the trust and children's social care."),
        ("family_engagement", "Reviewer met the child's father."),
    )
    criminal = _criminal(w, case, "DI Mark Fielding", "Cruelty to a person under 16")
    _walk(
        w,
        criminal,
        ("suspect_identified", "The mother's partner identified."),
        ("arrest_interview", "Arrested and interviewed."),
        ("bail_or_rui", "Released on bail."),
    )
    _relate(
        w,
        WAITS_FOR,
        lcspr,
        criminal,
        from_activity="practitioner engagement",
        awaited_event="SIO confirms school staff have given their witness statements",
        reason="School staff are prosecution witnesses; talking to them first risks contaminating evidence.",
        agreed_by="SIO and independent reviewer",
        agreed_on=_past_day(w, case, 60),
        review_on=w.today + timedelta(days=21),
    )


def _ready_to_close(w: _World) -> None:
    summary = "A 14-year-old took an overdose after the police response to a disclosure of abuse was delayed."
    case = _open_case(w, "Child I", HARM, 150, 2, summary)
    _identity(case, "Chloe Armitage", 14 * 365 + 90, "999101234", "3 Quarry Hill, Saltmarsh NS5 2LW")
    _notified(w, case, "CSINS-I-0790")
    decision = ("decided_other_learning", "Single-agency reviews by police and the school instead.")
    _rapid_review(w, case, _SUBMITTED, _RESPONDED, decision, panel_response="agreed")
    iopc = _add(
        w,
        case,
        "iopc_investigation",
        "iopc",
        10,
        lead="iopc",
        matter_type="complaint",
        referral="voluntary",
        mode="returned",
    )
    _walk(
        w,
        iopc,
        ("referred", "The family's complaint referred by PSD."),
        ("assessment", "IOPC assessing."),
        ("returned", "Returned to the appropriate authority to handle."),
    )
    misconduct = _add(w, case, "misconduct_proceedings", "psd", 40, lead="psd", officers_subject=1)
    _walk(
        w,
        misconduct,
        ("severity_assessment", "Practice requiring improvement, not misconduct."),
        ("reflective_practice", "The officer will complete the reflective practice review process."),
    )


def _recent_death(w: _World) -> None:
    summary = "A 2-year-old drowned in a garden pond. Health visiting had raised concerns about supervision."
    case = _open_case(w, "Child J", DEATH, 90, 1, summary)
    _identity(case, "Alfie Dunmore", 2 * 365 + 120, "999112345", "27 Meadow Bank, Upper Fenby NS8 6GX")
    _notified(w, case, "CSINS-J-0844")
    _rapid_review(w, case, _SUBMITTED)
    cdr = _child_death_review(w, case)
    _walk(w, cdr, ("joint_agency_response", "Joint agency response started."))
    coronial = _coronial(w, case, "NC-0871")
    _walk(w, coronial, ("investigation_opened", "Post-mortem examination ordered."))
    criminal = _criminal(w, case, "DI Karen Shaw", "Child neglect (under investigation)")
    _walk(w, criminal, ("suspect_identified", "The adult supervising at the time is under investigation."))


def _further_evidence_requested(w: _World) -> None:
    summary = "A 10-week-old was admitted with fractures of different ages. No explanation was given."
    case = _open_case(w, "Child K", HARM, 45, 2, summary)
    _identity(case, "Leo Fairbanks", 70, "999134567", "Flat 5, 2 Church Walk, Eastbridge NS3 1AZ")
    _notified(w, case, "CSINS-K-0902")
    challenged = ("panel_responded", "The Panel challenged the view that no LCSPR is needed.")
    _rapid_review(w, case, _SUBMITTED, challenged, panel_response="challenged")
    criminal = _criminal(w, case, "DI Anna Rowe", "Grievous bodily harm; cruelty to a person under 16")
    _walk(
        w,
        criminal,
        ("suspect_identified", "Both parents under investigation."),
        ("arrest_interview", "Parents interviewed under caution."),
        ("bail_or_rui", "Released on bail; the baby is placed with grandparents."),
        ("file_to_cps", "File sent for early advice."),
        ("further_evidence", "The CPS asked for an independent paediatric radiology opinion."),
    )


def _new_notification(w: _World) -> None:
    summary = "A 5-year-old was taken to hospital with a head injury. The school had reported bruising."
    case = _open_case(w, "Child L", HARM, 12, 1, summary)
    _identity(case, "Sophie Whitlock", 5 * 365 + 60, "999145678", "15 Larch Avenue, Millbrook NS2 3BU")
    _notified(w, case, "CSINS-L-0955")
    _rapid_review(w, case)  # in progress: agency returns still coming in
