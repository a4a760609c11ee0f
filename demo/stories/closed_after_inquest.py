"""Child A: a toddler's accidental death at home. Every process has ended, the inquest concluded, and the case is
closed."""

from coordination import services

from ..story import CORONER_OPENS, DEATH, RESPONDED, SUBMITTED, Story

ORDER = 1  # oldest incident first, so the case references run in incident order


def tell(w: Story) -> None:
    summary = "A 2-year-old died in hospital after a fall at home. A child-in-need plan had recently closed."
    case = w.open_case("Child A", DEATH, 650, 2, summary)
    w.identity(case, "Lily Ashworth", 2 * 365 + 40, "999012345", "4 Fern Row, Eastbridge NS3 2QT")
    w.notified(case, "CSINS-A-0117")
    decision = ("decided_no_further_review", "No sign of abuse or neglect; home-safety learning passed on.")
    w.rapid_review(case, SUBMITTED, RESPONDED, decision, panel_response="agreed")

    criminal = w.criminal(case, "DI Karen Shaw", "")
    w.walk(criminal, ("no_further_action", "Post-mortem consistent with an accidental fall; no suspect."))
    coronial = w.coronial(case, "NC-0211")
    w.walk(
        coronial,
        *CORONER_OPENS,
        ("hearing", "Inquest heard over one day."),
        ("conclusion", "Conclusion: accident."),
        ("closed", "No report to prevent future deaths needed."),
    )
    cdr = w.child_death_review(case)
    w.walk(
        cdr,
        ("joint_agency_response", "Joint agency response: home visit by the paediatrician and police."),
        ("investigations", "Waiting for the inquest."),
        ("review_meeting", "Child death review meeting held."),
        ("cdop_review", "Reviewed at the CDOP; death judged not preventable."),
        ("analysis_to_ncmd", "Analysis form sent to the NCMD."),
        ("closed", "Nothing further for the CDOP."),
    )
    note = "Every process has ended: the inquest concluded and the CDOP analysis went to the NCMD."
    services.case_close(actor=w.actor, case=case, note=note)
