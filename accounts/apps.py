from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Signing in, the second factor, session limits, and break-glass access to a case."""

    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from coordination import extensions

        from .break_glass import may_break_glass

        # Its pages (signing in, the second factor, breaking glass) and, for those who may break glass, a link in
        # the header. Its middleware and django-axes's callables are named in settings.
        extensions.add_urls("accounts.urls")
        extensions.add_nav_link(
            extensions.NavLink("Break glass", "break-glass", current_for=("break-glass",), visible=may_break_glass)
        )
