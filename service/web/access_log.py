"""gunicorn's access log without the secrets some addresses carry: the signed token of an
approval link (/approvals/<token>) and the per-user key of the calendar feed
(/calendar/<token>.ics) are masked in every field of the line (request line, path, query,
referrer). Used by `make run` (``--logger-class service.web.access_log.MaskingLogger``)."""
from __future__ import annotations

import re

from gunicorn.glogging import Logger

SECRET_PATHS = re.compile(r"(/approvals/)[^/?#\s\"]+|(/calendar/)[^/?#\s\"]+?(?=\.ics)")
MASK = "***"


def mask(text: str) -> str:
    return SECRET_PATHS.sub(lambda found: (found.group(1) or found.group(2)) + MASK, text)


class MaskingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        return {key: mask(value) if isinstance(value, str) else value
                for key, value in super().atoms(resp, req, environ, request_time).items()}
