"""Cooperation agreements as data: read from agreements/*.yaml, checked, stored.

An agreement names its partners (agencies) and their org units, maps process lane roles
to org units, and says which processes run under it. A new Landkreis is a new file, not
new code.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import holidays
import yaml
from jsonschema import Draft202012Validator
from sqlalchemy.orm import Session

from workflows.agreements.contacts import seed_contacts
from workflows.agreements.versions import seed_from_file
from workflows.errors import DefinitionError
from workflows.paths import AGREEMENTS_DIR
from workflows.store.organisation import ACTIVE, Agreement

_SCHEMA = json.loads((Path(__file__).parent / "agreement.schema.json").read_text())
_VALIDATOR = Draft202012Validator(_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


@dataclass(frozen=True)
class AgreementData:
    """An agreement file, checked."""

    data: dict
    source: str
    content_hash: str

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def delivery_deadline_rule(self) -> str:
        return self.data["delivery_deadline_rule"]

    @property
    def holiday_subdivision(self) -> str:
        return self.data["holiday_subdivision"]

    @property
    def roles(self) -> dict[str, list[str]]:
        return self.data["roles"]

    @property
    def processes(self) -> list[str]:
        """The processes people start under this agreement."""
        return self.data["processes"]

    @property
    def all_processes(self) -> list[str]:
        """Those plus the ones the worker starts for enabled annual requests."""
        annual = [r["process"] for r in self.data.get("annual_requests", []) if r.get("enabled")]
        bodies = [c["process"] for c in self.data.get("conferences", []) if c.get("enabled")]
        return list(dict.fromkeys(self.processes + annual + bodies))

# Agreement data (file or Anpassung) is small; anything beyond these is refused unread.
MAX_YAML_BYTES = 256 * 1024
MAX_YAML_DEPTH = 20
MAX_YAML_NODES = 20_000


class YamlRefused(ValueError):
    """YAML that is too large, too deep or uses aliases; ``str()`` is the German reason."""


class _LimitedLoader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases (the way into a billion-laughs bomb) and with a
    depth and node limit checked while composing, before any value is built."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise YamlRefused("Verweise (*Anker) sind in Vereinbarungsdaten nicht erlaubt.")
        self._nodes += 1
        if self._nodes > MAX_YAML_NODES:
            raise YamlRefused(f"Die Vereinbarungsdaten haben mehr als {MAX_YAML_NODES} Einträge.")
        self._depth += 1
        if self._depth > MAX_YAML_DEPTH:
            raise YamlRefused(f"Die Vereinbarungsdaten sind tiefer als {MAX_YAML_DEPTH} Ebenen verschachtelt.")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_limited_yaml(text: str):
    """``yaml.safe_load`` within the limits above: YamlRefused or yaml.YAMLError if not."""
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        raise YamlRefused(f"Die Vereinbarungsdaten sind größer als {MAX_YAML_BYTES // 1024} KB.")
    loader = _LimitedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def read_agreement_file(path: Path) -> AgreementData:
    source = path.read_text(encoding="utf-8")
    try:
        data = load_limited_yaml(source)
    except YamlRefused as exc:
        raise DefinitionError(f"{path.name}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise DefinitionError(f"{path.name}: kein gültiges YAML ({exc})") from exc
    data = json_ready(data)
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(p) for p in errors[0].path) or "(Wurzel)"
        raise DefinitionError(f"{path.name}, {where}: {errors[0].message}")
    problems = value_problems(data)
    if problems:
        raise DefinitionError(f"{path.name}, {next(iter(problems.values()))}")
    _check_references(path.name, data)
    return AgreementData(data, source, hashlib.sha256(source.encode()).hexdigest())


def value_problems(data: dict) -> dict[str, str]:
    """Values the schema lets through but the worker could not use, by path: a holiday
    subdivision the ``holidays`` package does not know, a month-day that is no date every
    year, a text with a line break or control character (titles go into mail headers and
    calendar entries)."""
    problems: dict[str, str] = {}
    subdivision = data.get("holiday_subdivision")
    if isinstance(subdivision, str) and subdivision not in holidays.Germany.subdivisions:
        problems["holiday_subdivision"] = (f"{subdivision} ist kein deutsches Bundesland, das der Feiertagskalender "
                                           f"kennt (z. B. HE).")
    start = data.get("operation_start")
    if isinstance(start, str):
        try:
            date.fromisoformat(start)
        except ValueError:
            problems["operation_start"] = "ist kein Datum (JJJJ-MM-TT)."
    for index, request in enumerate(data.get("annual_requests", [])):
        for key in ("opens", "due"):
            if not _real_month_day(request.get(key)):
                problems[f"annual_requests/{index}/{key}"] = "ist kein Tag, den es jedes Jahr gibt (MM-TT)."
    for index, conference in enumerate(data.get("conferences", [])):
        for number, value in enumerate(conference.get("opens", [])):
            if not _real_month_day(value):
                problems[f"conferences/{index}/opens/{number}"] = "ist kein Tag, den es jedes Jahr gibt (MM-TT)."
    for kind, days in (data.get("task_reminders") or {}).items():
        if isinstance(days, dict) and isinstance(days.get("reminder"), int) and isinstance(days.get("escalation"), int) \
                and days["escalation"] <= days["reminder"]:
            problems[f"task_reminders/{kind}/escalation"] = ("muss nach der Erinnerung kommen (mehr Arbeitstage als "
                                                            f"reminder: {days['reminder']}).")
    partners = {p.get("id") for p in data.get("partners", []) if isinstance(p, dict)}
    for partner_id, role in (data.get("escalation_roles") or {}).items():
        if partner_id not in partners:
            problems[f"escalation_roles/{partner_id}"] = "ist kein Partner der Vereinbarung."
        elif role not in (data.get("roles") or {}):
            problems[f"escalation_roles/{partner_id}"] = f"die Rolle {role} steht nicht unter roles."
    milestones = (data.get("school_leaver_cohort") or {}).get("milestones") or {}
    for key, milestone in milestones.items() if isinstance(milestones, dict) else ():
        for side in ("office", "lead"):
            role = milestone.get(side) if isinstance(milestone, dict) else None
            if role is not None and role not in (data.get("roles") or {}):
                problems[f"school_leaver_cohort/milestones/{key}/{side}"] = f"die Rolle {role} steht nicht unter roles."
    for where, text in _strings(data, ""):
        if any(ord(char) < 32 or ord(char) == 127 or char in "\u2028\u2029" for char in text):
            problems.setdefault(where or "(Wurzel)", "darf keinen Zeilenumbruch und kein Steuerzeichen enthalten.")
    return {where: f"{where}: {message}" for where, message in problems.items()}


def _real_month_day(value) -> bool:
    if not isinstance(value, str):
        return True  # the schema reports the type
    try:
        date.fromisoformat(f"2023-{value}")  # not a leap year: 02-29 is no date every year
    except ValueError:
        return False
    return True


def _strings(value, where: str):
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _strings(inner, f"{where}/{key}" if where else str(key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _strings(inner, f"{where}/{index}")


def json_ready(value):
    """YAML gives dates as date objects; the stored agreement is plain JSON."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_ready(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _check_references(filename: str, data: dict) -> None:
    units = [u["id"] for p in data["partners"] for u in p["org_units"]]
    if len(units) != len(set(units)):
        raise DefinitionError(f"{filename}: eine Organisationseinheit ist doppelt aufgeführt")
    for role, unit_ids in data["roles"].items():
        for unit_id in unit_ids:
            if unit_id not in units:
                raise DefinitionError(f"{filename}, roles/{role}: unbekannte Organisationseinheit {unit_id}")
    for role in data.get("partner_roles", {}):
        if role not in data["roles"]:
            raise DefinitionError(f"{filename}, partner_roles/{role}: die Rolle steht nicht unter roles")
    for key in ("owners", "consent"):
        for role in data.get("process_changes", {}).get(key, []):
            if role not in data["roles"]:
                raise DefinitionError(f"{filename}, process_changes/{key}/{role}: die Rolle steht nicht unter roles")
    _check_conferences(filename, data, set(units))
    _check_data_sets(filename, data)


