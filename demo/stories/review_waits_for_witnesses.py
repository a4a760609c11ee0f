"""Child H: a child with burns. The LCSPR's practitioner engagement waits until the police have taken witness
statements."""

from datetime import timedelta

from ..story import FOR_LCSPR, HARM, WAITS_FOR, Story

ORDER = 8  # oldest incident first, so the case references run in incident order


def tell(w: Story) -> None:
    summary = (
        "A 6-year-old was found to have burns when school staff noticed injuries. Two siblings are on child "
        "protection plans."
    )
    case = w.open_case("Child H", HARM, 200, 4, summary)
    w.identity(case, "Ruby Sinclair", 6 * 365 + 150, "999090123", "12 Hawthorn Close, Millbrook NS2 7TN")
    w.notified(case, "CSINS-H-0731")
    w.rapid_review(case, *FOR_LCSPR, panel_response="agreed")
    lcspr = w.lcspr(case, decided_after=30)
    w.walk(
        lcspr,
        ("reviewer_appointed", "Reviewer appointed."),
        ("information_gathering", "Chronologies in from the school, the trust and children's social care."),
        ("family_engagement", "Reviewer met the child's father."),
    )
    criminal = w.criminal(case, "DI Mark Fielding", "Cruelty to a person under 16")
    w.walk(
        criminal,
        ("suspect_identified", "The mother's partner identified."),
        ("arrest_interview", "Arrested and interviewed."),
        ("bail_or_rui", "Released on bail."),
    )
    w.relate(
        WAITS_FOR,
        lcspr,
        criminal,
        from_activity="practitioner engagement",
        awaited_event="SIO confirms school staff have given their witness statements",
        reason="School staff are prosecution witnesses; talking to them first risks contaminating evidence.",
        agreed_by="SIO and independent reviewer",
        agreed_on=w.past_day(case, 60),
        review_on=w.today + timedelta(days=21),
    )
