"""Criminal investigation and prosecution (CPS charging; Custody Time Limits Regulations 1987)."""

from coordination.kinds import ProcessKind, Stage, register

_AFTER_CHARGE = "That follows a charge."

CRIMINAL_INVESTIGATION = register(
    ProcessKind(
        key="criminal_investigation",
        label="Criminal investigation and prosecution",
        short_label="criminal investigation",
        description="The police investigation led by a senior investigating officer, the CPS charging decision, "
        "and any prosecution to verdict, sentence and appeal.",
        owner_kinds=("police_force", "cps"),
        details_model="investigations.CriminalInvestigationDetails",
        stages=(
            Stage(
                "investigation_opened",
                "Investigation opened",
                next=("suspect_identified", "no_further_action"),
            ),
            Stage(
                "suspect_identified",
                "Suspect identified",
                next=("arrest_interview", "file_to_cps", "no_further_action"),
                requires="A suspect is identified during the investigation.",
            ),
            Stage(
                "arrest_interview",
                "Arrest and interview",
                next=("bail_or_rui", "file_to_cps", "no_further_action"),
                requires="A suspect has to be identified first.",
            ),
            Stage(
                "bail_or_rui",
                "On bail or released under investigation",
                next=("file_to_cps", "no_further_action"),
                requires="Bail or release under investigation follows arrest and interview.",
            ),
            Stage(
                "file_to_cps",
                "File with the CPS",
                next=("charged", "no_further_action", "further_evidence"),
                requires="The file goes to the CPS once a suspect is identified.",
            ),
            Stage(
                "further_evidence",
                "Further evidence requested by the CPS",
                next=("file_to_cps", "no_further_action"),
                requires="The CPS asks for further evidence on a file it holds.",
            ),
            Stage(
                "charged",
                "Charged",
                next=("first_appearance",),
                requires="A charge follows the CPS charging decision on a file.",
            ),
            Stage(
                "first_appearance",
                "First appearance",
                next=("sent_to_crown_court", "trial"),
                requires=_AFTER_CHARGE,
            ),
            Stage(
                "sent_to_crown_court",
                "Sent to the Crown Court",
                next=("ptph",),
                requires="Sending follows the first appearance at the magistrates' court.",
            ),
            Stage(
                "ptph",
                "Plea and trial preparation hearing",
                next=("trial", "sentence"),
                requires="The plea and trial preparation hearing follows sending to the Crown Court.",
            ),
            Stage(
                "trial",
                "Trial",
                next=("verdict",),
                requires="A trial follows the first appearance or the PTPH.",
            ),
            Stage(
                "verdict",
                "Verdict",
                next=("sentence", "appeal_window", "concluded"),
                requires="A verdict follows a trial.",
            ),
            Stage(
                "sentence",
                "Sentence",
                next=("appeal_window", "concluded"),
                requires="Sentence follows a guilty verdict or plea.",
            ),
            Stage(
                "appeal_window",
                "Appeal window",
                next=("concluded",),
                requires="The appeal window opens after verdict or sentence.",
            ),
            Stage(
                "concluded",
                "Criminal proceedings concluded",
                closes=True,
                requires="Proceedings conclude after verdict, sentence or the appeal window.",
            ),
            Stage(
                "no_further_action",
                "No further action",
                closes=True,
                requires="No further action is decided before charge.",
            ),
        ),
    )
)
