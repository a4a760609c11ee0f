"""Local child safeguarding practice review (Children Act 2004 s16F; SI 2018/789; Working Together 2023 ch.5).

The sub-stages follow the review as Working Together 2023 ch.5 and the Panel's guidance describe it. Practitioner
and family engagement may happen in either order, and quality assurance may send a draft back. A hold on
publication is a pause, not a stage.
Timescales are seeds for the TimescaleRule table; a partnership corrects them there.
"""

from coordination.kinds import ProcessKind, Stage, Timescale, register

from ..working_together import WT2023

_TRAFFORD = "https://www.traffordsafeguardingpartnership.org.uk/About-us/News/2020/Child-Safeguarding-Practice-Reviews-update.aspx"

LCSPR = register(
    ProcessKind(
        key="lcspr",
        label="Local child safeguarding practice review",
        short_label="LCSPR",
        description="The safeguarding partners commission an independent reviewer to find what can be learned "
        "and improved; the report is published, normally within 6 months of the decision to review.",
        owner_kinds=("local_authority", "icb", "police_force"),
        details_model="reviews.LCSPRDetails",
        stages=(
            Stage("commissioning", "Commissioning", next=("reviewer_appointed",)),
            Stage(
                "reviewer_appointed",
                "Reviewer appointed",
                next=("information_gathering",),
                requires="Terms of reference come first, with the parallel processes checked.",
            ),
            Stage(
                "information_gathering",
                "Information gathering",
                next=("practitioner_engagement", "family_engagement", "analysis"),
                requires="A reviewer has to be appointed first.",
            ),
            Stage(
                "practitioner_engagement",
                "Practitioner engagement",
                next=("family_engagement", "analysis"),
                requires="Practitioners are engaged once agency information has been gathered.",
            ),
            Stage(
                "family_engagement",
                "Family engagement",
                next=("practitioner_engagement", "analysis"),
                requires="The family is engaged once agency information has been gathered.",
            ),
            Stage(
                "analysis",
                "Analysis",
                next=("draft_report",),
                requires="Analysis follows information gathering and engagement.",
            ),
            Stage(
                "draft_report",
                "Draft report",
                next=("quality_assurance",),
                requires="A draft follows analysis.",
            ),
            Stage(
                "quality_assurance",
                "Quality assurance",
                next=("draft_report", "final_report_agreed"),
                requires="Quality assurance is of a draft report.",
            ),
            Stage(
                "final_report_agreed",
                "Final report agreed",
                next=("pre_publication_notice_sent",),
                requires="The partners agree the final report after quality assurance.",
            ),
            Stage(
                "pre_publication_notice_sent",
                "Final report sent to the Panel and Secretary of State",
                next=("published", "summary_published"),
                requires="Only an agreed final report is sent to the Panel and the Secretary of State.",
            ),
            Stage(
                "published",
                "Published",
                next=("action_plan_monitoring",),
                requires="Publication comes after the final report is agreed and has been sent to the Panel and "
                "the Secretary of State at least 7 working days before (Working Together 2023 ch.5).",
            ),
            Stage(
                "summary_published",
                "Summary of improvements published",
                next=("action_plan_monitoring",),
                requires="Publication comes after the final report is agreed and has been sent to the Panel and "
                "the Secretary of State at least 7 working days before (Working Together 2023 ch.5).",
            ),
            Stage(
                "action_plan_monitoring",
                "Action plan monitoring",
                next=("learning_disseminated",),
                requires="The action plan is monitored after publication.",
            ),
            Stage(
                "learning_disseminated",
                "Learning disseminated",
                next=("closed",),
                requires="Learning is disseminated once the action plan is being monitored.",
            ),
            Stage(
                "closed",
                "Closed",
                closes=True,
                requires="The review closes once its learning is disseminated.",
            ),
        ),
        timescales=(
            Timescale(
                code="L9",
                milestone="LCSPR completed and published",
                trigger="date:decision_date",
                trigger_label="decision to review",
                amount=6,
                unit="months",
                force="statutory_guidance",
                source="Working Together 2023 ch.5; Panel guidance for safeguarding partners. The CPS/NPCC protocol "
                "calls it a statutory obligation, but it rests on statutory guidance",
                verification="P",
                source_url="https://cps.gov.uk/node/13469",
                # A summary of improvements published instead ("summary_published") has to be marked met by hand:
                # a rule names one completing stage.
                completed_by_stage="published",
                effective_from=WT2023,
            ),
            Timescale(
                code="L10",
                milestone="Final report sent to the Panel and the Secretary of State",
                trigger="date:planned_publication_date",
                trigger_label="planned publication",
                amount=7,
                unit="working_days",
                force="statutory_guidance",
                source="Working Together 2023 ch.5 (wording not retrieved); advance notice confirmed by the Trafford "
                "safeguarding partnership, the 7 working days not",
                verification="U",
                source_url=_TRAFFORD,
                direction="before",
                # Counted back, a send-by date must never move later.
                roll="previous",
                completed_by_stage="pre_publication_notice_sent",
                effective_from=WT2023,
            ),
        ),
    )
)

# Not seeded (considered, no computable clock):
#   L7   criteria for the LCSPR decision (SI 2018/789 reg 11): no duration.
#   L8   partners monitor time and quality "at regular intervals" (reg 14): no fixed interval; a partnership can
#        add a local review reminder.
#   L11  publication of the report or of the improvements: clock not verified (believed s16F / SI 2018/789 Part 3).
#   L12  action plan and the partnership's yearly report: a 12-month cycle tied to the partnership's reporting
#        year, which no field records, not a clock from publication; a deadline 12 months after publication would
#        invent a duty.
