"""Length limits on free text (coordination/models/limits.py). The columns stay `text`, so only Django's
state changes: no SQL, and no table rebuilt (SQLite would otherwise copy each of these tables)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sharing', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='disclosure',
                    name='description',
                    field=models.TextField(blank=True, max_length=20000, verbose_name='what was sent'),
                ),
                migrations.AlterField(
                    model_name='sharingdecision',
                    name='conditions',
                    field=models.TextField(blank=True, max_length=20000, verbose_name='conditions on use and onward disclosure'),
                ),
                migrations.AlterField(
                    model_name='sharingdecision',
                    name='reasons',
                    field=models.TextField(blank=True, max_length=20000),
                ),
                migrations.AlterField(
                    model_name='sharingrequest',
                    name='consent_reason',
                    field=models.TextField(blank=True, max_length=10000),
                ),
                migrations.AlterField(
                    model_name='sharingrequest',
                    name='data_categories',
                    field=models.TextField(blank=True, max_length=10000, verbose_name='categories of data'),
                ),
                migrations.AlterField(
                    model_name='sharingrequest',
                    name='items_requested',
                    field=models.TextField(blank=True, max_length=20000, verbose_name='specific items requested, and why each is needed'),
                ),
                migrations.AlterField(
                    model_name='sharingrequest',
                    name='necessity_proportionality',
                    field=models.TextField(blank=True, max_length=20000, verbose_name='necessity and proportionality'),
                ),
                migrations.AlterField(
                    model_name='sharingrequest',
                    name='purpose_question',
                    field=models.TextField(blank=True, max_length=10000, verbose_name='question it will answer'),
                ),
                migrations.AlterField(
                    model_name='sharingrequest',
                    name='transparency_reason',
                    field=models.TextField(blank=True, max_length=10000),
                ),
                migrations.AlterField(
                    model_name='sharingrequest',
                    name='withdrawn_reason',
                    field=models.TextField(blank=True, max_length=10000),
                ),
                migrations.AlterField(
                    model_name='statuschange',
                    name='note',
                    field=models.TextField(blank=True, max_length=10000),
                ),
    
            ],
        ),
    ]
