"""Criminal investigation and prosecution (CPS charging; Custody Time Limits Regulations 1987).

Timescales are seeds for the TimescaleRule table; they are corrected there, not here. Custody time
limits do not count the day custody began and, expiring on a non-working day, move to the day before (K2: CTL Regs
1987 reg 2(4)-(5)). They run only while a defendant is remanded in custody (the details' remanded_in_custody);
the court may extend them.
"""

from coordination.kinds import Event, ProcessKind, Stage, Timescale, register

_CTL_SOURCE = (
    "Prosecution of Offences (Custody Time Limits) Regulations 1987 (SI 1987/299); Prosecution of Offences Act 1985 "
    "s22; counting per reg 2(4)-(5)"
)
_CTL_URL = "https://www.inbrief.co.uk/court-proceedings/remand-in-custody-while-awaiting-trial/"
# The 1987 Regulations came into force on 1 April 1987 (reg 1). A custody time limit is the court's: a pause of
# the prosecution in this portal does not stop it (the court extends it under POA 1985 s22(3)), so these rules
# keep running, as every statutory rule does by default.
_CTL_IN_FORCE = "1987-04-01"

_AFTER_CHARGE = "That follows a charge."

CRIMINAL_INVESTIGATION = register(
    ProcessKind(
        key="criminal_investigation",
        label="Criminal investigation and prosecution",
        short_label="criminal investigation",
        description="The police investigation led by a senior investigating officer, the CPS charging decision, "
        "and any prosecution to verdict, sentence and appeal.",
        owner_kinds=("police_force", "cps"),
        details_model="investigations.CriminalInvestigationDetails",
        stages=(
            Stage(
                "investigation_opened",
                "Investigation opened",
                next=("suspect_identified", "no_further_action"),
            ),
            Stage(
                "suspect_identified",
                "Suspect identified",
                next=("arrest_interview", "file_to_cps", "no_further_action"),
                requires="A suspect is identified during the investigation.",
            ),
            Stage(
                "arrest_interview",
                "Arrest and interview",
                next=("bail_or_rui", "file_to_cps", "no_further_action"),
                requires="A suspect has to be identified first.",
            ),
            Stage(
                "bail_or_rui",
                "On bail or released under investigation",
                next=("file_to_cps", "no_further_action"),
                requires="Bail or release under investigation follows arrest and interview.",
            ),
            Stage(
                "file_to_cps",
                "File with the CPS",
                next=("charged", "no_further_action", "further_evidence"),
                requires="The file goes to the CPS once a suspect is identified.",
            ),
            Stage(
                "further_evidence",
                "Further evidence requested by the CPS",
                next=("file_to_cps", "no_further_action"),
                requires="The CPS asks for further evidence on a file it holds.",
            ),
            Stage(
                "charged",
                "Charged",
                next=("first_appearance",),
                requires="A charge follows the CPS charging decision on a file.",
            ),
            Stage(
                "first_appearance",
                "First appearance",
                next=("sent_to_crown_court", "trial"),
                requires=_AFTER_CHARGE,
            ),
            Stage(
                "sent_to_crown_court",
                "Sent to the Crown Court",
                next=("ptph",),
                requires="Sending follows the first appearance at the magistrates' court.",
            ),
            Stage(
                "ptph",
                "Plea and trial preparation hearing",
                next=("trial", "sentence"),
                requires="The plea and trial preparation hearing follows sending to the Crown Court.",
            ),
            Stage(
                "trial",
                "Trial",
                next=("verdict",),
                requires="A trial follows the first appearance or the PTPH.",
            ),
            Stage(
                "verdict",
                "Verdict",
                next=("sentence", "appeal_window", "concluded"),
                requires="A verdict follows a trial.",
            ),
            Stage(
                "sentence",
                "Sentence",
                next=("appeal_window", "concluded"),
                requires="Sentence follows a guilty verdict or plea.",
            ),
            Stage(
                "appeal_window",
                "Appeal window",
                next=("concluded",),
                requires="The appeal window opens after verdict or sentence.",
            ),
            Stage(
                "concluded",
                "Criminal proceedings concluded",
                closes=True,
                requires="Proceedings conclude after verdict, sentence or the appeal window.",
            ),
            Stage(
                "no_further_action",
                "No further action",
                closes=True,
                requires="No further action is decided before charge.",
            ),
        ),
        events=(
            # Recorded, with the date of the first appearance, only for a summary-only offence with the defendant
            # remanded in custody, so the 56-day limit does not appear on every prosecution.
            Event("remanded_for_summary_trial", "Remanded in custody for summary trial (summary-only offence)"),
        ),
        timescales=(
            Timescale(
                code="K1",
                milestone="Trial starts (custody time limit, if the defendant is remanded in custody)",
                trigger="stage:sent_to_crown_court",
                trigger_label="sending to the Crown Court",
                amount=182,
                unit="calendar_days",
                force="statute",
                # SI 2020/953 made it 238 days for an adult first in custody from 28 Sep 2020 to 27 Jun 2021: such a
                # milestone is extended by hand.
                source=f"{_CTL_SOURCE}: 182 days from sending to the Crown Court to the start of trial (238 for "
                "adults first in custody 28 Sep 2020-27 Jun 2021, SI 2020/953)",
                verification="V",
                source_url=_CTL_URL,
                roll="previous",
                completed_by_stage="trial",
                effective_from=_CTL_IN_FORCE,
            ),
            Timescale(
                code="K1-56",
                milestone="Summary trial starts (custody time limit, summary-only offence)",
                trigger="event:remanded_for_summary_trial",
                trigger_label="first appearance in custody",
                amount=56,
                unit="calendar_days",
                force="statute",
                source=f"{_CTL_SOURCE}: 56 days from first appearance to the start of summary trial",
                verification="V",
                source_url=_CTL_URL,
                roll="previous",
                completed_by_stage="trial",
                effective_from=_CTL_IN_FORCE,
            ),
        ),
    )
)

# Not seeded (considered):
#   K1   70 days for an either-way offence tried summarily (56 if the mode of trial is decided within 56 days):
#        which limit applies depends on when the mode of trial is decided, which no rule here can see.
#   K2   the custody-time-limit counting rule: expressed as roll="previous" and count_trigger_day=False above.
#   K3   charging, CPIA disclosure and trial: no fixed statutory clock tracked.
#   K4   replies to disclosure requests between the police/CPS and the local authority or family court within
#        14 days (2013 protocol): a clock on each request, not on the prosecution. A process can hold one
#        milestone per rule, so it is the information-sharing request's response rule (IS2), where it belongs.
