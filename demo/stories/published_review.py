"""Child C: severe neglect. The LCSPR waited for the CPS's charging decision, then was published."""

from coordination import services

from ..story import FOR_LCSPR, HARM, WAITS_FOR, Story

ORDER = 3  # oldest incident first, so the case references run in incident order


def tell(w: Story) -> None:
    summary = "A 9-year-old was admitted to hospital with severe malnutrition after months out of school."
    case = w.open_case("Child C", HARM, 500, 3, summary)
    w.identity(case, "Maya Thornbury", 9 * 365 + 100, "999034567", "22 Orchard Way, Millbrook NS2 5HL")
    w.notified(case, "CSINS-C-0409")
    w.rapid_review(case, *FOR_LCSPR, panel_response="agreed")
    lcspr = w.lcspr(case, decided_after=28)
    criminal = w.criminal(case, "DI Leon Carver", "Child cruelty by neglect")
    hold = w.relate(
        WAITS_FOR,
        lcspr,
        criminal,
        from_activity="publication",
        awaited_event="CPS charging decision",
        reason="Publishing before a charging decision could prejudice a prosecution.",
        agreed_by="SIO and LCSPR chair",
        agreed_on=w.past_day(case, 40),
        review_on=w.past_day(case, 130),
    )
    w.walk(
        criminal,
        ("suspect_identified", "Both carers under investigation."),
        ("arrest_interview", "Carers interviewed under caution."),
        ("bail_or_rui", "Released under investigation."),
        ("file_to_cps", "File sent to the CPS."),
        ("no_further_action", "CPS: the evidential test is not met."),
    )
    reason = "CPS decided no further action; publication can no longer prejudice a trial."
    services.relationship_end(actor=w.actor, relationship=hold, reason=reason)
    w.walk(
        lcspr,
        ("reviewer_appointed", "Terms of reference agreed; independent reviewer appointed."),
        ("information_gathering", "Chronologies requested from six agencies."),
        ("practitioner_engagement", "Learning event held with practitioners."),
        ("family_engagement", "Reviewer met the child's grandparents."),
        ("analysis", "Analysis under way."),
        ("draft_report", "First draft shared with the partners."),
        ("quality_assurance", "Independent scrutineer reading the draft."),
        ("draft_report", "Sent back: the findings on school attendance need more evidence."),
        ("quality_assurance", "Revised draft back for quality assurance."),
        ("final_report_agreed", "Partners agreed the final report."),
        ("pre_publication_notice_sent", "Final report sent to the Panel and the Secretary of State."),
        ("published", "Published on the partnership website."),
        ("action_plan_monitoring", "Action plan monitored by the partnership's learning group."),
    )
