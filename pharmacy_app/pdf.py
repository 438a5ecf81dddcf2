"""The one PDF path: template -> HTML -> WeasyPrint with a fetcher that serves only this app's
own static files -> bytes. Nothing is fetched from outside while rendering."""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from weasyprint import HTML, Document
from weasyprint.text.fonts import FontConfiguration

STATIC_PREFIX = "/static/"


class FetchRefused(ValueError):
    """A URL outside the app's static folder was asked for while rendering."""


def render_pdf(template: str, **context: Any) -> bytes:
    """A template rendered to PDF bytes."""
    return bytes(layout(render_template(template, **context)).write_pdf())


def layout(html: str, static: Path | None = None) -> Document:
    """Lay out HTML into pages (to count them before writing, as labels do). `static` is
    the app's static folder, for callers outside an app context (worker processes)."""
    folder = static or static_folder()
    return HTML(string=html, base_url="app:///", url_fetcher=_fetcher(folder)).render(
        font_config=_font_config()
    )


def static_folder() -> Path:
    return Path(current_app.static_folder or "static").resolve()


@lru_cache(maxsize=1)
def _font_config() -> FontConfiguration:
    # Reused between renders: building the font configuration is a measurable share of a
    # small label's rendering time.
    return FontConfiguration()


def _fetcher(static: Path) -> Any:
    def fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        parts = urlsplit(url)
        if parts.scheme != "app" or not parts.path.startswith(STATIC_PREFIX):
            raise FetchRefused(f"refused to fetch {url!r} while rendering a PDF")
        path = (static / unquote(parts.path[len(STATIC_PREFIX) :])).resolve()
        if static not in path.parents or not path.is_file():
            raise FetchRefused(f"refused to fetch {url!r} while rendering a PDF")
        return {
            "string": path.read_bytes(),
            "mime_type": mimetypes.guess_type(path.name)[0] or "application/octet-stream",
        }

    return fetch
