"""The one PDF path: template -> HTML -> WeasyPrint with a fetcher that serves only this app's
own static files -> bytes. Nothing is fetched from outside while rendering."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from weasyprint import HTML

STATIC_PREFIX = "/static/"


class FetchRefused(ValueError):
    """A URL outside the app's static folder was asked for while rendering."""


def render_pdf(template: str, **context: Any) -> bytes:
    html = render_template(template, **context)
    static = Path(current_app.static_folder or "static").resolve()
    return HTML(string=html, base_url="app:///", url_fetcher=_fetcher(static)).write_pdf()


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
