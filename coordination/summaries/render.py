"""Turning a summary's context into PDF bytes with WeasyPrint: plain functions, no broker, no database writes.

Same input, same output: the page furniture (marking, reference, page n of m) comes from the print stylesheet,
fonts from the bundled DejaVu Sans (never the host's), and the only time printed is the `prepared_at` given.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from ..models import Case, Organisation
from . import TEMPLATE_VERSION, content, documents
from .fetcher import StaticFilesFetcher, static_url

STYLESHEET = static_url("coordination/pdf.css")

# WeasyPrint subsets the fonts with HarfBuzz-subset where the system has it, else with fontTools, which stamps each
# subset font with the time of the render unless SOURCE_DATE_EPOCH (the reproducible-builds convention) fixes it.
# Fixed, the same summary is the same bytes on either path.
os.environ.setdefault("SOURCE_DATE_EPOCH", "0")


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int
    identity_shown: bool = False


def html_to_pdf(html: str) -> tuple[bytes, int]:
    """The PDF and its page count. Everything the HTML links to goes through StaticFilesFetcher."""
    document = HTML(string=html, url_fetcher=StaticFilesFetcher()).render(font_config=FontConfiguration())
    # A fixed identifier, so two renders of the same HTML are the same bytes (WeasyPrint otherwise derives one
    # from the time); the SHA-256 stored with each file then says whether two files say the same.
    return document.write_pdf(pdf_identifier=b"parallel-summary"), len(document.pages)


def _common(prepared_at: dt.datetime) -> dict:
    return {
        "stylesheet": STYLESHEET,
        "template_version": TEMPLATE_VERSION,
        "prepared_at": timezone.localtime(prepared_at),
        "marking": "OFFICIAL-SENSITIVE",
    }


def case_html(*, user, case: Case, prepared_at: dt.datetime, data_as_of: dt.datetime | None = None) -> tuple[str, bool]:
    """The case summary's HTML for `user`, and whether it shows the child's identifiable details."""
    context = content.case_summary(user=user, case=case, prepared_at=prepared_at)
    context.update(_common(prepared_at), data_as_of=data_as_of and timezone.localtime(data_as_of))
    return render_to_string("summaries/case.html", context), context["identity"] is not None


def render_case(*, user, case: Case, prepared_at: dt.datetime, data_as_of: dt.datetime | None = None) -> Rendered:
    html, identity_shown = case_html(user=user, case=case, prepared_at=prepared_at, data_as_of=data_as_of)
    pdf, pages = html_to_pdf(html)
    return Rendered(pdf, pages, identity_shown)


def organisation_html(kind: str, *, user, organisation: Organisation, prepared_at: dt.datetime, data_as_of=None) -> str:
    """A registered organisation document's HTML (coordination/summaries/documents.py), e.g. a sharing register."""
    document = documents.organisation_document(kind)
    context = document.content(user=user, organisation=organisation, prepared_at=prepared_at)
    context.update(_common(prepared_at), data_as_of=data_as_of and timezone.localtime(data_as_of))
    return render_to_string(document.template, context)


def render_organisation_document(
    kind: str, *, user, organisation: Organisation, prepared_at: dt.datetime, data_as_of=None
) -> Rendered:
    html = organisation_html(kind, user=user, organisation=organisation, prepared_at=prepared_at, data_as_of=data_as_of)
    pdf, pages = html_to_pdf(html)
    return Rendered(pdf, pages)