def _check_data_sets(filename: str, data: dict) -> None:
    """§ 9 data sets name a request of the agreement, and their figures name its columns."""
    requests = {r["key"] for r in data.get("annual_requests", [])}
    for index, data_set in enumerate(data.get("data_sets", [])):
        where = f"{filename}, data_sets/{index}"
        if data_set["request"] not in requests:
            raise DefinitionError(f"{where}: unbekannte jährliche Abfrage {data_set['request']}")
        kinds = {c["name"]: c.get("type", "text") for c in data_set["columns"]}
        if len(kinds) != len(data_set["columns"]):
            raise DefinitionError(f"{where}: eine Spalte ist doppelt aufgeführt")
        for figure in data_set.get("figures", []):
            if figure.get("sum") is not None and kinds.get(figure["sum"]) not in ("integer", "number"):
                raise DefinitionError(f"{where}, {figure['key']}: sum nennt keine Zahlenspalte: {figure['sum']}")
            for column in figure.get("where", {}):
                if column not in kinds:
                    raise DefinitionError(f"{where}, {figure['key']}: unbekannte Spalte {column}")


def _check_conferences(filename: str, data: dict, units: set[str]) -> None:
    partners = {p["id"] for p in data["partners"]}
    for conference in data.get("conferences", []):
        where = f"{filename}, conferences/{conference['key']}"
        named = conference["organisers"] + conference.get("participants", {}).get("org_units", [])
        for unit_id in named:
            if unit_id not in units:
                raise DefinitionError(f"{where}: unbekannte Organisationseinheit {unit_id}")
        for partner_id in conference.get("management", {}).get("rotation", []):
            if partner_id not in partners:
                raise DefinitionError(f"{where}, management: unbekannter Partner {partner_id}")
        if len(conference.get("opens", [])) not in (0, conference["times_per_year"]):
            raise DefinitionError(f"{where}: opens nennt nicht times_per_year Termine")


