"""Police misconduct proceedings (Police (Conduct) Regulations 2020). Proceedings are held while criminal
proceedings are outstanding (reg 10): that is a pause, not a stage."""

from coordination.kinds import ProcessKind, Stage, register

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
    )
)
