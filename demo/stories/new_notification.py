"""Child L: a head injury notified twelve days ago; the rapid review has just begun."""

from ..story import HARM, Story

ORDER = 12  # oldest incident first, so the case references run in incident order


def tell(w: Story) -> None:
    summary = "A 5-year-old was taken to hospital with a head injury. The school had reported bruising."
    case = w.open_case("Child L", HARM, 12, 1, summary)
    w.identity(case, "Sophie Whitlock", 5 * 365 + 60, "999145678", "15 Larch Avenue, Millbrook NS2 3BU")
    w.notified(case, "CSINS-L-0955")
    w.rapid_review(case)  # in progress: agency returns still coming in
