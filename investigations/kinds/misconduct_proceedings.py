"""Police misconduct proceedings (Police (Conduct) Regulations 2020). Proceedings are held while criminal
proceedings are outstanding (reg 10): that is a pause, not a stage.

Timescales are seeds for the TimescaleRule table; they are corrected there, not here. The Conduct
Regulations count "beginning with the first working day after" the trigger, so the trigger day is never counted.
Where a stage records the fact that starts or meets a clock, the rule uses the stage rather than a second event.
"""

from coordination.kinds import Event, ProcessKind, Stage, Timescale, register

_CONDUCT_REGS = "2020-02-01"  # Police (Conduct) Regulations 2020 came into force
_REG31 = "http://www.legislation.gov.uk/uksi/2020/4/regulation/31/made"

MISCONDUCT_PROCEEDINGS = register(
    ProcessKind(
        key="misconduct_proceedings",
        label="Police misconduct proceedings",
        short_label="misconduct proceedings",
        description="The appropriate authority assesses the allegation's severity, investigates, decides "
        "whether there is a case to answer, and refers officers to a misconduct meeting or hearing.",
        owner_kinds=("professional_standards",),
        details_model="investigations.MisconductProceedingsDetails",
        stages=(
            Stage("allegation_received", "Allegation received", next=("severity_assessment",)),
            Stage(
                "severity_assessment",
                "Severity assessment",
                next=("investigation", "reflective_practice", "no_action"),
                requires="The severity of an allegation is assessed once it has been received.",
            ),
            Stage(
                "reflective_practice",
                "Reflective practice review",
                closes=True,
                requires="Reflective practice is an outcome of the severity assessment or the case-to-answer decision.",
            ),
            Stage(
                "no_action",
                "No action",
                closes=True,
                requires="No action is an outcome of the severity assessment.",
            ),
            Stage(
                "investigation",
                "Investigation",
                next=("investigation_report",),
                requires="An investigation follows the severity assessment.",
            ),
            Stage(
                "investigation_report",
                "Investigation report",
                next=("case_to_answer_decision",),
                requires="The report follows the investigation.",
            ),
            Stage(
                "case_to_answer_decision",
                "Case to answer decision",
                next=("referred", "no_case_to_answer", "reflective_practice"),
                requires="The appropriate authority decides on the investigation report.",
            ),
            Stage(
                "no_case_to_answer",
                "No case to answer",
                closes=True,
                requires="This is an outcome of the case-to-answer decision.",
            ),
            Stage(
                "referred",
                "Referred to proceedings (regulation 30 notice)",
                next=("officer_response",),
                requires="Referral to a meeting or hearing follows a decision that there is a case to answer.",
            ),
            Stage(
                "officer_response",
                "Officer's response",
                next=("witness_lists",),
                requires="The officer responds to the notice of referral (regulation 31).",
            ),
            Stage(
                "witness_lists",
                "Witness lists exchanged",
                next=("pre_hearing", "meeting_or_hearing"),
                requires="Witness lists are exchanged after the officer's response.",
            ),
            Stage(
                "pre_hearing",
                "Pre-hearing",
                next=("meeting_or_hearing",),
                requires="A pre-hearing follows the supply of documents to the chair (regulation 33).",
            ),
            Stage(
                "meeting_or_hearing",
                "Misconduct meeting or hearing",
                next=("outcome",),
                requires="The meeting or hearing follows the exchange of witness lists.",
            ),
            Stage(
                "outcome",
                "Findings and outcome",
                next=("appeal", "closed"),
                requires="Findings follow the meeting or hearing.",
            ),
            Stage("appeal", "Appeal", next=("closed",), requires="An appeal follows the outcome."),
            Stage("closed", "Closed", closes=True, requires="Proceedings close after the outcome or an appeal."),
        ),
        events=(
            Event("allegation_came_to_attention", "Allegation first came to the appropriate authority's attention"),
            Event("reg17_notice_given", "Written notice given to the officer (regulation 17)"),
            Event("documents_supplied", "Documents supplied to the officer (regulations 30(1), 31(1))"),
            Event("documents_supplied_to_chair", "Documents supplied to the chair (regulation 32(6))"),
        ),
        timescales=(
            # M2 and M3 are Part 3 of the Conduct Regulations, which does not apply to investigations under Police
            # Reform Act 2002 Sch 3 (local, directed or IOPC investigations); those run on the IOPC kind's I7.
            Timescale(
                code="M2",
                milestone="Officer's representations to the investigator",
                trigger="event:reg17_notice_given",
                trigger_label="written notice to the officer",
                amount=10,
                unit="working_days",
                force="statute",
                source="Police (Conduct) Regulations 2020 reg 18 (believed 10 working days, extendable by the "
                "investigator; the 2015 predecessor, SI 2015/25 reg 20, has 10)",
                verification="U",
                effective_from=_CONDUCT_REGS,
            ),
            Timescale(
                code="M3",
                milestone="Information to the local policing body on an investigation over 12 months "
                "(then every 6 months)",
                # The first period is 12 months beginning with this day, so it ends the day before the anniversary
                # and the information falls due from the anniversary: not counting the trigger day gives that date.
                trigger="event:allegation_came_to_attention",
                trigger_label="allegation came to attention",
                amount=12,
                unit="months",
                force="statute",
                source="Police (Conduct) Regulations 2020 reg 19: as soon as practicable after each period; a copy to "
                "the officer subject to the harm test; not required where it might prejudice an investigation",
                verification="V",
                source_url="https://legislation.gov.uk/uksi/2020/4/regulation/19/data.html",
                completed_by_stage="investigation_report",  # finished within the period: no information is needed
                repeat_every=6,
                repeat_unit="months",
                repeat_from="anchor",  # periods from the same day: one late report does not move the next
                repeat_until_stage="investigation_report",
                effective_from=_CONDUCT_REGS,
            ),
            Timescale(
                code="M7",
                milestone="Officer's response to the notice of referral",
                trigger="event:documents_supplied",
                trigger_label="documents supplied to the officer",
                amount=15,
                unit="working_days",
                force="statute",
                source="Police (Conduct) Regulations 2020 reg 31(1)-(3) (the chair may extend for exceptional "
                "circumstances)",
                verification="V",
                source_url=_REG31,
                completed_by_stage="officer_response",
                effective_from=_CONDUCT_REGS,
            ),
            Timescale(
                code="M8",
                milestone="Witness lists exchanged",
                # Reaching "officer_response" is the officer complying with reg 31(2).
                trigger="stage:officer_response",
                trigger_label="officer's response",
                amount=3,
                unit="working_days",
                force="statute",
                source="Police (Conduct) Regulations 2020 reg 31(4)",
                verification="V",
                source_url=_REG31,
                completed_by_stage="witness_lists",
                effective_from=_CONDUCT_REGS,
            ),
            Timescale(
                code="M9",
                milestone="Misconduct pre-hearing held (when the chair decides to hold one)",
                trigger="event:documents_supplied_to_chair",
                trigger_label="documents supplied to the chair",
                amount=15,
                unit="working_days",
                force="statute",
                source="Police (Conduct) Regulations 2020 reg 33(1)-(3) (the chair may extend; the officer may propose "
                "a date up to 5 working days later). Waive it when no pre-hearing is held",
                verification="V",
                source_url="https://www.legislation.gov.uk/uksi/2020/4/regulation/33/made",
                completed_by_stage="pre_hearing",
                effective_from=_CONDUCT_REGS,
            ),
            Timescale(
                code="M10",
                milestone="Misconduct hearing held",
                trigger="stage:referred",
                trigger_label="notice of referral",
                amount=100,
                unit="working_days",
                force="statute",
                source="Often quoted as 100 working days from the regulation 30 notice; not found in the Police "
                "(Conduct) Regulations 2020 (reg 34 is the timing of a misconduct meeting)",
                verification="U",
                # DOMAIN's only address for this row is the 2009 instrument, as a historic comparison (20/30 working
                # days): linking it here would contradict the figure, so there is no source address.
                completed_by_stage="meeting_or_hearing",
                effective_from=_CONDUCT_REGS,
            ),
            Timescale(
                code="M12",
                milestone="Report of findings to the appropriate authority",
                # Reaching "outcome" (findings and outcome) is the completion of the proceedings.
                trigger="stage:outcome",
                trigger_label="completion of the proceedings",
                amount=5,
                unit="working_days",
                force="statute",
                source="Police (Conduct) Regulations 2020 regs 42-43 area (per a Police Federation summary); the "
                "officer is told of the outcome and the right of appeal as soon as reasonably practicable",
                verification="P",
                source_url="https://polfed.org/westmids/our-work/conduct-and-performance/complaints-and-misconduct/"
                "police-conduct-regulations-2020/outcome-of-misconduct-proceedings",
                effective_from=_CONDUCT_REGS,
            ),
        ),
    )
)

# Not seeded (considered, no computable clock):
#   M1   severity assessment, investigator and written notice "as soon as practicable" (regs 14, 15, 17).
#   M4   investigation report and the case-to-answer decision "as soon as practicable" (regs 21, 23).
#   M5   proceedings held while criminal proceedings are outstanding (reg 10): a pause, not a deadline.
#   M6   notice of referral "as soon as practicable" (reg 30).
#   M11  public notice of a hearing (regs 36, 39, 40): notice period not verified.
#   M13  panel composition: no duration.
#   M14  accelerated hearing (Part 5) and the Part 3A route for former officers: clocks not verified.
