"""Local child safeguarding practice review (Children Act 2004 s16F; SI 2018/789; Working Together 2023 ch.5).

The sub-stages follow the track in DOMAIN.md §5.1. Practitioner and family engagement may happen in
either order, and quality assurance may send a draft back. A hold on publication is a pause, not a stage.
"""

from coordination.kinds import ProcessKind, Stage, register

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
    )
)
