"""Child G: a teenager assaulted after going missing. The LCSPR is informed by the IOPC's investigation of the
police response to the missing report."""

from ..story import FOR_LCSPR, HARM, INFORMS, Story

ORDER = 7  # oldest incident first, so the case references run in incident order


def tell(w: Story) -> None:
    summary = (
        "A 15-year-old was seriously assaulted after going missing from home. A missing report had been made "
        "to police earlier that day."
    )
    case = w.open_case("Child G", HARM, 260, 2, summary)
    w.identity(case, "Jayden Moss", 15 * 365 + 20, "999089012", "48 Canal Street, Kettlewick NS7 4EE")
    w.notified(case, "CSINS-G-0688")
    w.rapid_review(case, *FOR_LCSPR, panel_response="agreed")
    lcspr = w.lcspr(case, decided_after=28)
    w.walk(lcspr, ("reviewer_appointed", "Independent reviewer appointed; terms of reference agreed."))

    criminal = w.criminal(case, "DI Anna Rowe", "Grievous bodily harm with intent")
    w.walk(
        criminal,
        ("suspect_identified", "Two adults identified from CCTV."),
        ("arrest_interview", "Both arrested and interviewed."),
        ("bail_or_rui", "Both on bail, with conditions not to contact the child."),
    )

    # A directed investigation is carried out by the force's own PSD under the IOPC's direction.
    iopc = w.add(
        case,
        "iopc_investigation",
        "psd",
        5,
        lead="psd",
        matter_type="conduct",
        referral="voluntary",
        mode="directed",
        iopc_reference="IOPC-DEMO-0077",
    )
    w.walk(
        iopc,
        ("referred", "Voluntary referral about the handling of the missing report."),
        ("assessment", "IOPC assessing."),
        ("investigation", "The Director General directed PSD to investigate."),
        ("report_submitted", "Investigation report submitted."),
        ("decisions_made", "Case to answer for misconduct for one officer on the risk assessment."),
    )
    misconduct = w.add(
        case,
        "misconduct_proceedings",
        "psd",
        150,
        lead="psd",
        officers_subject=1,
        severity="misconduct",
        proceedings_form="meeting",
    )
    w.walk(
        misconduct,
        ("severity_assessment", "Assessed as misconduct."),
        ("investigation", "Investigated within the directed investigation."),
        ("investigation_report", "Report received."),
        ("case_to_answer_decision", "The appropriate authority decided there is a case to answer."),
        ("referred", "Referred to a misconduct meeting; regulation 30 notice served."),
        ("officer_response", "Waiting for the officer's response."),
    )
    w.relate(
        INFORMS,
        iopc,
        lcspr,
        from_activity="learning on the missing-person risk assessment",
        reason="The reviewer will receive the investigation's learning recommendations.",
    )
