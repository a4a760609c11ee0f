"""IOPC investigation of police conduct (Police Reform Act 2002 Sch 3; Police (Complaints and Misconduct)
Regulations 2020). The mode of investigation is a detail, not a stage: the Director General may change it.
Suspension pending criminal proceedings is a pause (PCMR 2020 reg 41).

Timescales are seeds for the TimescaleRule table; they are corrected there, not here.
"""

from coordination.kinds import Event, ProcessKind, Stage, Timescale, register

_PCMR = "2020-02-01"  # Police (Complaints and Misconduct) Regulations 2020 came into force
_REG34 = "http://www.legislation.gov.uk/uksi/2020/2/regulation/34/made"
_REG34_OUTCOME = "PCMR 2020 reg 34(2)(b), made under Police Reform Act 2002 ss20(5), 21(10)"

IOPC_INVESTIGATION = register(
    ProcessKind(
        key="iopc_investigation",
        label="IOPC investigation",
        short_label="IOPC investigation",
        description="The appropriate authority records and refers the matter; the IOPC decides whether and how "
        "it is investigated (local, directed, independent) or returns it to the appropriate authority.",
        owner_kinds=("iopc", "professional_standards"),
        details_model="investigations.IOPCInvestigationDetails",
        # The IOPC's working detail is for the IOPC and the appropriate authority (PRA 2002 Sch 3 para 22).
        detail_readers=("iopc", "professional_standards"),
        stages=(
            Stage("matter_recorded", "Matter recorded by the appropriate authority", next=("referred",)),
            Stage(
                "referred",
                "Referred to the IOPC",
                next=("assessment",),
                requires="The appropriate authority records the matter before referring it.",
            ),
            Stage(
                "assessment",
                "IOPC assessment",
                next=("investigation", "returned"),
                requires="The IOPC assesses a matter once it has been referred.",
            ),
            Stage(
                "returned",
                "Returned to the appropriate authority",
                closes=True,
                requires="Only the IOPC's assessment can return the matter.",
            ),
            Stage(
                "investigation",
                "Investigation",
                next=("report_submitted",),
                requires="An investigation starts after the IOPC has decided its mode.",
            ),
            Stage(
                "report_submitted",
                "Final report submitted",
                next=("decisions_made",),
                requires="The final report follows the investigation.",
            ),
            Stage(
                "decisions_made",
                "Decisions on the report",
                next=("aa_response",),
                requires="Decisions (referral to the CPS, case to answer) are made on a submitted report.",
            ),
            Stage(
                "aa_response",
                "Appropriate authority's response",
                next=("outcome_notified",),
                requires="The appropriate authority responds to the decisions on the report.",
            ),
            Stage(
                "outcome_notified",
                "Outcome notified",
                next=("review_window", "closed"),
                requires="The outcome is notified once decisions and the appropriate authority's response are in.",
            ),
            Stage(
                "review_window",
                "Review window open",
                next=("closed",),
                requires="A complainant may apply for a review after the outcome is notified.",
            ),
            Stage(
                "closed",
                "Closed",
                closes=True,
                requires="The investigation closes after the outcome is notified.",
            ),
        ),
        events=(
            Event(
                "matter_came_to_attention",
                "Complaint made, or matter came to the appropriate authority's attention",
            ),
            Event("referral_duty_arose", "It became clear the matter must be referred to the IOPC"),
            Event("handling_started", "Handling of the complaint or matter started"),
            Event("outcome_decided", "Outcome of the handling decided"),
            Event("criminal_proceedings_outcome", "Outcome of related criminal proceedings"),
            Event("criminal_appeal_brought", "Appeal against the outcome of the criminal proceedings brought"),
            Event("criminal_appeal_outcome", "Outcome of the appeal in the criminal proceedings"),
        ),
        timescales=(
            Timescale(
                code="I2",
                milestone="Matter referred to the IOPC",
                trigger="event:referral_duty_arose",
                trigger_label="the matter had to be referred",
                amount=1,
                unit="calendar_days",
                force="statute",
                source="Police Reform Act 2002 Sch 3 paras 4, 13, 14C; PCMR 2020 regs 4, 7, 9 (referral categories). "
                "Clock believed to be the end of the next day (2015 IPCC statutory guidance); not verified",
                verification="U",
                source_url="http://www.legislation.gov.uk/uksi/2020/2/regulation/4",
                # "The day after" read literally: moving a one-day clock over a weekend would triple it.
                roll="none",
                completed_by_stage="referred",
                effective_from=_PCMR,
            ),
            Timescale(
                code="I5",
                milestone="Progress update to the complainant and interested persons",
                trigger="event:handling_started",
                trigger_label="start of handling",
                amount=4,
                unit="weeks",
                force="statute",
                source="PCMR 2020 reg 34(2)(a), made under Police Reform Act 2002 ss20(5), 21(10): within four weeks "
                "of the start of handling, then within four weeks of the previous notification",
                verification="V",
                source_url=_REG34,
                # "Within four weeks": a date on a non-working day moves back, so no two updates are more than
                # 28 days apart, and each counts from the day the previous update was actually given.
                roll="previous",
                completed_by_stage="outcome_notified",  # the outcome letter supersedes the next progress update
                repeat_every=4,
                repeat_unit="weeks",
                repeat_from="completion",
                repeat_until_stage="outcome_notified",
                effective_from=_PCMR,
            ),
            Timescale(
                code="I6",
                milestone="Outcome of the handling notified to the complainant and interested persons",
                trigger="event:outcome_decided",
                trigger_label="outcome",
                amount=5,
                unit="working_days",
                force="statute",
                source=_REG34_OUTCOME,
                verification="V",
                source_url=_REG34,
                completed_by_stage="outcome_notified",
                effective_from=_PCMR,
            ),
            Timescale(
                code="I6-CRIM",
                milestone="Outcome of related criminal proceedings notified to the complainant and interested persons",
                trigger="event:criminal_proceedings_outcome",
                trigger_label="outcome of the criminal proceedings",
                amount=5,
                unit="working_days",
                force="statute",
                source=f"{_REG34_OUTCOME}; reg 33(2)(c)",
                verification="V",
                source_url=_REG34,
                effective_from=_PCMR,
            ),
            Timescale(
                code="I6-APPEAL",
                milestone="Appeal in the criminal proceedings notified to the complainant and interested persons",
                trigger="event:criminal_appeal_brought",
                trigger_label="bringing of the appeal",
                amount=5,
                unit="working_days",
                force="statute",
                source=f"{_REG34_OUTCOME}; reg 33(2)(d)",
                verification="V",
                source_url=_REG34,
                effective_from=_PCMR,
            ),
            Timescale(
                code="I6-APPEAL-OUTCOME",
                milestone="Outcome of the criminal appeal notified to the complainant and interested persons",
                trigger="event:criminal_appeal_outcome",
                trigger_label="outcome of the appeal",
                amount=5,
                unit="working_days",
                force="statute",
                source=f"{_REG34_OUTCOME}; reg 33(2)(d)",
                verification="V",
                source_url=_REG34,
                effective_from=_PCMR,
            ),
            Timescale(
                code="I7",
                milestone="Report on an investigation not finished within 12 months (then every 6 months)",
                # The first period is 12 months beginning with this day, so it ends the day before the anniversary
                # and the report falls due from the anniversary: not counting the trigger day gives that date.
                trigger="event:matter_came_to_attention",
                trigger_label="complaint made or matter came to attention",
                amount=12,
                unit="months",
                force="statute",
                source="PCMR 2020 reg 13: to the local policing body and the Director General (local) or the local "
                "policing body and the chief officer (directed, independent), as soon as practicable after each "
                "period; omitted where it might prejudice an investigation",
                verification="V",
                source_url="http://www.legislation.gov.uk/uksi/2020/2/regulation/13/made",
                completed_by_stage="report_submitted",  # finished before the period ends: no report is needed
                repeat_every=6,
                repeat_unit="months",
                # Periods of 12 and then 6 months from the same day: a report given late, or on a date rolled off a
                # weekend, does not move the next period's end.
                repeat_from="anchor",
                repeat_until_stage="report_submitted",
                effective_from=_PCMR,
            ),
            Timescale(
                code="I12",
                milestone="Complainant's window to apply for a review of the outcome ends",
                trigger="stage:outcome_notified",
                trigger_label="outcome letter",
                amount=28,
                unit="calendar_days",
                force="statute",
                source="Police Reform Act 2002 Sch 3 paras 6A, 25; PCMR 2020 reg 34(4) (right to be told of the "
                "review and its time limit). 28 days believed, not verified",
                verification="U",
                source_url=_REG34,
                # Nobody has to act by this date; it says when the outcome stands unless a review was applied for.
                # Closing the process meets it.
                completed_by_stage="closed",
                effective_from=_PCMR,
            ),
        ),
    )
)

# Not seeded (considered, no computable clock):
#   I1   recording the matter (and preserving evidence for a DSI matter) "as soon as practicable".
#   I3   the IOPC's decision on whether and how to investigate: no statutory clock found.
#   I4   telling the complainant and interested persons of the mode decision "promptly".
#   I8   final report and the Director General's decisions: no statutory clock found.
#   I9   harm test; I10 sensitive information (s21A): conditions on disclosure, not durations.
#   I11  suspension pending criminal proceedings and resumption: a pause (PCMR 2020 reg 41), not a deadline.
