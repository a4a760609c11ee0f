"""Coronial investigation and inquest (Coroners and Justice Act 2009; Coroners (Inquests) Rules 2013).
Suspension at a prosecutor's request or on charge (Sch 1) is a pause, not a stage.

Timescales are seeds for the TimescaleRule table; they are corrected there, not here.
"""

from coordination.kinds import Event, ProcessKind, Stage, Timescale, register

_CORONERS_RULES = "2013-07-25"  # Coroners (Inquests) Rules 2013 and (Investigations) Regulations 2013 in force
_INQUESTS_RULES_PART2 = "https://legislation.gov.uk/uksi/2013/1616/part/2/data.xht"

CORONIAL_INVESTIGATION = register(
    ProcessKind(
        key="coronial_investigation",
        label="Coronial investigation and inquest",
        short_label="inquest",
        description="The coroner investigates the death, holds an inquest and may issue a report to prevent "
        "future deaths, a copy of which goes to the safeguarding partnership when the child was under 18.",
        owner_kinds=("coroner",),
        details_model="investigations.CoronialInvestigationDetails",
        stages=(
            Stage("death_reported", "Death reported to the coroner", next=("investigation_opened",)),
            Stage(
                "investigation_opened",
                "Investigation opened",
                next=("inquest_opened", "discontinued"),
                requires="The coroner opens an investigation once the death is reported.",
            ),
            Stage(
                "discontinued",
                "Investigation discontinued",
                closes=True,
                requires="Only an investigation without an inquest can be discontinued.",
            ),
            Stage(
                "inquest_opened",
                "Inquest opened",
                next=("pre_inquest_review", "hearing"),
                requires="The inquest opens during the coroner's investigation.",
            ),
            Stage(
                "pre_inquest_review",
                "Pre-inquest review",
                next=("pre_inquest_review_further", "hearing"),
                requires="A pre-inquest review is held once the inquest has opened.",
            ),
            Stage(
                "pre_inquest_review_further",
                "Further pre-inquest review",
                next=("hearing",),
                requires="A further review follows the first pre-inquest review.",
            ),
            Stage(
                "hearing",
                "Inquest hearing",
                next=("conclusion",),
                requires="The hearing follows the opening of the inquest and any pre-inquest reviews.",
            ),
            Stage(
                "conclusion",
                "Conclusion recorded",
                next=("pfd_report", "closed"),
                requires="The coroner records the conclusion at the end of the hearing.",
            ),
            Stage(
                "pfd_report",
                "Prevention of future deaths report issued",
                next=("pfd_responses",),
                requires="A report to prevent future deaths is made after the evidence is heard.",
            ),
            Stage(
                "pfd_responses",
                "Responses to the PFD report",
                next=("closed",),
                requires="Responses follow the report to prevent future deaths.",
            ),
            Stage(
                "closed",
                "Closed",
                closes=True,
                requires="The inquest closes after its conclusion or the PFD responses.",
            ),
        ),
        events=(Event("hearing_date_set", "Inquest hearing date set"),),
        timescales=(
            Timescale(
                code="C3",
                milestone="Inquest completed",
                trigger="date:coroner_aware_date",
                trigger_label="coroner aware of the death",
                amount=6,
                unit="months",
                force="statute",
                source='Coroners (Inquests) Rules 2013 r8: within six months, "or as soon as is reasonably '
                'practicable after that date"',
                verification="V",
                source_url=_INQUESTS_RULES_PART2,
                completed_by_stage="conclusion",
                effective_from=_CORONERS_RULES,
            ),
            Timescale(
                code="C5",
                milestone="Chief Coroner notified of an investigation not concluded within 12 months",
                trigger="date:coroner_aware_date",
                trigger_label="coroner aware of the death",
                amount=12,
                unit="months",
                force="statute",
                source="Coroners and Justice Act 2009 (believed s16; section number not verified)",
                verification="P",  # the duty and the 12 months are verified; the section number is not
                source_url="https://www.hughjames.com/blog/new-time-limit-for-inquests",
                completed_by_stage="conclusion",  # concluded within 12 months: no notification is needed
                effective_from=_CORONERS_RULES,
            ),
            Timescale(
                code="C6",
                milestone="Next of kin and interested persons told the date, time and place of the hearing",
                trigger="event:hearing_date_set",
                trigger_label="hearing date set",
                amount=1,
                unit="weeks",
                force="statute",
                source="Coroners (Inquests) Rules 2013 r9 (details also published)",
                verification="V",
                source_url=_INQUESTS_RULES_PART2,
                effective_from=_CORONERS_RULES,
            ),
            Timescale(
                code="C10",
                milestone="Responses to the prevention of future deaths report",
                # The report's date is the move into "pfd_report": no separate event is needed.
                trigger="stage:pfd_report",
                trigger_label="PFD report",
                amount=56,
                unit="calendar_days",
                force="statute",
                source="Coroners (Investigations) Regulations 2013 reg 29 (56 days per secondary sources; the coroner "
                "may extend). One clock for all addressees",
                verification="P",
                source_url="https://ebm.bmj.com/highwire/markup/146904/expansion?width=1000&height=500&iframe=true",
                completed_by_stage="pfd_responses",
                effective_from=_CORONERS_RULES,
            ),
        ),
    )
)

# Not seeded (considered):
#   C1   inquest opened "as soon as reasonably practicable" (r5): no day count.
#   C2   inquest held on a working day: a condition, not a duration.
#   C4   pre-inquest review where the inquest will run past 6 months: guidance with no clock of its own (C3 marks
#        the 6 months).
#   C7   suspension at a prosecutor's request for at least 28 days (CJA 2009 Sch 1 para 1): a minimum length of a
#        pause, not a deadline anyone must meet; it belongs on the pause (its expected resumption date).
#   C8   suspension on charge until the criminal proceedings end: a pause.
#   C9   the PFD report itself: no clock.
