"""Rapid review: the partners' first look at what happened, sent to the Panel (Working Together 2023 ch.5).

Timescales are seeds for the TimescaleRule table; a partnership corrects them there.
"""

from coordination.kinds import ProcessKind, Stage, Timescale, register

from ..working_together import TRAFFORD_2020, WT2023, as_in_working_together_2018

_DECIDE = "The partners decide once the Panel has responded to the rapid review."
_DECISIONS = (
    "decided_lcspr",
    "decided_national_review",
    "decided_no_further_review",
    "decided_other_learning",
)

_L4_SOURCE = "Working Together 2023 ch.5; Panel guidance for safeguarding partners (15 working days)"
_L4_MILESTONE = "Rapid review completed and sent to the Panel"

# L4: sources disagree on when the 15 working days start (Trafford: awareness; Cambridgeshire: the notification), so
# there are two rules in one alternative group and each partnership chooses. The default is the notification
# (Cambridgeshire); the alternative counts from awareness (Trafford: "partners becoming aware"), for which the local
# authority's awareness date on the case stands in.
_L4 = Timescale(
    code="L4",
    milestone=_L4_MILESTONE,
    trigger="case:la_aware_date",
    trigger_label="local authority aware",
    amount=15,
    unit="working_days",
    force="guidance",
    source=f"{_L4_SOURCE}; clock from the partners becoming aware (Trafford safeguarding partnership). "
    "A Panel/DfE Covid-era note called it a non-statutory expectation",
    verification="P",  # 15 WD verified, the trigger only partly
    source_url=TRAFFORD_2020,
    completed_by_stage="submitted_to_panel",
    alternative_group="rapid_review_start",
    effective_from=WT2023,
)

_L4_SIN = Timescale(
    code="L4-SIN",
    milestone=_L4_MILESTONE,
    # The notification is a process of its own: its clock starts when that process reaches "notified".
    trigger="process:serious_incident_notification:notified",
    trigger_label="notification",
    amount=15,
    unit="working_days",
    force="guidance",
    source=f"{_L4_SOURCE}; clock from the date the notification was sent to the Panel "
    "(Cambridgeshire and Peterborough safeguarding partnership)",
    verification="P",  # 15 WD verified, the trigger only partly
    source_url="https://www.safeguardingcambspeterborough.org.uk/children-board/serious-case-reviews",
    completed_by_stage="submitted_to_panel",
    alternative_group="rapid_review_start",
    default_alternative=True,
    effective_from=WT2023,
)

_L5 = Timescale(
    code="L5",
    milestone="Panel responds to the rapid review",
    trigger="stage:submitted_to_panel",
    trigger_label="submission to the Panel",
    amount=10,
    unit="calendar_days",
    # "About 10 days" from one partnership's procedures; no official figure. The Panel's own clock,
    # kept so the partners can see when to chase.
    force="local",
    source='Local practice (Kent partnership procedures): "about 10 days"; no official figure',
    verification="U",
    source_url="https://www.kscmp.org.uk/procedures/safeguarding-practice-reviews/the-scr-process",
    completed_by_stage="panel_responded",
)

_L4_2018_SOURCE = (
    "Working Together 2018 ch.4; Panel guidance for safeguarding partners (15 working days, stated by the Trafford "
    "safeguarding partnership in 2020)"
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
        timescales=(
            _L4,
            _L4_SIN,
            _L5,
            as_in_working_together_2018(_L4, source=_L4_2018_SOURCE + "; clock from the partners becoming aware"),
            as_in_working_together_2018(_L4_SIN, source=_L4_2018_SOURCE + "; clock from the notification"),
        ),
    )
)

# Not seeded (considered, no clock):
#   L4a  a rapid review needs a prior notification and follows one unless the criteria are later found not met:
#        a dependency, not a duration.
#   L6   rapid review outcome recorded (three outcomes): no duration; the decision stages record it.
