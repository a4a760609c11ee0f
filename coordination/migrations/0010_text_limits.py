"""Length limits on free text (coordination/models/limits.py). The columns stay `text`, so only Django's
state changes: no SQL, and no table rebuilt (SQLite would otherwise copy each of these tables)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('coordination', '0009_api_keys_webhooks_pdf_summaries'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='case',
                    name='summary',
                    field=models.TextField(blank=True, max_length=20000),
                ),
                migrations.AlterField(
                    model_name='milestone',
                    name='completion_note',
                    field=models.TextField(blank=True, max_length=10000),
                ),
                migrations.AlterField(
                    model_name='milestoneadjustment',
                    name='reason',
                    field=models.TextField(max_length=10000),
                ),
                migrations.AlterField(
                    model_name='pause',
                    name='explanation',
                    field=models.TextField(max_length=10000),
                ),
                migrations.AlterField(
                    model_name='pause',
                    name='resume_note',
                    field=models.TextField(blank=True, max_length=10000),
                ),
                migrations.AlterField(
                    model_name='stagechange',
                    name='note',
                    field=models.TextField(blank=True, max_length=10000),
                ),
    
            ],
        ),
    ]
