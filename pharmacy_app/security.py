"""Security headers on every response, and no caching of anything that may hold patient data.

A small after-request hook rather than Flask-Talisman: Talisman's last release is from 2023 and
it forces HTTPS by default (redirects, secure-only cookies), which the development server and
the tests do not have; the headers themselves are a few constant strings.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.wrappers import Response

# Everything the pages load comes from the app itself: its stylesheet, the order form's script
# (static/order-form.js) and the checker's answers fetched by it. No inline script, no inline
# style attribute or <style> block, no eval, no plugins, no other origin. Forms post only back
# to the app, and no page may be framed (against clickjacking a Verify or Sign off button).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # For browsers older than CSP's frame-ancestors.
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: Flask-WTF's CSRF check over HTTPS requires a same-origin Referer, and
    # same-origin still sends nothing (no Rx numbers in URLs) to any other site.
    "Referrer-Policy": "same-origin",
}


def configure_security_headers(app: Flask) -> None:
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    """Set the security headers; everything but a static file served is `no-store`: pages, PDFs,
    CSV exports, API answers, errors and redirects may all carry patient or business data,
    and a shared pharmacy computer must not keep them in its browser cache."""
    response.headers.update(SECURITY_HEADERS)
    if not (request.endpoint == "static" and response.status_code < 400):
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response
