"""The only way WeasyPrint may load anything while it renders a summary: the project's own static files.

A summary holds OFFICIAL-SENSITIVE data and is rendered from templates that print what people typed. The
templates escape it, but defence in depth says the renderer itself should be unable to read a local file
(`file:///etc/passwd`), call out to the network (`http://…`, which would also leak that a summary was made) or
reach outside the static directories (`../../settings.py`). So every URL in a summary template uses our own
scheme, `parallelstatic:coordination/pdf.css` (letters only before the colon: collectstatic's manifest storage
leaves a URL with such a scheme alone), and this fetcher answers only those, from the static files the project
ships (django.contrib.staticfiles' finders: the source tree, so no collectstatic is needed and the result does
not depend on the host). Everything else is refused; WeasyPrint then leaves the resource out.
"""

import mimetypes
import re
from pathlib import Path

from django.contrib.staticfiles import finders
from weasyprint.urls import URLFetcher, URLFetcherResponse

SCHEME = "parallelstatic"
# What a summary needs: its stylesheet and fonts, and perhaps an image. Nothing executable, nothing else.
CONTENT_TYPES = {".css": "text/css", ".ttf": "font/ttf", ".svg": "image/svg+xml", ".png": "image/png"}
# Letters, digits, dots, dashes and underscores in "/"-separated parts: no "%", "\\", ":" or "?".
_SAFE_PATH = re.compile(r"^[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*$")


class RefusedURL(ValueError):
    """A URL outside the project's static files. WeasyPrint catches it and leaves the resource out."""


def static_url(path: str) -> str:
    """The URL a summary template uses for a static file, e.g. parallelstatic:coordination/pdf.css."""
    return f"{SCHEME}:{path}"


def _static_roots() -> list[Path]:
    roots = []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(Path(location).resolve())
    return roots


def resolve(url: str) -> Path:
    """The file a parallelstatic: URL names, or RefusedURL."""
    scheme, colon, path = url.partition(":")
    if not colon or scheme.lower() != SCHEME:
        raise RefusedURL(f"Only the project's static files may be loaded, not {scheme or 'this'}: URLs.")
    if not _SAFE_PATH.match(path) or any(part in (".", "..") for part in path.split("/")):
        raise RefusedURL("That static path is not allowed.")
    if Path(path).suffix.lower() not in CONTENT_TYPES:
        raise RefusedURL("That kind of file is not loaded into a summary.")
    found = finders.find(path)
    if not found:
        raise RefusedURL("No such static file.")
    resolved = Path(found).resolve()
    # A symbolic link inside a static directory must not lead out of it.
    if not any(resolved.is_relative_to(root) for root in _static_roots()):
        raise RefusedURL("That static path is not allowed.")
    return resolved


class StaticFilesFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves `parallelstatic:` URLs and refuses every other URL."""

    def __init__(self):
        # The base class sets up urllib's handlers (file, http, ftp, data); `fetch` below never uses them.
        super().__init__(allowed_protocols={SCHEME}, allow_redirects=False, fail_on_errors=False)

    def fetch(self, url, headers=None):
        path = resolve(url)
        content_type = CONTENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    def open(self, url, data=None, timeout=None):
        # urllib's entry point (the base class is an OpenerDirector): the same rule applies.
        return self.fetch(url if isinstance(url, str) else url.full_url)
