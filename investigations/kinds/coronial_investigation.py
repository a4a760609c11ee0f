"""Coronial investigation and inquest (Coroners and Justice Act 2009; Coroners (Inquests) Rules 2013).
Suspension at a prosecutor's request or on charge (Sch 1) is a pause, not a stage."""

from coordination.kinds import ProcessKind, Stage, register

CORONIAL_INVESTIGATION = register(
    ProcessKind(
        key="coronial_investigation",
        label="Coronial investigation and inquest",
        short_label="inquest",
        description="The coroner investigates the death, holds an inquest and may issue a report to prevent "
        "future deaths, a copy of which goes to the safeguarding partnership when the child was under 18.",
        owner_kinds=("coroner",),
        details_model="investigations.CoronialInvestigationDetails",
        stages=(
            Stage("death_reported", "Death reported to the coroner", next=("investigation_opened",)),
            Stage(
                "investigation_opened",
                "Investigation opened",
                next=("inquest_opened", "discontinued"),
                requires="The coroner opens an investigation once the death is reported.",
            ),
            Stage(
                "discontinued",
                "Investigation discontinued",
                closes=True,
                requires="Only an investigation without an inquest can be discontinued.",
            ),
            Stage(
                "inquest_opened",
                "Inquest opened",
                next=("pre_inquest_review", "hearing"),
                requires="The inquest opens during the coroner's investigation.",
            ),
            Stage(
                "pre_inquest_review",
                "Pre-inquest review",
                next=("pre_inquest_review_further", "hearing"),
                requires="A pre-inquest review is held once the inquest has opened.",
            ),
            Stage(
                "pre_inquest_review_further",
                "Further pre-inquest review",
                next=("hearing",),
                requires="A further review follows the first pre-inquest review.",
            ),
            Stage(
                "hearing",
                "Inquest hearing",
                next=("conclusion",),
                requires="The hearing follows the opening of the inquest and any pre-inquest reviews.",
            ),
            Stage(
                "conclusion",
                "Conclusion recorded",
                next=("pfd_report", "closed"),
                requires="The coroner records the conclusion at the end of the hearing.",
            ),
            Stage(
                "pfd_report",
                "Prevention of future deaths report issued",
                next=("pfd_responses",),
                requires="A report to prevent future deaths is made after the evidence is heard.",
            ),
            Stage(
                "pfd_responses",
                "Responses to the PFD report",
                next=("closed",),
                requires="Responses follow the report to prevent future deaths.",
            ),
            Stage(
                "closed",
                "Closed",
                closes=True,
                requires="The inquest closes after its conclusion or the PFD responses.",
            ),
        ),
    )
)
