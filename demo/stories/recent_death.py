"""Child J: a drowning three months ago, with the notification, rapid review, child death review, inquest and
criminal investigation under way."""

from ..story import DEATH, SUBMITTED, Story

ORDER = 10  # oldest incident first, so the case references run in incident order


def tell(w: Story) -> None:
    summary = "A 2-year-old drowned in a garden pond. Health visiting had raised concerns about supervision."
    case = w.open_case("Child J", DEATH, 90, 1, summary)
    w.identity(case, "Alfie Dunmore", 2 * 365 + 120, "999112345", "27 Meadow Bank, Upper Fenby NS8 6GX")
    w.notified(case, "CSINS-J-0844")
    w.rapid_review(case, SUBMITTED)
    cdr = w.child_death_review(case)
    w.walk(cdr, ("joint_agency_response", "Joint agency response started."))
    coronial = w.coronial(case, "NC-0871")
    w.walk(coronial, ("investigation_opened", "Post-mortem examination ordered."))
    criminal = w.criminal(case, "DI Karen Shaw", "Child neglect (under investigation)")
    w.walk(criminal, ("suspect_identified", "The adult supervising at the time is under investigation."))
