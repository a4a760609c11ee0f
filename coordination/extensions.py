"""What an app adds to the portal around the core: its pages' URLs, its part of the REST API, its link in the
navigation (shown to everyone, or to those its `visible` answers yes for) and its section on the case page. An app
registers these when Django starts (its AppConfig.ready); the core's URLs, header and case page then include them
without naming the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def everyone(user) -> bool:
    return True


@dataclass(frozen=True)
class NavLink:
    label: str
    url_name: str
    # The url names under which this link shows as the current page.
    current_for: tuple[str, ...] = ()
    # Whether the signed-in user sees the link (coordination/context_processors.py asks on every page).
    visible: Callable[[object], bool] = everyone


@dataclass(frozen=True)
class CaseSection:
    """A section of the case page: a template, and the context it needs for a case and the reader."""

    template: str
    context: Callable[[object, object], dict]


_web_urls: list[str] = []
_api_urls: list[str] = []
_nav: list[NavLink] = []
_case_sections: list[CaseSection] = []


def add_urls(module: str, *, api: str = "") -> None:
    """The app's URLconf for its pages, and for its part of /api/v1/ if it has one (dotted module names)."""
    if module and module not in _web_urls:
        _web_urls.append(module)
    if api and api not in _api_urls:
        _api_urls.append(api)


def add_nav_link(link: NavLink) -> None:
    if link not in _nav:
        _nav.append(link)


def add_case_section(section: CaseSection) -> None:
    if section not in _case_sections:
        _case_sections.append(section)


def web_urls() -> list[str]:
    return list(_web_urls)


def api_urls() -> list[str]:
    return list(_api_urls)


def nav_links() -> list[NavLink]:
    return list(_nav)


def case_sections() -> list[CaseSection]:
    return list(_case_sections)
