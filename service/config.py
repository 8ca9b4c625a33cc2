"""Configuration from ``KOOPFLOW_*`` environment variables, with safe embedded defaults."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from workflows.paths import AGREEMENTS_DIR, BPMN_DIR, FORMS_DIR, VAR_DIR

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
OIDC_PREFIX = "KOOPFLOW_OIDC_"


@dataclass
class Settings:
    database_url: str
    secret_key: str
    bpmn_dir: Path = BPMN_DIR
    forms_dir: Path = FORMS_DIR
    agreements_dir: Path = AGREEMENTS_DIR
    documents_dir: Path = VAR_DIR / "documents"  # uploaded files, outside the web root
    base_url: str = "http://localhost:5000"
    # None: Secure cookies unless the app is served over plain http on this machine (see
    # docs/security.md); KOOPFLOW_SECURE_COOKIES=1/0 decides explicitly.
    secure_cookies: bool | None = None
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-For is believed
    # SQLite: seconds a command waits for another's write lock before "bitte erneut versuchen"
    lock_timeout: float = 10.0
    # Bearer token for GET /metrics (KOOPFLOW_METRICS_TOKEN); None: /metrics answers 404
    metrics_token: str | None = None
    # SQLite: seconds the audit entry of a read (case/task page, export) waits for the write lock
    # before the page says "bitte erneut versuchen"; a page never hangs behind a long write
    audit_lock_timeout: float = 2.0
    oidc: dict = field(default_factory=dict)  # KOOPFLOW_OIDC_* (service/web/oidc.py); empty: local accounts only
    extra: dict = field(default_factory=dict)

    @property
    def cookies_secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        parts = urlsplit(self.base_url)
        return not (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        return cls(
            database_url=env.get("KOOPFLOW_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'koopflow.db'}",
            secret_key=env.get("KOOPFLOW_SECRET_KEY") or _local_secret_key(),
            bpmn_dir=Path(env.get("KOOPFLOW_BPMN_DIR") or BPMN_DIR),
            forms_dir=Path(env.get("KOOPFLOW_FORMS_DIR") or FORMS_DIR),
            agreements_dir=Path(env.get("KOOPFLOW_AGREEMENTS_DIR") or AGREEMENTS_DIR),
            documents_dir=Path(env.get("KOOPFLOW_DOCUMENTS_DIR") or VAR_DIR / "documents"),
            base_url=(env.get("KOOPFLOW_BASE_URL") or "http://localhost:5000").rstrip("/"),
            secure_cookies=_flag(env.get("KOOPFLOW_SECURE_COOKIES")),
            trusted_proxies=int(env.get("KOOPFLOW_TRUSTED_PROXIES") or 0),
            lock_timeout=float(env.get("KOOPFLOW_DB_LOCK_TIMEOUT") or 10.0),
            metrics_token=env.get("KOOPFLOW_METRICS_TOKEN") or None,
            audit_lock_timeout=float(env.get("KOOPFLOW_AUDIT_LOCK_TIMEOUT") or 2.0),
            oidc={key[len(OIDC_PREFIX):].lower(): value for key, value in env.items()
                  if key.startswith(OIDC_PREFIX) and value},
        )


def _flag(value: str | None) -> bool | None:
    if not value:
        return None
    return value.lower() in ("1", "true", "yes")


def _local_secret_key() -> str:
    """For the embedded default only: a random key kept in var/, made on first start."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
