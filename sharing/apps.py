from django.apps import AppConfig


class SharingConfig(AppConfig):
    """Information-sharing requests, decisions and disclosures between agencies (issue 5)."""

    name = "sharing"
    verbose_name = "Information sharing"
