"""IOPC investigation of police conduct (Police Reform Act 2002 Sch 3; Police (Complaints and Misconduct)
Regulations 2020). The mode of investigation is a detail, not a stage: the Director General may change it.
Suspension pending criminal proceedings is a pause (PCMR 2020 reg 41)."""

from coordination.kinds import ProcessKind, Stage, register

IOPC_INVESTIGATION = register(
    ProcessKind(
        key="iopc_investigation",
        label="IOPC investigation",
        short_label="IOPC investigation",
        description="The appropriate authority records and refers the matter; the IOPC decides whether and how "
        "it is investigated (local, directed, independent) or returns it to the appropriate authority.",
        owner_kinds=("iopc", "professional_standards"),
        details_model="investigations.IOPCInvestigationDetails",
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
    )
)
