"""Other OS processes on a test's database, as in a deployment with several of them:
``koopflow worker --steps`` walking through simulated time in lockstep with the test, and web
processes (tests/support/web_process.py) that each send one form when told to."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from workflows.paths import PROJECT_ROOT

KOOPFLOW = Path(sys.executable).with_name("koopflow")
ROUND = re.compile(r"^(\S+) Timer ausgelöst: (\d+); Jahresabfragen eröffnet: (\d+);")


def process_env(database_url: str, documents_dir: Path) -> dict[str, str]:
    """This environment without any KOOPFLOW_* setting of the caller, on the given database
    (uploads in ``documents_dir``, not in the project's var/)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("KOOPFLOW_")}
    env.update(KOOPFLOW_DATABASE_URL=database_url, KOOPFLOW_SECRET_KEY="test-secret",
               KOOPFLOW_DOCUMENTS_DIR=str(documents_dir))
    return env


class Child:
    """A process spoken to line by line on stdin/stdout; its stderr goes to a log file."""

    def __init__(self, command: list[str], database_url: str, log: Path):
        self.log = log
        with log.open("w") as stderr:
            self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                                            text=True, env=process_env(database_url, log.parent / "documents"),
                                            cwd=PROJECT_ROOT)

    def send(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def read(self) -> str:
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(timeout=30)
            raise AssertionError(f"{self.log.name} ended ({self.process.returncode}): {self.log.read_text()[-3000:]}")
        return line.rstrip("\n")

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)
        assert self.process.returncode == 0, f"{self.log.name}: {self.log.read_text()[-3000:]}"


class SteppingWorker(Child):
    """``koopflow worker --steps``: one worker round per instant sent."""

    def __init__(self, database_url: str, log: Path):
        super().__init__([str(KOOPFLOW), "worker", "--steps"], database_url, log)

    def result(self, moment: datetime) -> tuple[int, int]:
        """(timers fired, annual cases opened) of the round at ``moment``."""
        while True:
            found = ROUND.match(self.read())
            if found and found.group(1) == moment.isoformat():
                return int(found.group(2)), int(found.group(3))


class WebProcess(Child):
    """A web process with one logged-in user, holding a task's form, sending it on "go"."""

    def __init__(self, database_url: str, log: Path, now: datetime, username: str, task_id: int, data: dict):
        super().__init__([sys.executable, "-m", "tests.support.web_process", now.isoformat(), username,
                          str(task_id), json.dumps(data)], database_url, log)
