from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _seed_rules(sender, **kwargs):
    from .deadlines import seed_rules

    seed_rules()


class SharingConfig(AppConfig):
    """Information-sharing requests, decisions, disclosures and documents between agencies (issue 5)."""

    name = "sharing"
    verbose_name = "Information sharing"

    def ready(self):
        # The response rules are data like the national timescales: seeded once, corrected in the admin.
        post_migrate.connect(_seed_rules, sender=self)
