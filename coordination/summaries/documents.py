"""What an app adds to the PDF summaries: a section of the case summary, and documents of an organisation's own.

Registered when Django starts (the app's AppConfig.ready). Each reads through the app's own access rules for the
person the file is for, so a PDF never shows more than its reader may see on screen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CaseSection:
    """A section of the case summary, e.g. the case's sharing register."""

    key: str
    template: str  # its own section, after the core's
    content: Callable[..., dict]  # content(user=, case=) -> what the templates show
    # When what it shows, as `user` sees it, last changed: content that is newer makes a stored summary stale.
    latest_change: Callable[..., dt.datetime | None]
    history_template: str = ""  # its entries in "Stage and decision history", if any


@dataclass(frozen=True)
class OrganisationDocument:
    """A PDF of an organisation's records, for its own members, e.g. its sharing register."""

    key: str  # PdfSummary.kind
    label: str  # "Sharing register"
    template: str  # the whole document (extends summaries/_document.html)
    content: Callable[..., dict]  # content(user=, organisation=, prepared_at=) -> the template's context
    latest_change: Callable[..., dt.datetime | None]  # latest_change(user=, organisation=)
    page: Callable[[], str]  # the page that lists these PDFs and offers a new one


_case_sections: dict[str, CaseSection] = {}
_documents: dict[str, OrganisationDocument] = {}


def add_case_section(section: CaseSection) -> None:
    _case_sections[section.key] = section


def add_organisation_document(document: OrganisationDocument) -> None:
    if document.key == "case":
        raise ValueError("“case” is the case summary's own kind")
    _documents[document.key] = document


def case_sections() -> list[CaseSection]:
    return list(_case_sections.values())


def organisation_document(key: str) -> OrganisationDocument:
    return _documents[key]


def is_organisation_document(key: str) -> bool:
    return key in _documents
