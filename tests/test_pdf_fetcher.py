"""The PDF path's URL fetcher, with the WeasyPrint installed: it serves the app's static files
(as WeasyPrint hands their URLs over) and nothing else."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import weasyprint
from pypdf import PdfReader

from pharmacy_app.app import ROOT
from pharmacy_app.pdf import FetchRefused, _fetcher, layout

STATIC = (ROOT / "static").resolve()


def fetched(static: Path, url: str) -> tuple[bytes, str]:
    """What the fetcher answers for `url`, in the form this WeasyPrint takes (a dict before
    68, a URLFetcherResponse from 68 on): its bytes and MIME type."""
    answer = _fetcher(static)(url)
    if isinstance(answer, dict):
        return answer["string"], answer["mime_type"]
    try:
        return answer.read(), answer.content_type
    finally:
        answer.close()


@pytest.mark.parametrize("url", ["/static/app.css", "app:///static/app.css", "static/app.css"])
def test_a_real_static_file_is_served_as_written_in_a_template(url):
    body, mime_type = fetched(STATIC, url)
    assert body == (STATIC / "app.css").read_bytes()
    assert mime_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        f"file://{STATIC}/app.css",  # even the static folder itself, by file URL
        "http://example.com/x.css",
        "https://example.com/static/app.css",
        "data:text/css,body{color:red}",
        "//example.com/static/app.css",
        "app://example.com/static/app.css",
        "/static/../pharmacy_app/config.py",
        "/static/%2e%2e/pharmacy_app/config.py",
        "/static/%2E%2E%2Fpharmacy_app%2Fconfig.py",
        "/static/..%2fpharmacy_app/config.py",
        "static/../pharmacy_app/config.py",
        "app:///static/../../etc/passwd",
        "app:///static//etc/passwd",
        "/static/%00app.css",
        "/pharmacy_app/config.py",
        "app:///elsewhere/app.css",
        "/static/",
        "/static/missing.css",
    ],
)
def test_anything_but_a_static_file_is_refused(url):
    with pytest.raises(FetchRefused):
        _fetcher(STATIC)(url)


def test_a_symbolic_link_out_of_the_static_folder_is_refused(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (tmp_path / "secret.css").write_text("@page { size: 50mm 30mm; }")
    (static / "linked.css").symlink_to(tmp_path / "secret.css")
    with pytest.raises(FetchRefused):
        _fetcher(static.resolve())("/static/linked.css")


def page_size_mm(html: str, static: Path) -> tuple[int, int]:
    reader = PdfReader(io.BytesIO(layout(html, static).write_pdf()))
    box = reader.pages[0].mediabox
    return round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)


@pytest.fixture
def folders(tmp_path):
    """A static folder whose stylesheet imports another beside it (a relative URL inside a
    fetched stylesheet), and, outside it, a stylesheet no render may read."""
    static = tmp_path / "static"
    (static / "print").mkdir(parents=True)
    (static / "print" / "page.css").write_text('@import "size.css";')
    (static / "print" / "size.css").write_text("@page { size: 80mm 60mm; margin: 5mm; }")
    (tmp_path / "secret.css").write_text("@page { size: 120mm 90mm; margin: 5mm; }")
    return static.resolve()


def link(href: str) -> str:
    return f'<html><head><link rel="stylesheet" href="{href}"></head><body>x</body></html>'


def test_weasyprint_applies_a_static_stylesheet_and_what_it_imports(folders):
    assert page_size_mm(link("/static/print/page.css"), folders) == (80, 60)


@pytest.mark.parametrize(
    "href",
    [
        "/static/../secret.css",
        "/static/%2e%2e/secret.css",
        "app:///static/%2E%2E/secret.css",
        "file://{outside}/secret.css",
        "http://127.0.0.1:9/secret.css",
    ],
)
def test_weasyprint_renders_without_what_is_refused(folders, href):
    a4 = (210, 297)  # WeasyPrint's default page
    html = link(href.format(outside=folders.parent))
    assert page_size_mm(html, folders) == a4
    # and the same document with a static stylesheet: the refusal is the only difference
    with_static = html.replace("</head>", '<link rel="stylesheet" href="/static/print/size.css">')
    assert page_size_mm(with_static, folders) == (80, 60)


def test_the_fetcher_is_one_weasyprint_takes_without_a_deprecation():
    """From 68 on a fetcher is a URLFetcher (70 refuses anything else); before, a function."""
    fetcher = _fetcher(STATIC)
    if hasattr(weasyprint, "URLFetcher"):
        assert isinstance(fetcher, weasyprint.URLFetcher)
    else:
        assert callable(fetcher)
