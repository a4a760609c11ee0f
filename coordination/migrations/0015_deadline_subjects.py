"""Deadlines and notifications point to what they are about without naming an app: a process (the clock's own
subject) or a record of a subject type an app registers (coordination/subjects.py). Every milestone names its case.
Information-sharing rules apply to the "sharing_request" subject instead of posing as a kind of process."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery


def to_subjects(apps, schema_editor):
    milestone = apps.get_model("coordination", "Milestone")
    process = apps.get_model("coordination", "Process")
    request = apps.get_model("sharing", "SharingRequest")
    milestone.objects.filter(process__isnull=False).update(
        subject_type="process",
        subject_id=F("process_id"),
        case_id=Subquery(process.objects.filter(pk=OuterRef("process_id")).values("case_id")[:1]),
    )
    milestone.objects.filter(process=None).update(
        subject_type="sharing_request",
        subject_id=F("sharing_request_id"),
        case_id=Subquery(request.objects.filter(pk=OuterRef("sharing_request_id")).values("case_id")[:1]),
    )
    notification = apps.get_model("coordination", "Notification")
    notification.objects.filter(sharing_request__isnull=False).update(
        subject_type="sharing_request", subject_id=F("sharing_request_id")
    )
    notification.objects.filter(kind="sharing").update(kind="update")
    rule = apps.get_model("coordination", "TimescaleRule")
    rule.objects.filter(process_kind="information_sharing").update(subject_type="sharing_request", process_kind="")


def from_subjects(apps, schema_editor):
    milestone = apps.get_model("coordination", "Milestone")
    milestone.objects.filter(subject_type="sharing_request").update(sharing_request_id=F("subject_id"))
    notification = apps.get_model("coordination", "Notification")
    notification.objects.filter(subject_type="sharing_request").update(sharing_request_id=F("subject_id"))
    notification.objects.filter(kind="update").update(kind="sharing")
    rule = apps.get_model("coordination", "TimescaleRule")
    rule.objects.filter(subject_type="sharing_request").update(process_kind="information_sharing")


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0014_stage_date_corrections"),
    ]

    operations = [
        migrations.AddField(
            model_name="milestone",
            name="case",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="milestones",
                to="coordination.case",
            ),
        ),
        migrations.AddField(
            model_name="milestone", name="subject_type", field=models.CharField(default="process", max_length=40)
        ),
        migrations.AddField(model_name="milestone", name="subject_id", field=models.PositiveBigIntegerField(null=True)),
        migrations.AddField(
            model_name="notification", name="subject_type", field=models.CharField(blank=True, max_length=40)
        ),
        migrations.AddField(
            model_name="notification", name="subject_id", field=models.PositiveBigIntegerField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="notification",
            name="link",
            field=models.CharField(
                blank=True, help_text="The page it points to, when it says where.", max_length=300
            ),
        ),
        migrations.AddField(
            model_name="timescalerule", name="subject_type", field=models.CharField(default="process", max_length=40)
        ),
        migrations.AlterField(
            model_name="timescalerule",
            name="process_kind",
            field=models.CharField(blank=True, help_text="The kind of process, for a process's rule.", max_length=40),
        ),
        migrations.RunPython(to_subjects, from_subjects),
        migrations.RemoveConstraint(model_name="milestone", name="one_milestone_per_occurrence"),
        migrations.RemoveConstraint(model_name="milestone", name="one_request_milestone_per_occurrence"),
        migrations.RemoveConstraint(model_name="milestone", name="milestone_on_process_or_request"),
        migrations.RemoveField(model_name="milestone", name="sharing_request"),
        migrations.RemoveField(model_name="notification", name="sharing_request"),
        migrations.AlterField(
            model_name="milestone",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="milestones", to="coordination.case"
            ),
        ),
        migrations.AlterField(
            model_name="milestone",
            name="subject_id",
            field=models.PositiveBigIntegerField(help_text="The process's or the registered record's id."),
        ),
        migrations.AddConstraint(
            model_name="milestone",
            constraint=models.UniqueConstraint(
                fields=("subject_type", "subject_id", "rule", "occurrence"), name="one_milestone_per_occurrence"
            ),
        ),
        migrations.AddConstraint(
            model_name="milestone",
            constraint=models.CheckConstraint(
                condition=models.Q(subject_type="process", process__isnull=False, subject_id=models.F("process"))
                | (~models.Q(subject_type="process") & models.Q(process=None)),
                name="a_process_milestone_names_its_process",
            ),
        ),
        migrations.AddIndex(
            model_name="milestone",
            index=models.Index(fields=["subject_type", "subject_id"], name="milestone_subject"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[("reminder", "Reminder"), ("escalation", "Escalation"), ("update", "Update"),
                         ("summary", "PDF ready")],
                max_length=20,
            ),
        ),
        migrations.RemoveConstraint(model_name="pdfsummary", name="summary_names_its_subject"),
        migrations.AlterField(
            model_name="pdfsummary",
            name="kind",
            field=models.CharField(
                help_text="“case”, or the key of a registered organisation document.", max_length=30
            ),
        ),
        migrations.AddConstraint(
            model_name="pdfsummary",
            constraint=models.CheckConstraint(
                condition=models.Q(kind="case", case__isnull=False)
                | (~models.Q(kind="case") & models.Q(organisation__isnull=False)),
                name="summary_names_its_subject",
            ),
        ),
        migrations.AlterModelOptions(
            name="timescalerule", options={"ordering": ["subject_type", "process_kind", "code"]}
        ),
    ]
