from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _seed_timescale_rules(sender, **kwargs):
    from .clock import seed_national_rules

    seed_national_rules()


class CoordinationConfig(AppConfig):
    name = "coordination"
    verbose_name = "Coordination"

    def ready(self):
        from . import kinds

        kinds.discover()
        # National timescale rules are data: a new database gets them, an existing one keeps its edits.
        post_migrate.connect(_seed_timescale_rules, sender=self)
