from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """How agency case systems talk to Parallel: the REST API and its keys, and webhooks."""

    name = "integrations"
    verbose_name = "Integrations"

    def ready(self):
        from coordination import demo, events, extensions

        from . import webhooks
        from .api.keys import may_manage_integrations
        from .demo import demo_step, ensure_demo_api_key

        # The webhook outbox hears every event the core and the apps publish, inside their transactions.
        events.subscribe(webhooks.emit)
        # The demo trust's published API key: made with the demo, and given to a demo database made before it.
        demo.add_step(demo_step)
        extensions.add_demo_upkeep(ensure_demo_api_key)
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
