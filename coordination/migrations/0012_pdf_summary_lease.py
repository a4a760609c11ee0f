"""A PDF render's claim holds a lease that a heartbeat renews while the render runs, and its starts are counted
(coordination/summaries/jobs.py)."""

import datetime as dt

from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def fill_in(apps, schema_editor):
    # A render claimed when this runs keeps what the old code allowed it (the hard time limit plus 30 s from its
    # start), so a worker of the old code still rendering during the upgrade is not overtaken. Every summary that
    # was started has been started once, as far as anyone can tell now.
    PdfSummary = apps.get_model("coordination", "PdfSummary")
    allowed = dt.timedelta(seconds=getattr(settings, "PDF_TASK_TIME_LIMIT", 90) + 30)
    PdfSummary.objects.filter(status="rendering").update(lease_expires_at=F("started_at") + allowed)
    PdfSummary.objects.exclude(started_at=None).update(attempts=1)


class Migration(migrations.Migration):

    dependencies = [
        ('coordination', '0011_claim_leases_and_attempt_outcomes'),
    ]

    operations = [
        migrations.AddField(
            model_name='pdfsummary',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0, help_text='How many times its render has been started.'),
        ),
        migrations.AddField(
            model_name='pdfsummary',
            name='lease_expires_at',
            field=models.DateTimeField(
                blank=True, help_text='While rendering, its claim holds until then (renewed as the render runs).',
                null=True,
            ),
        ),
        migrations.RunPython(fill_in, migrations.RunPython.noop),
    ]
