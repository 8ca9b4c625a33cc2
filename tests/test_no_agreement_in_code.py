"""An agreement is data: no code path names one. Diagrams, forms, the engine, the web side
and the Makefile serve every agreement alike; only agreements/ (and tests) name Gießen or
its org units. So a second agreement needs no code change."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CODE = [p for folder in ("workflows", "service", "bpmn", "forms") for p in (ROOT / folder).rglob("*")
        if p.is_file() and p.suffix in {".py", ".bpmn", ".json", ".html", ".txt", ".css", ".js", ".md", ".yaml"}
        and "vendor" not in p.parts] + [ROOT / "Makefile"]


def _names_of_the_first_agreement() -> list[str]:
    data = yaml.safe_load((ROOT / "agreements" / "landkreis-giessen.yaml").read_text(encoding="utf-8"))
    units = [u["id"] for p in data["partners"] for u in p["org_units"]]
    return ["Gießen", "Giessen", data["id"], *units]


def test_the_scan_covers_the_code():
    assert len(CODE) > 100
    assert ROOT / "workflows" / "worker.py" in CODE and ROOT / "bpmn" / "handover_school_end.bpmn" in CODE


def test_no_code_names_the_giessen_agreement_or_its_org_units():
    words = _names_of_the_first_agreement()
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    found = [f"{path.relative_to(ROOT)}:{n}: {match.group(0)}"
             for path in CODE for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             for match in [pattern.search(line)] if match]
    assert found == []
