"""Security headers on every answer, and no inline script anywhere: the CSP allows scripts
only from KoopFlow's own files (bpmn-js is one, see tests/browser for it drawing under
this policy)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[1] / "service" / "templates"


@pytest.mark.parametrize("url, who", [("/login", None), ("/inbox", "lk.sozialamt"), ("/processes", "lk.sozialamt"),
                                      ("/api/v1/openapi.json", None), ("/no-such-page", None)])
def test_every_answer_carries_the_security_headers(app, as_user, url, who):
    client = as_user(who).client if who else app.test_client()
    headers = client.get(url).headers
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_no_template_has_inline_script_or_event_handlers():
    found = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        found += [f"{template.name}: inline <script>" for tag in re.findall(r"<script\b[^>]*>", text) if "src=" not in tag]
        found += [f"{template.name}: {handler}" for handler in re.findall(r"\son[a-z]+\s*=", text)]
        found += [f"{template.name}: javascript: URL" for _ in re.findall(r"javascript:", text, re.I)]
    assert found == []
