"""Child I: an overdose after a delayed police response; the IOPC and misconduct processes have run their course."""

from ..story import HARM, RESPONDED, SUBMITTED, Story

ORDER = 9  # oldest incident first, so the case references run in incident order


def tell(w: Story) -> None:
    summary = "A 14-year-old took an overdose after the police response to a disclosure of abuse was delayed."
    case = w.open_case("Child I", HARM, 150, 2, summary)
    w.identity(case, "Chloe Armitage", 14 * 365 + 90, "999101234", "3 Quarry Hill, Saltmarsh NS5 2LW")
    w.notified(case, "CSINS-I-0790")
    decision = ("decided_other_learning", "Single-agency reviews by police and the school instead.")
    w.rapid_review(case, SUBMITTED, RESPONDED, decision, panel_response="agreed")
    iopc = w.add(
        case,
        "iopc_investigation",
        "iopc",
        10,
        lead="iopc",
        matter_type="complaint",
        referral="voluntary",
        mode="returned",
    )
    w.walk(
        iopc,
        ("referred", "The family's complaint referred by PSD."),
        ("assessment", "IOPC assessing."),
        ("returned", "Returned to the appropriate authority to handle."),
    )
    misconduct = w.add(case, "misconduct_proceedings", "psd", 40, lead="psd", officers_subject=1)
    w.walk(
        misconduct,
        ("severity_assessment", "Practice requiring improvement, not misconduct."),
        ("reflective_practice", "The officer will complete the reflective practice review process."),
    )