def load_agreements(directory: Path = AGREEMENTS_DIR) -> dict[str, AgreementData]:
    """Every agreement file (``*.yaml`` but not ``*.demo-users.yaml``) in the directory."""
    found = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name.endswith(".demo-users.yaml"):
            continue
        agreement = read_agreement_file(path)
        shared = shared_org_units(agreement.data, [a.data for a in found.values()])
        if shared:
            raise DefinitionError(f"{path.name}: {shared}")
        found[agreement.id] = agreement
    return found


def shared_org_units(data: dict, others: list[dict]) -> str | None:
    """A German message if ``data`` names an org unit another agreement already names, else None.

    Org units are inbox groups, and who sees a case follows them: a unit in two agreements
    would let its members see both agreements' cases."""
    taken = {unit["id"]: other["id"] for other in others if other["id"] != data["id"]
             for partner in other["partners"] for unit in partner["org_units"]}
    clashes = sorted({unit["id"] for partner in data["partners"] for unit in partner["org_units"]} & set(taken))
    if not clashes:
        return None
    return (f"die Organisationseinheit {clashes[0]} gehört schon zur Vereinbarung {taken[clashes[0]]}; "
            f"jede Vereinbarung braucht eigene Kennungen für ihre Organisationseinheiten")


def load_agreement(agreement_id: str, directory: Path = AGREEMENTS_DIR) -> AgreementData:
    agreements = load_agreements(directory)
    if agreement_id not in agreements:
        raise DefinitionError(f"Vereinbarung {agreement_id} nicht gefunden in {directory}")
    return agreements[agreement_id]


def store_agreement(session: Session, agreement: AgreementData, now) -> None:
    """Create the agreement or bring its file in as version 1 (workflows/agreements/versions.py)."""
    row = session.get(Agreement, agreement.id)
    if row is None:
        row = Agreement(id=agreement.id, status=ACTIVE, name=agreement.data["name"], data=agreement.data,
                        source=agreement.source, content_hash=agreement.content_hash, loaded_at=now)
        session.add(row)
    seed_from_file(session, row, agreement.data, agreement.source, agreement.content_hash, now)
    seed_contacts(session, agreement.id, agreement.data.get("contacts", []), now)


def check_agreement_data(data: dict) -> dict[str, str]:
    """Changed agreement data (an Anpassung), checked: German messages by field path, {} if fine."""
    errors = {}
    for error in sorted(_VALIDATOR.iter_errors(data), key=lambda e: list(e.path)):
        errors.setdefault("/".join(str(p) for p in error.path) or "(Wurzel)", german_message(error))
    if not errors:
        errors.update(value_problems(data))
    if not errors:
        try:
            _check_references("", data)
        except DefinitionError as exc:
            errors["roles"] = str(exc).lstrip(", ")
    return errors


_TYPES_DE = {"string": "ein Text", "integer": "eine ganze Zahl", "number": "eine Zahl", "boolean": "ja/nein (true/false)",
             "array": "eine Liste", "object": "ein Abschnitt mit Schlüsseln"}


def german_message(error) -> str:
    """One jsonschema error of agreement data as a German sentence."""
    where = "/".join(str(p) for p in error.path) or "oberste Ebene"
    value = error.validator_value
    texts = {
        "required": lambda: f"{where}: Pflichtangabe fehlt ({error.message.split(chr(39))[1]}).",
        "type": lambda: f"{where}: muss {_TYPES_DE.get(value, value) if isinstance(value, str) else value} sein.",
        "enum": lambda: f"{where}: erlaubt sind nur {', '.join(map(str, value))}.",
        "const": lambda: f"{where}: muss {value} sein.",
        "pattern": lambda: f"{where}: hat nicht die erwartete Form.",
        "minimum": lambda: f"{where}: muss mindestens {value} sein.",
        "maximum": lambda: f"{where}: darf höchstens {value} sein.",
        "minItems": lambda: f"{where}: braucht mindestens {value} Einträge.",
        "minLength": lambda: f"{where}: darf nicht leer sein.",
        "additionalProperties": lambda: f"{where}: enthält einen unbekannten Schlüssel.",
        "format": lambda: f"{where}: ist kein gültiges Datum." if value == "date" else f"{where}: falsches Format.",
    }
    return texts.get(error.validator, lambda: f"{where}: ungültiger Wert.")()
