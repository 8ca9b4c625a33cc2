"""Configuration from ``KOOPFLOW_*`` environment variables, with safe embedded defaults."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from workflows.paths import AGREEMENTS_DIR, BPMN_DIR, FORMS_DIR, PROJECT_ROOT

VAR_DIR = PROJECT_ROOT / "var"


@dataclass
class Settings:
    database_url: str
    secret_key: str
    bpmn_dir: Path = BPMN_DIR
    forms_dir: Path = FORMS_DIR
    agreements_dir: Path = AGREEMENTS_DIR
    documents_dir: Path = VAR_DIR / "documents"  # uploaded files, outside the web root
    base_url: str = "http://localhost:5000"
    secure_cookies: bool = False
    extra: dict = field(default_factory=dict)

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
            secure_cookies=env.get("KOOPFLOW_SECURE_COOKIES", "").lower() in ("1", "true", "yes"),
        )


def _local_secret_key() -> str:
    """For the embedded default only: a random key kept in var/, made on first start."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
