"""Rapid review: the partners' first look at what happened, sent to the Panel (Working Together 2023 ch.5)."""

from coordination.kinds import ProcessKind, Stage, register

_DECIDE = "The partners decide once the Panel has responded to the rapid review."
_DECISIONS = (
    "decided_lcspr",
    "decided_national_review",
    "decided_no_further_review",
    "decided_other_learning",
)

RAPID_REVIEW = register(
    ProcessKind(
        key="rapid_review",
        label="Rapid review",
        short_label="rapid review",
        description="The safeguarding partners gather the facts, decide whether a local child safeguarding "
        "practice review is needed, and send the rapid review to the Panel. A rapid review needs a prior "
        "serious incident notification.",
        owner_kinds=("local_authority", "icb", "police_force"),
        details_model="reviews.RapidReviewDetails",
        stages=(
            Stage("in_progress", "In progress", next=("submitted_to_panel",)),
            Stage(
                "submitted_to_panel",
                "Submitted to the Panel",
                next=("panel_responded",),
                requires="The rapid review is submitted once it is complete.",
            ),
            Stage(
                "panel_responded",
                "Panel response received",
                next=_DECISIONS,
                requires="The Panel responds to a rapid review that has been submitted to it.",
            ),
            Stage("decided_lcspr", "Decided: local review (LCSPR)", closes=True, requires=_DECIDE),
            Stage(
                "decided_national_review",
                "Decided: national review by the Panel",
                closes=True,
                requires=_DECIDE,
            ),
            Stage("decided_no_further_review", "Decided: no further review", closes=True, requires=_DECIDE),
            Stage("decided_other_learning", "Decided: other learning review", closes=True, requires=_DECIDE),
        ),
    )
)
