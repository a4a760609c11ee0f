from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _seed_rules(sender, **kwargs):
    from .deadlines import seed_rules

    seed_rules()


class SharingConfig(AppConfig):
    """Information-sharing requests, decisions, disclosures and documents between agencies."""

    name = "sharing"
    verbose_name = "Information sharing"

    def ready(self):
        from coordination import access as core_access
        from coordination import extensions, subjects
        from coordination.summaries import documents as pdf_documents

        from . import access, deadlines, summaries, webhooks
        from .models import Document, DocumentVersion, SharingRequest

        # The response rules are data like the national timescales: seeded once, corrected in the admin.
        post_migrate.connect(_seed_rules, sender=self)
        # A request's response deadline sits on the core's clock, and who may read a request or a document is
        # this app's answer, asked through the core's access layer.
        subjects.register(deadlines.SUBJECT_TYPE)
        core_access.register_readable(SharingRequest, access.requests_visible_to)
        core_access.register_readable(Document, access.documents_visible_to)
        core_access.register_readable(DocumentVersion, access.versions_visible_to)
        webhooks.register()
        # Its part of the PDF case summary, and the organisation's register as a PDF of its own.
        pdf_documents.add_case_section(summaries.CASE_SECTION)
        pdf_documents.add_organisation_document(summaries.ORGANISATION_REGISTER)
        # Its pages and its part of the REST API, a link in the header and a section on the case page.
        extensions.add_urls("sharing.urls", api="sharing.api.urls")
        extensions.add_case_section(extensions.CaseSection("sharing/_case_section.html", lambda case, user: {}))
        extensions.add_nav_link(
            extensions.NavLink(
                "Information sharing",
                "sharing-inbox",
                current_for=("sharing-inbox", "sharing-outbox", "sharing-register"),
            )
        )
