"""Child B: an infant's death from head injuries; a parent convicted, the Panel's national review, and the inquest
resumed after the trial."""

from coordination import services

from ..story import CORONER_OPENS, DEATH, RESPONDED, SUBMITTED, WAITS_FOR, Story

ORDER = 2  # oldest incident first, so the case references run in incident order


def tell(w: Story) -> None:
    summary = "An infant aged 7 months died from head injuries. A parent was charged and has been convicted."
    case = w.open_case("Child B", DEATH, 560, 1, summary)
    w.identity(case, "Oscar Pennington", 213, "999023456", "Flat 2, 17 Mill Lane, Kettlewick NS7 1DF")
    w.notified(case, "CSINS-B-0342")
    decision = ("decided_national_review", "The Panel will review this death with two similar ones.")
    w.rapid_review(case, SUBMITTED, RESPONDED, decision, panel_response="national_review")

    criminal = w.criminal(
        case,
        "DCI Owen Pryce",
        "Murder; causing or allowing the death of a child",
        operation_name="Operation Larch",
        remanded_in_custody=True,
    )
    coronial = w.coronial(case, "NC-0398", jury=True)
    coronial = w.walk(coronial, *CORONER_OPENS)
    pause = w.pause_for_trial(coronial, criminal, "Inquest suspended at the CPS's request pending the trial.", 30)
    criminal = w.walk(
        criminal,
        ("suspect_identified", "Injuries inconsistent with the account given; a parent is a suspect."),
        ("arrest_interview", "Arrested and interviewed."),
        ("file_to_cps", "Full file sent for a charging decision."),
        ("charged", "CPS authorised charges."),
        ("first_appearance", "Remanded in custody at the magistrates' court."),
        ("sent_to_crown_court", "Sent to the Crown Court."),
        ("ptph", "Not guilty plea entered; trial fixed."),
        ("trial", "Trial opened."),
        ("verdict", "Guilty verdict."),
        ("sentence", "Life sentence imposed."),
        ("appeal_window", "28 days for an application for leave to appeal."),
    )
    note = "Verdict reached; the coroner will resume to look at agency contact."
    resumed_on = max(criminal.stage_since, pause.paused_on)
    services.process_resume(actor=w.actor, process=coronial, note=note, resumed_on=resumed_on)
    w.walk(coronial, ("pre_inquest_review", "Pre-inquest review set the scope of the resumed inquest."))

    cdr = w.child_death_review(case)
    w.walk(
        cdr,
        ("joint_agency_response", "Joint agency response started the day of the death."),
        ("investigations", "Waiting for the inquest and the national review."),
    )
    w.relate(
        WAITS_FOR,
        cdr,
        coronial,
        from_activity="child death review meeting",
        awaited_stage="conclusion",
        reason="The meeting needs the inquest's findings on agency contact.",
        agreed_by="Designated doctor and coroner's officer",
        agreed_on=w.past_day(case, 120),
    )
