"""The one PDF path: template -> HTML -> WeasyPrint with a fetcher that serves only this app's
own static files -> bytes. Nothing is fetched from outside while rendering."""

from __future__ import annotations

import dataclasses
import mimetypes
import posixpath
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from weasyprint import HTML, Document
from weasyprint.text.fonts import FontConfiguration

try:  # WeasyPrint 68 and later
    from weasyprint.urls import URLFetcher, URLFetcherResponse
except ImportError:  # 62 to 67: a fetcher is a function answering with a dict
    URLFetcher = URLFetcherResponse = None

STATIC_PREFIX = "/static/"
PlainT = TypeVar("PlainT")


class FetchRefused(ValueError):
    """A URL outside the app's static folder was asked for while rendering."""


def render_pdf(template: str, **context: Any) -> bytes:
    """A template rendered to PDF bytes."""
    return bytes(layout(render_template(template, **context)).write_pdf())


def plain_values(cls: type[PlainT], source: object, **given: Any) -> PlainT:
    """A dataclass of the plain values a PDF prints: each field read from the attribute of
    the same name on `source` (a record), unless `given`. What a PDF template is passed is
    built this way, never the record itself."""
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    return cls(**{name: given[name] if name in given else getattr(source, name) for name in names})


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
    """WeasyPrint's URL fetcher, serving only `static`: from WeasyPrint 68 an instance of its
    `URLFetcher` class answering with a `URLFetcherResponse` (70 accepts nothing else and reads
    the fetcher's attributes); before 68 the function with a dict answer that those versions
    call (68 and 69 still take one, with a deprecation warning)."""
    if URLFetcher is None:
        return _fetch_as_dict(static)
    return _StaticFetcher(static)


def static_file(url: str, static: Path) -> Path:
    """The file in `static` that a URL met while rendering names, or FetchRefused.

    The HTML's base is `app:///`, which urllib cannot join to (an unknown scheme), so a link
    written as `/static/app.css` reaches the fetcher as it was written: a URL with no scheme is
    the app's own, relative to its root (the document's place), as is `app:///...`. Anything
    else (another scheme, a host, a path outside the static folder once `..`, `%2e%2e` and
    symbolic links are resolved, a folder) is refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("app", "") or parts.netloc:
        raise FetchRefused(f"refused to fetch {url!r} while rendering a PDF")
    name = posixpath.join("/", unquote(parts.path))
    if not name.startswith(STATIC_PREFIX) or "\x00" in name:
        raise FetchRefused(f"refused to fetch {url!r} while rendering a PDF")
    path = (static / name[len(STATIC_PREFIX) :]).resolve()
    if static not in path.parents or not path.is_file():
        raise FetchRefused(f"refused to fetch {url!r} while rendering a PDF")
    return path


def _served(path: Path, static: Path) -> tuple[str, bytes, str]:
    """A static file's URL, its bytes and its MIME type. The URL is root-relative, so a
    stylesheet's own relative URLs (`url(fonts/x.woff)`) resolve beside it."""
    url = STATIC_PREFIX + path.relative_to(static).as_posix()
    mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return url, path.read_bytes(), mime_type


def _fetch_as_dict(static: Path) -> Callable[..., dict[str, Any]]:
    def fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        served_url, body, mime_type = _served(static_file(url, static), static)
        return {"string": body, "mime_type": mime_type, "redirected_url": served_url}

    return fetch


if URLFetcher is not None:

    class _StaticFetcher(URLFetcher):
        """Answers from the static folder only; never opens a URL (no protocol is allowed to
        the opener it inherits, and no redirect is followed)."""

        def __init__(self, static: Path) -> None:
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
            self.static = static

        def fetch(self, url: str, headers: Any = None) -> Any:
            served_url, body, mime_type = _served(static_file(url, self.static), self.static)
            return URLFetcherResponse(served_url, body, {"Content-Type": mime_type})
