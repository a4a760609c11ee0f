from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _seed_timescale_rules(sender, **kwargs):
    from .clock import seed_national_rules

    seed_national_rules()


class CoordinationConfig(AppConfig):
    name = "coordination"
    verbose_name = "Coordination"

    def ready(self):
        from django.contrib.auth import signals as auth_signals

        from . import audit, kinds

        kinds.discover()
        # National timescale rules are data: a new database gets them, an existing one keeps its edits.
        post_migrate.connect(_seed_timescale_rules, sender=self)
        # Signing in, out and failing to are recorded in the audit trail, whichever view does the signing in.
        auth_signals.user_logged_in.connect(audit.on_signed_in, dispatch_uid="audit_sign_in")
        auth_signals.user_logged_out.connect(audit.on_signed_out, dispatch_uid="audit_sign_out")
        auth_signals.user_login_failed.connect(audit.on_sign_in_failed, dispatch_uid="audit_sign_in_failed")
