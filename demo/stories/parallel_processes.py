"""Child D: a death after two police attendances. The criminal investigation, the IOPC's, misconduct proceedings,
the inquest, the LCSPR and the child death review run side by side, holding for the trial where they must."""

from datetime import timedelta

from ..story import CORONER_OPENS, DEATH, FOR_LCSPR, INFORMS, WAITS_FOR, Story

ORDER = 4  # oldest incident first, so the case references run in incident order


def tell(w: Story) -> None:
    summary = (
        "A 4-year-old was found unresponsive at home and died. Police had attended the address twice in the "
        "month before after calls from neighbours."
    )
    case = w.open_case("Child D", DEATH, 420, 1, summary)
    w.identity(case, "Ethan Caldwell", 4 * 365 + 200, "999056789", "9 Brook Terrace, Saltmarsh NS5 8RA")
    w.notified(case, "CSINS-D-0521")
    w.rapid_review(case, *FOR_LCSPR, panel_response="agreed")

    criminal = w.criminal(
        case,
        "DCI Rachel Osei",
        "Murder; cruelty to a person under 16",
        operation_name="Operation Heron",
        remanded_in_custody=True,
    )
    w.walk(
        criminal,
        ("suspect_identified", "The mother's partner identified as a suspect."),
        ("arrest_interview", "Arrested and interviewed."),
        ("file_to_cps", "File sent for a charging decision."),
        ("charged", "CPS authorised a charge of murder."),
        ("first_appearance", "Remanded in custody."),
        ("sent_to_crown_court", "Sent to the Crown Court."),
        ("ptph", "Not guilty plea; trial fixed for the spring."),
    )

    lcspr = w.lcspr(case, decided_after=30)
    w.walk(
        lcspr,
        ("reviewer_appointed", "Terms of reference agreed after consulting the SIO and the IOPC."),
        ("information_gathering", "Agency chronologies gathered under section 16H requests."),
        ("family_engagement", "Grandparents met with the family liaison officer present."),
        ("analysis", "Practitioners who are witnesses not yet spoken to; see the agreement with the SIO."),
        ("draft_report", "First draft with the partners."),
    )

    iopc = w.add(
        case,
        "iopc_investigation",
        "iopc",
        3,
        lead="iopc",
        matter_type="dsi",
        referral="mandatory",
        mode="independent",
        iopc_reference="IOPC-DEMO-0412",
    )
    w.walk(
        iopc,
        ("referred", "PSD referred the death after earlier police contact (mandatory referral)."),
        ("assessment", "IOPC assessing the referral."),
        ("investigation", "The Director General decided on an independent investigation."),
    )

    misconduct = w.add(
        case,
        "misconduct_proceedings",
        "psd",
        60,
        lead="psd",
        officers_subject=2,
        severity="gross_misconduct",
    )
    w.walk(misconduct, ("severity_assessment", "IOPC assessed possible gross misconduct by two officers."))
    why = "Proceedings held while criminal proceedings are outstanding (Police (Conduct) Regulations 2020)."
    w.pause_for_trial(misconduct, criminal, why, resume_in=180)

    coronial = w.coronial(case, "NC-0533", jury=True)
    w.walk(coronial, *CORONER_OPENS)
    why = "Inquest suspended: a person is charged with the death (Coroners and Justice Act 2009 Sch 1)."
    w.pause_for_trial(coronial, criminal, why, resume_in=150)

    cdr = w.child_death_review(case)
    w.walk(
        cdr,
        ("joint_agency_response", "Joint agency response with the SIO."),
        ("investigations", "Waiting for the trial, the inquest and the LCSPR."),
    )

    w.relate(
        WAITS_FOR,
        lcspr,
        criminal,
        from_activity="publication",
        awaited_stage="concluded",
        reason="Publishing before the trial ends could prejudice it; practitioners are witnesses.",
        agreed_by="SIO and LCSPR chair",
        agreed_on=w.past_day(case, 40),
        review_on=w.today + timedelta(days=30),
    )
    w.relate(
        INFORMS,
        iopc,
        lcspr,
        from_activity="findings on the two earlier police attendances",
        reason="The IOPC will share its learning with the reviewer, subject to a sharing decision.",
        agreed_by="IOPC lead investigator and LCSPR chair",
        agreed_on=w.past_day(case, 45),
    )
    w.relate(
        WAITS_FOR,
        cdr,
        coronial,
        from_activity="child death review meeting",
        awaited_stage="conclusion",
        reason="The review meeting needs the inquest's conclusion.",
    )
