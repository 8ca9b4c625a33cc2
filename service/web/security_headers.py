"""Security headers on every answer: a strict Content-Security-Policy (no inline script, no
CDN), no sniffing, no framing, and no caching of pages or API answers (they hold case data)."""
from __future__ import annotations

from flask import Flask, request

# bpmn-js is its own script file under static/vendor/; no inline script anywhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html" or request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
