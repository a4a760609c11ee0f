"""Serious incident notification: the local authority tells the Panel (Children Act 2004 s16C(1)).

Timescales are seeds for the TimescaleRule table; a partnership corrects them there.
"""

from coordination.kinds import Event, ProcessKind, Stage, Timescale, register

from ..working_together import WT2023, as_in_working_together_2018

_DARLINGTON = (
    "https://darlington-safeguarding-partnership.co.uk/professionals/working-with-children/"
    "child-protection-procedures/local-child-safeguarding-practice-review-lcspr"
)

_L1 = Timescale(
    code="L1",
    milestone="Serious incident notification to the Panel",
    trigger="case:la_aware_date",
    trigger_label="local authority aware",
    amount=5,
    unit="working_days",
    # The duty is statutory (s16C(1)); the 5 working days are statutory guidance, and it is the
    # time limit this rule carries.
    force="statutory_guidance",
    source="Children Act 2004 s16C(1) (duty); Working Together 2023 ch.5 (5 working days), "
    "as repeated by local procedures",
    verification="P",
    source_url=_DARLINGTON,
    completed_by_stage="notified",
    effective_from=WT2023,
)

_L2 = Timescale(
    code="L2",
    milestone="Incident reported to the safeguarding partners (and other areas' partners where relevant)",
    trigger="case:la_aware_date",
    trigger_label="local authority aware",
    amount=5,
    unit="working_days",
    force="guidance",
    source="Working Together 2023 ch.5 (via local procedures: Darlington, North East Lincolnshire)",
    verification="P",
    source_url=_DARLINGTON,
    effective_from=WT2023,
)

_L3 = Timescale(
    code="L3",
    milestone="Death of a looked-after child notified to the Panel, the Secretary of State and Ofsted",
    trigger="event:looked_after_child_death",
    trigger_label="death of the looked-after child",
    amount=5,
    unit="working_days",
    # The duty to notify is set by law (the Children Act 1989 looked-after-child framework); which provision, and the 5
    # working days (the same route and clock as L1 per local procedures), are unverified.
    force="statute",
    source="Working Together 2023 ch.5 and the Children Act 1989 looked-after-child framework "
    "(older local procedures cite the Care Planning, Placement and Case Review Regs 2010 and "
    "CA 1989 Sch 2 para 20); 5 working days per local procedures",
    verification="U",
    source_url="https://nelincsscp.trixonline.co.uk/chapter/child-safeguarding-practice-reviews",
    # Not completed by "notified": that stage is the Panel only, not the Secretary of State and Ofsted.
    effective_from=WT2023,
)


SERIOUS_INCIDENT_NOTIFICATION = register(
    ProcessKind(
        key="serious_incident_notification",
        label="Serious incident notification",
        short_label="notification",
        description="The local authority notifies the Child Safeguarding Practice Review Panel of a serious "
        "incident through the Child Safeguarding Incident Notification System, and tells the safeguarding partners.",
        owner_kinds=("local_authority",),
        details_model="reviews.SeriousIncidentNotificationDetails",
        stages=(
            Stage("incident_identified", "Incident identified", next=("notified", "not_notifiable")),
            Stage(
                "notified",
                "Notified to the Panel",
                closes=True,
                requires="Only an identified incident can be notified.",
            ),
            Stage(
                "not_notifiable",
                "Decided not notifiable",
                closes=True,
                requires="Record the decision while the incident is being considered.",
            ),
        ),
        events=(
            # Recorded only when the child was looked after: it starts L3, which goes beyond the Panel.
            Event("looked_after_child_death", "Death of a looked-after child"),
        ),
        timescales=(
            _L1,
            _L2,
            _L3,
            as_in_working_together_2018(
                _L1,
                source="Children Act 2004 s16C(1) (duty); Working Together 2018 ch.4 (5 working days), unchanged "
                "by the 2020 relaxation per the Trafford safeguarding partnership",
            ),
            as_in_working_together_2018(
                _L2, source="Working Together 2018 ch.4, as repeated by local procedures of the time"
            ),
            as_in_working_together_2018(
                _L3,
                source="Working Together 2018 ch.4 and the Children Act 1989 looked-after-child framework (Care "
                "Planning, Placement and Case Review Regs 2010; CA 1989 Sch 2 para 20); 5 working days per local "
                "procedures",
                verification="U",
            ),
        ),
    )
)

# Not seeded (considered, no computable clock):
#   L3a  death in a regulated setting: the registered person notifies Ofsted and others "without delay"
#        (Children's Homes (England) Regs 2015 reg 40): no day count, and the duty is the provider's.
#   L13  referral into the partnership "as soon as it is apparent" the criteria may be met: no day count.
