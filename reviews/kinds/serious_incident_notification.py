"""Serious incident notification: the local authority tells the Panel (Children Act 2004 s16C(1))."""

from coordination.kinds import ProcessKind, Stage, register

SERIOUS_INCIDENT_NOTIFICATION = register(
    ProcessKind(
        key="serious_incident_notification",
        label="Serious incident notification",
        short_label="notification",
        description="The local authority notifies the Child Safeguarding Practice Review Panel of a serious "
        "incident through the Child Safeguarding Incident Notification System, and tells the safeguarding partners.",
        owner_kinds=("local_authority",),
        details_model="reviews.SeriousIncidentNotificationDetails",
        stages=(
            Stage("incident_identified", "Incident identified", next=("notified", "not_notifiable")),
            Stage(
                "notified",
                "Notified to the Panel",
                closes=True,
                requires="Only an identified incident can be notified.",
            ),
            Stage(
                "not_notifiable",
                "Decided not notifiable",
                closes=True,
                requires="Record the decision while the incident is being considered.",
            ),
        ),
    )
)
