"""Child death review (Children Act 2004 as amended; Child Death Review Statutory and Operational Guidance 2018)."""

from coordination.kinds import ProcessKind, Stage, register

CHILD_DEATH_REVIEW = register(
    ProcessKind(
        key="child_death_review",
        label="Child death review",
        short_label="child death review",
        description="The child death review partners (local authority and ICB) review every child's death "
        "through a child death review meeting and the child death overview panel (CDOP).",
        owner_kinds=("local_authority", "icb"),
        details_model="reviews.ChildDeathReviewDetails",
        stages=(
            Stage("notified_to_cdop", "Notified to the CDOP", next=("joint_agency_response", "investigations")),
            Stage(
                "joint_agency_response",
                "Joint agency response",
                next=("investigations",),
                requires="A joint agency response starts from the death's notification.",
            ),
            Stage(
                "investigations",
                "Awaiting investigations",
                next=("review_meeting",),
                requires="The death must first be notified to the CDOP.",
            ),
            Stage(
                "review_meeting",
                "Child death review meeting",
                next=("cdop_review",),
                requires="The review meeting follows the investigations (inquest, criminal, LCSPR).",
            ),
            Stage(
                "cdop_review",
                "CDOP review",
                next=("analysis_to_ncmd",),
                requires="The CDOP reviews after the child death review meeting.",
            ),
            Stage(
                "analysis_to_ncmd",
                "Analysis sent to the NCMD",
                next=("closed",),
                requires="The analysis goes to the National Child Mortality Database after the CDOP review.",
            ),
            Stage(
                "closed",
                "Closed",
                closes=True,
                requires="The review closes once the analysis is sent to the NCMD.",
            ),
        ),
    )
)
