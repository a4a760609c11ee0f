from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The fictional Northshire demo world that `make run` loads once (manage.py seed_demo): a partnership, one
    login per role, and a dozen cases at different points. It is built through the other apps' services, so it
    depends on them all and nothing depends on it."""

    name = "demo"
    verbose_name = "Demo world"
