"""Where the data directories are when nothing else is configured: beside the packages."""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BPMN_DIR = PROJECT_ROOT / "bpmn"
FORMS_DIR = PROJECT_ROOT / "forms"
AGREEMENTS_DIR = PROJECT_ROOT / "agreements"
