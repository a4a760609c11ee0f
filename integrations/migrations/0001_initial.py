"""The integrations app's models, which began in the core: their tables are the ones the core made (each keeps its
name through db_table), so this migration changes Django's state only, after coordination's
0016_integrations_moved_out took them out of the core's. Their content types (and with them any permissions given on
them) are renamed to the app rather than left behind as stale ones."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ['apikey', 'webhookendpoint', 'webhookdelivery', 'webhookattempt', 'idempotencyrecord']


def _move_content_types(apps, old: str, new: str) -> None:
    content_type = apps.get_model('contenttypes', 'ContentType')
    taken = set(content_type.objects.filter(app_label=new, model__in=MODELS).values_list('model', flat=True))
    content_type.objects.filter(app_label=old, model__in=set(MODELS) - taken).update(app_label=new)


def content_types_to_app(apps, schema_editor):
    _move_content_types(apps, 'coordination', 'integrations')


def content_types_to_core(apps, schema_editor):
    _move_content_types(apps, 'integrations', 'coordination')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('coordination', '0011_claim_leases_and_attempt_outcomes'),  # the last change to these models in the core
        ('coordination', '0016_integrations_moved_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ApiKey',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(help_text='Which system uses it, e.g. “Force case management”.', max_length=100)),
                        ('prefix', models.CharField(max_length=16, unique=True)),
                        ('secret_hash', models.CharField(help_text='SHA-256 of the secret, hex.', max_length=64)),
                        ('scope', models.CharField(choices=[('read', 'Read only'), ('read_write', 'Read and write')], default='read', max_length=12)),
                        ('created_at', models.DateTimeField()),
                        ('expires_at', models.DateTimeField(blank=True, null=True)),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('last_used_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='api_keys', to='coordination.organisation')),
                        ('revoked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='api_key', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'coordination_apikey',
                        'ordering': ['organisation', '-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookEndpoint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('url', models.URLField(max_length=500)),
                        ('description', models.CharField(blank=True, max_length=200)),
                        ('events', models.JSONField(default=list, help_text='Event types to send, e.g. ["sharing_request.status_changed"].')),
                        ('secret', models.CharField(help_text='whsec_…, used to sign each delivery.', max_length=100)),
                        ('is_active', models.BooleanField(default=True)),
                        ('disabled_at', models.DateTimeField(blank=True, null=True)),
                        ('disabled_reason', models.CharField(blank=True, max_length=300)),
                        ('created_at', models.DateTimeField()),
                        ('api_key', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='webhook_endpoints', to='integrations.apikey')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='webhook_endpoints', to='coordination.organisation')),
                    ],
                    options={
                        'db_table': 'coordination_webhookendpoint',
                        'ordering': ['organisation', 'url'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('message_id', models.CharField(help_text='webhook-id: the same on every retry.', max_length=40, unique=True)),
                        ('event_type', models.CharField(max_length=60)),
                        ('payload', models.JSONField(help_text='Ids and the event type only; never identifiable details.')),
                        ('created_at', models.DateTimeField()),
                        ('status', models.CharField(choices=[('pending', 'Waiting to be sent'), ('delivered', 'Delivered'), ('failed', 'Gave up')], default='pending', max_length=10)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('next_attempt_at', models.DateTimeField()),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('delivered_at', models.DateTimeField(blank=True, null=True)),
                        ('last_error', models.CharField(blank=True, max_length=500)),
                        ('endpoint', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='integrations.webhookendpoint')),
                    ],
                    options={
                        'db_table': 'coordination_webhookdelivery',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(condition=models.Q(('status', 'pending')), fields=['next_attempt_at'], name='webhook_due')],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookAttempt',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('attempted_at', models.DateTimeField()),
                        ('finished_at', models.DateTimeField(blank=True, help_text='When the outcome was recorded; empty: none.', null=True)),
                        ('status_code', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('error', models.CharField(blank=True, max_length=500)),
                        ('duration_ms', models.PositiveIntegerField(default=0)),
                        ('delivery', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attempt_log', to='integrations.webhookdelivery')),
                    ],
                    options={
                        'db_table': 'coordination_webhookattempt',
                        'ordering': ['attempted_at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='IdempotencyRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=200)),
                        ('method', models.CharField(max_length=10)),
                        ('path', models.CharField(max_length=500)),
                        ('request_hash', models.CharField(help_text='SHA-256 of the method, path and body.', max_length=64)),
                        ('response_status', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('response_body', models.BinaryField(blank=True)),
                        ('response_headers', models.JSONField(blank=True, default=dict)),
                        ('created_at', models.DateTimeField()),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'coordination_idempotencyrecord',
                        'constraints': [models.UniqueConstraint(fields=('user', 'key'), name='one_answer_per_idempotency_key')],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_to_app, content_types_to_core, elidable=True),
    ]
