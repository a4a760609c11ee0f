"""The API keys, webhook endpoints, deliveries and attempts, and the idempotency records belong to the integrations
app now (integrations/models.py). Their tables stay as they are, under their old names: only Django's state moves,
here out of the core and in integrations/migrations/0001_initial.py into the app. Children before parents."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('coordination', '0015_deadline_subjects'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='WebhookAttempt'),
                migrations.DeleteModel(name='WebhookDelivery'),
                migrations.DeleteModel(name='WebhookEndpoint'),
                migrations.DeleteModel(name='ApiKey'),
                migrations.DeleteModel(name='IdempotencyRecord'),
            ],
        ),
    ]
