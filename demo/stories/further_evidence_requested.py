"""Child K: unexplained fractures in an infant. The Panel challenged the rapid review and asked for more."""

from ..story import HARM, SUBMITTED, Story

ORDER = 11  # oldest incident first, so the case references run in incident order


def tell(w: Story) -> None:
    summary = "A 10-week-old was admitted with fractures of different ages. No explanation was given."
    case = w.open_case("Child K", HARM, 45, 2, summary)
    w.identity(case, "Leo Fairbanks", 70, "999134567", "Flat 5, 2 Church Walk, Eastbridge NS3 1AZ")
    w.notified(case, "CSINS-K-0902")
    challenged = ("panel_responded", "The Panel challenged the view that no LCSPR is needed.")
    w.rapid_review(case, SUBMITTED, challenged, panel_response="challenged")
    criminal = w.criminal(case, "DI Anna Rowe", "Grievous bodily harm; cruelty to a person under 16")
    w.walk(
        criminal,
        ("suspect_identified", "Both parents under investigation."),
        ("arrest_interview", "Parents interviewed under caution."),
        ("bail_or_rui", "Released on bail; the baby is placed with grandparents."),
        ("file_to_cps", "File sent for early advice."),
        ("further_evidence", "The CPS asked for an independent paediatric radiology opinion."),
    )
