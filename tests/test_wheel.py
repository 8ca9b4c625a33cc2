"""The wheel holds everything KoopFlow needs at run time (issue 13).

``pip install -e`` hides a missing file: the checkout is right there. So the wheel is built
from a copy of the checkout (the build leaves nothing in the working tree), installed with
``--no-deps`` into a fresh venv, and used from a directory outside the checkout without any
KOOPFLOW_*_DIR: ``koopflow db upgrade``, ``koopflow demo load``, a login, the inbox, a mail
and the agreement files. The fresh venv sees the dependencies through one plain path line in
a .pth file naming this venv's site-packages; .pth files in a directory added that way are
not processed, so the editable install of koopflow in there cannot leak in (checked through
``service.__file__`` and ``workflows.__file__``). Runs once, not per database.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from workflows.paths import PROJECT_ROOT

# Never copied for the build: not part of the product, or made by builds and runs.
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "node_modules", "var", "build", "dist", "*.egg-info",
                                     "__pycache__", "*.pyc", ".pytest_cache", ".hypothesis")
DATA_DIRS = ("bpmn", "forms", "agreements")

# Runs in the fresh venv, cwd a temp directory. Prints one JSON line; a failing step exits 1
# naming the step.
SCRIPT = r'''
import json, re, sys, traceback
from datetime import date, datetime, timezone

facts = {}

def step(name, check):
    try:
        check()
    except Exception:
        sys.exit(f"step failed: {name}\n{traceback.format_exc()}")

def where():
    import service, workflows
    from workflows import paths
    facts.update(service=service.__file__, workflows=workflows.__file__, bpmn=str(paths.BPMN_DIR),
                 forms=str(paths.FORMS_DIR), agreements=str(paths.AGREEMENTS_DIR), var=str(paths.VAR_DIR))

def agreement_files():
    from workflows.agreements.files import load_agreements  # reads agreement.schema.json on import
    facts["agreements_loaded"] = sorted(load_agreements())

def mail():
    from workflows.mail.compose import enqueue_external

    class Session:
        def add(self, mail):
            facts["mail"] = [mail.text_body, mail.html_body]

    enqueue_external(Session(), datetime.now(timezone.utc), kind="reminder", to_address="test@example.org",
                     recipient_name="Test", subject="Erinnerung", template="notice",
                     context={"kind": "reminder", "case_number": "LK-2027-0001", "process_name": "Übergabe",
                              "step": "Prüfen", "due_on": date(2027, 3, 31), "case_id": 1})

def web():
    from service import create_app

    client = create_app().test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    login = client.post("/login", data={"csrf_token": token, "username": "lk.sozialamt", "password": "demo"})
    assert login.status_code == 302, f"login: {login.status_code}"
    facts["inbox"] = client.get("/inbox").status_code
    facts["bpmn_js"] = client.get("/static/vendor/bpmn-navigated-viewer.production.min.js").status_code

step("import the installed packages", where)
step("load the agreements (and their JSON Schema)", agreement_files)
step("render a mail from the mail templates", mail)
step("create_app, log in, open the inbox", web)
print(json.dumps(facts))
'''


def run(command: list, cwd: Path, env: dict | None = None, what: str = "") -> str:
    result = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, f"{what or command} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result.stdout


def expected_in_wheel() -> set[str]:
    """Every file of the packages (no bytecode, no dotfiles) and of the data directories, by
    its path in the wheel."""
    expected = set()
    for package in ("workflows", "service"):
        for path in (PROJECT_ROOT / package).rglob("*"):
            relative = path.relative_to(PROJECT_ROOT)
            if path.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in relative.parts) \
                    and path.suffix != ".pyc":
                expected.add(relative.as_posix())
    for name in DATA_DIRS:
        expected.update(f"DATA/share/koopflow/{name}/{path.name}" for path in (PROJECT_ROOT / name).iterdir())
    return expected


def test_the_wheel_runs_koopflow_without_the_checkout(tmp_path):
    assert (PROJECT_ROOT / "service/static/vendor/bpmn-navigated-viewer.production.min.js").is_file(), \
        "service/static/vendor/ is empty: run `make install` first"
    source, dist, fresh, work = (tmp_path / name for name in ("source", "dist", "venv", "work"))
    shutil.copytree(PROJECT_ROOT, source, ignore=NOT_SOURCES)
    run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist, source], tmp_path,
        what="building the wheel")
    (wheel,) = dist.glob("koopflow-*.whl")

    with zipfile.ZipFile(wheel) as archive:
        data_prefix = wheel.name.split("-py3")[0] + ".data/data/"
        names = {name.replace(data_prefix, "DATA/", 1) for name in archive.namelist()}
    missing = sorted(expected_in_wheel() - names)
    assert not missing, f"not in the wheel: {missing}"
    for required in ("workflows/mail/templates/task_new.txt", "workflows/agreements/agreement.schema.json",
                     "workflows/migrations/env.py", "workflows/migrations/versions/0001_initial_schema.py",
                     "service/templates/base.html", "DATA/share/koopflow/bpmn/handover_school_end.bpmn",
                     "DATA/share/koopflow/forms/handover_prepare.schema.json",
                     "DATA/share/koopflow/agreements/landkreis-giessen.yaml"):
        assert required in names, f"{required} not in the wheel"

    run([sys.executable, "-m", "venv", "--without-pip", fresh], tmp_path, what="creating the fresh venv")
    python = fresh / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index",
         "--disable-pip-version-check", wheel], tmp_path, what="installing the wheel")
    fresh_site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp_path).strip())
    (fresh_site / "koopflow-test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")

    work.mkdir()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("KOOPFLOW_", "PYTHON")) and key != "VIRTUAL_ENV"}
    env.update(KOOPFLOW_DATABASE_URL=f"sqlite:///{work / 'koopflow.db'}", KOOPFLOW_SECRET_KEY="wheel-test-secret")
    koopflow = fresh / "bin" / "koopflow"
    run([koopflow, "db", "upgrade"], work, env, "koopflow db upgrade (migrations in the wheel?)")
    run([koopflow, "demo", "load"], work, env, "koopflow demo load (diagrams, forms, agreements in the wheel?)")
    (work / "check.py").write_text(SCRIPT)
    facts = json.loads(run([python, "check.py"], work, env, "the app from the wheel").splitlines()[-1])

    for module in ("service", "workflows"):
        assert Path(facts[module]).is_relative_to(fresh_site), f"{module} imported from {facts[module]}, not the wheel"
    for name in DATA_DIRS:
        assert Path(facts[name]) == fresh / "share" / "koopflow" / name, (name, facts[name])
    assert facts["agreements_loaded"] == ["landkreis-giessen", "landkreis-lahnfeld"]
    assert Path(facts["var"]) == work / "var"  # what it writes by default: where it runs, not site-packages
    text, html = facts["mail"]
    assert "LK-2027-0001" in text and "31.03.2027" in text and "Zum Vorgang" in html
    assert facts["inbox"] == 200 and facts["bpmn_js"] == 200, facts
