"""Child F: a sudden infant death while co-sleeping, decided not notifiable: the coroner and the child death review."""

from ..story import CORONER_OPENS, DEATH, Story

ORDER = 6  # oldest incident first, so the case references run in incident order


def tell(w: Story) -> None:
    summary = "A 3-month-old died unexpectedly while sharing a bed with a parent, soon after a move."
    case = w.open_case("Child F", DEATH, 300, 1, summary)
    w.identity(case, "Freddie Holloway", 95, "999078901", "6 Willow Court, Eastbridge NS3 9PB")
    sin = w.add(case, "serious_incident_notification", "council", 1, lead="manager")
    w.walk(sin, ("not_notifiable", "Partners agreed: no known or suspected abuse or neglect."))
    coronial = w.coronial(case, "NC-0655")
    w.walk(
        coronial,
        *CORONER_OPENS,
        ("pre_inquest_review", "Pre-inquest review: the scope includes safe-sleep advice."),
        ("hearing", "Inquest heard."),
        ("conclusion", "Narrative conclusion recorded."),
        ("pfd_report", "Report to prevent future deaths sent to the ICB and the partnership (safe sleep)."),
    )
    cdr = w.child_death_review(case, owner="icb")
    w.walk(
        cdr,
        ("joint_agency_response", "Joint agency response: home visit the next day."),
        ("investigations", "Waiting for the inquest."),
        ("review_meeting", "Child death review meeting held after the inquest."),
    )
