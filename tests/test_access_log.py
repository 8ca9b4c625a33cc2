"""The web server's access log (gunicorn, as `make run` starts it) never holds an approval
link's token or a calendar feed's key."""
from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from gunicorn.config import Config

from service.web.access_log import MaskingLogger

TOKEN = "eyJyIjo0MiwibiI6ImFiYyJ9.Zx1-secretsignature"


def access_line(path: str, query: str = "", referer: str = "-") -> str:
    config = Config()
    config.set("accesslog", "-")
    logger = MaskingLogger(config)
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger.access_log.handlers = [handler]
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": path + (f"?{query}" if query else ""), "PATH_INFO": path,
               "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.7",
               "HTTP_REFERER": referer}
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", referer)])
    logger.access(response, request, environ, timedelta(milliseconds=3))
    [line] = lines
    return line


def test_an_approval_links_token_is_masked_in_the_request_and_the_referrer():
    line = access_line(f"/approvals/{TOKEN}", "entscheidung=genehmigen",
                       referer=f"https://koopflow.example/approvals/{TOKEN}")
    assert TOKEN not in line and "secretsignature" not in line
    assert 'GET /approvals/***?entscheidung=genehmigen HTTP/1.1" 200' in line
    assert '"https://koopflow.example/approvals/***"' in line and line.startswith("10.0.0.7 ")


def test_a_calendar_key_is_masked_and_other_paths_stay_as_they_are():
    assert f"{TOKEN}" not in access_line(f"/calendar/{TOKEN}.ics")
    assert "GET /calendar/***.ics HTTP/1.1" in access_line(f"/calendar/{TOKEN}.ics")
    assert "GET /cases/12 HTTP/1.1" in access_line("/cases/12")


def test_make_run_starts_gunicorn_with_the_masking_logger():
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    assert "--logger-class service.web.access_log.MaskingLogger" in makefile
