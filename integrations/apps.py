from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """How agency case systems talk to Parallel: the REST API and its keys, and webhooks."""

    name = "integrations"
    verbose_name = "Integrations"

    def ready(self):
        from coordination import events, extensions

        from . import webhooks
        from .api.keys import may_manage_integrations

        # The webhook outbox hears every event the core and the apps publish, inside their transactions.
        events.subscribe(webhooks.emit)
        # Its pages and the REST API (which includes the apps' parts of it), and a link in the header for the
        # organisations' administrators, who manage the keys and endpoints.
        extensions.add_urls("integrations.urls")
        extensions.add_nav_link(
            extensions.NavLink(
                "Integrations",
                "integrations",
                current_for=("integrations",),
                visible=may_manage_integrations,
            )
        )
