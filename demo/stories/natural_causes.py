"""Child E: an unexpected death from a known heart condition: the child death review and the coroner only."""

from ..story import DEATH, Story

ORDER = 5  # oldest incident first, so the case references run in incident order


def tell(w: Story) -> None:
    summary = "A 13-year-old with a heart condition died unexpectedly in hospital. No known concerns."
    case = w.open_case("Child E", DEATH, 360, 2, summary)
    w.identity(case, "Isla Brennan", 13 * 365 + 50, "999067890", "31 Station Road, Upper Fenby NS8 3JW")
    cdr = w.child_death_review(case, owner="icb", jar=False)
    w.walk(
        cdr,
        ("investigations", "Waiting for the post-mortem."),
        ("review_meeting", "Child death review meeting held at the hospital."),
        ("cdop_review", "Reviewed at the CDOP."),
        ("analysis_to_ncmd", "Analysis form sent to the NCMD."),
    )
    coronial = w.coronial(case, "NC-0602")
    w.walk(
        coronial,
        ("investigation_opened", "Post-mortem examination ordered."),
        ("discontinued", "Post-mortem showed death from natural causes; investigation discontinued."),
    )
