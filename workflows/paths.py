"""Where the data directories (bpmn/, forms/, agreements/) are when nothing else is configured.

In a checkout (``make run``, the tests, ``pip install -e``) they sit beside the packages, in
PROJECT_ROOT. A wheel cannot put files beside site-packages, so pyproject.toml installs them
as data files into ``<prefix>/share/koopflow/`` (the venv's or the system's prefix), and that
is where they are looked for when the packages are not in a checkout (no pyproject.toml
beside them). KOOPFLOW_BPMN_DIR, KOOPFLOW_FORMS_DIR and KOOPFLOW_AGREEMENTS_DIR override
both (service/config.py).

VAR_DIR holds what a process writes when nothing else is configured (the embedded SQLite
file, the generated secret key, uploaded documents): the checkout's var/, or, installed from
the wheel, var/ of the directory the process was started in, never inside site-packages.
"""
import sysconfig
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
IN_CHECKOUT = (PROJECT_ROOT / "pyproject.toml").is_file()
DATA_ROOT = PROJECT_ROOT if IN_CHECKOUT else Path(sysconfig.get_path("data")) / "share" / "koopflow"
BPMN_DIR = DATA_ROOT / "bpmn"
FORMS_DIR = DATA_ROOT / "forms"
AGREEMENTS_DIR = DATA_ROOT / "agreements"
VAR_DIR = PROJECT_ROOT / "var" if IN_CHECKOUT else Path.cwd() / "var"
