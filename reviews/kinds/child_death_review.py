"""Child death review (Children Act 2004 as amended; Child Death Review Statutory and Operational Guidance 2018).

No timescale is seeded: see the note at the end.
"""

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

# No events or timescales are seeded for this kind. Considered:
#   D1  Child Death Notification to the CDOP "within 24 hours" (some local procedures; the national 2018 figure is
#       not verified). Not seeded: 24 hours is not a day count, and turning it into 1 working day would invent a
#       rule; the kind starts at "notified_to_cdop", so the portal holds no earlier state in which the clock could
#       run; and the case's incident date is not always the date of death. A partnership can add a local rule.
#   D2  joint agency response "immediate": no day count.
#   D3  review meeting, CDOP review and NCMD analysis after the investigations: clocks not verified.
