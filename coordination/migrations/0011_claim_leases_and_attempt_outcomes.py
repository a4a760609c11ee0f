"""Reminder claims hold a lease that their run renews (coordination/reminders.py), and a webhook try is logged
when it is claimed and completed with its outcome (coordination/webhook_delivery.py)."""

import datetime as dt

from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def fill_in(apps, schema_editor):
    # A claim unsent when this runs gets the ten minutes the old code allowed it, so a run of the old code still
    # going during the upgrade is not overtaken. Tries logged until now were all written with their outcome.
    ReminderSent = apps.get_model("coordination", "ReminderSent")
    ReminderSent.objects.filter(sent_at=None).update(lease_expires_at=F("claimed_at") + dt.timedelta(minutes=10))
    WebhookAttempt = apps.get_model("coordination", "WebhookAttempt")
    WebhookAttempt.objects.filter(finished_at=None).update(finished_at=F("attempted_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('coordination', '0010_text_limits'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='remindersent',
            name='coordinatio_sent_at_f7c5a3_idx',
        ),
        migrations.AddField(
            model_name='remindersent',
            name='lease_expires_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='webhookattempt',
            name='finished_at',
            field=models.DateTimeField(blank=True, help_text='When the outcome was recorded; empty: none.', null=True),
        ),
        migrations.AlterField(
            model_name='remindersent',
            name='claimed_at',
            field=models.DateTimeField(help_text='When the run holding it claimed it (or took it over).'),
        ),
        migrations.AddIndex(
            model_name='remindersent',
            index=models.Index(condition=models.Q(('sent_at', None)), fields=['lease_expires_at'], name='reminder_lease'),
        ),
        migrations.RunPython(fill_in, migrations.RunPython.noop),
    ]
