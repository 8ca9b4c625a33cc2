"""An Anpassung of the common parts without writing YAML: how often each body meets and who
takes part (Anlage 1, 2), each annual request's due day and reminder, and a new partner with
its first org unit (e.g. a city with special status joining). The form's values
change a copy of the agreement data in effect; the result is checked like pasted data
(workflows/agreements/amendment.py) and shown as the diff the partners will see. Anything else
(signatories, renamed units, the wording) is still changed by pasting the whole agreement as YAML."""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from workflows.agreements.amendment import as_text, diff_text, parse_agreement_text
from workflows.agreements.reading import day_month

TIMES_MAX = 12
REMINDER_MAX = 60
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
PARTNER_KINDS = {"local": "örtlicher Träger", "special_status_city": "Stadt mit Sonderstatus"}
PARTNER_FIELDS = ("partner-id", "partner-name", "partner-short_name", "partner-kind", "partner-unit_id",
                  "partner-unit_name")
ROLE_FOR_KIND = {"local": "local_case_office", "special_status_city": "local_case_office"}
DAY = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.?\s*$")


@dataclass(frozen=True)
class BodyFields:
    key: str
    title: str
    times_per_year: int
    org_units: list[str]  # participating org units (ids)


@dataclass(frozen=True)
class RequestFields:
    key: str
    title: str
    reference: str
    due: str  # TT.MM.
    reminder_working_days: int


@dataclass(frozen=True)
class ChangeForm:
    bodies: list[BodyFields]
    requests: list[RequestFields]
    units: list[tuple[str, str]]  # (id, name) of every org unit of the agreement, for the choices
    partner_kinds: dict = None  # the kinds a new partner may have


def change_form(data: dict) -> ChangeForm:
    """The fields with the values in effect."""
    units = [(unit["id"], unit["name"]) for partner in data.get("partners", []) for unit in partner.get("org_units", [])]
    bodies = [BodyFields(c["key"], c.get("title", c["key"]), int(c.get("times_per_year", 1)),
                         list((c.get("participants") or {}).get("org_units", [])))
              for c in data.get("conferences", [])]
    requests = [RequestFields(r["key"], r.get("title", r["key"]), r.get("reference", ""), day_month(r["due"]),
                              int(r.get("reminder_working_days", 0)))
                for r in data.get("annual_requests", []) if r.get("due")]
    return ChangeForm(bodies, requests, units, PARTNER_KINDS)


def changed_data(data: dict, form) -> tuple[dict, dict[str, str]]:
    """A copy of ``data`` with the posted values (``form``: a mapping of field name -> value or
    list, like request.form), and German messages by field name."""
    new, errors = copy.deepcopy(data), {}
    unit_ids = {unit["id"] for partner in data.get("partners", []) for unit in partner.get("org_units", [])}
    for body in new.get("conferences", []):
        name = f"body-{body['key']}-times"
        times = _number(form.get(name, ""), 1, TIMES_MAX)
        if times is None:
            errors[name] = f"„Sitzungen im Jahr“ ({body.get('title', body['key'])}) muss eine ganze Zahl von 1 bis {TIMES_MAX} sein."
        elif times != body.get("times_per_year"):
            body["times_per_year"] = times
            if isinstance(body.get("opens"), list) and len(body["opens"]) != times:
                body.pop("opens")  # the opening days no longer fit: spread evenly over the year
        chosen = [unit for unit in _list(form, f"body-{body['key']}-units") if unit in unit_ids]
        if not chosen:
            errors[f"body-{body['key']}-units"] = (f"Bitte wählen Sie mindestens eine teilnehmende Stelle für "
                                                   f"„{body.get('title', body['key'])}“.")
        else:
            before = list((body.get("participants") or {}).get("org_units", []))
            if set(chosen) != set(before):  # the order as it was, new ones after it
                body.setdefault("participants", {})["org_units"] = (
                    [unit for unit in before if unit in chosen] + [unit for unit in chosen if unit not in before])
    for request in new.get("annual_requests", []):
        if not request.get("due"):
            continue
        title = request.get("title", request["key"])
        due_name, reminder_name = f"request-{request['key']}-due", f"request-{request['key']}-reminder"
        due = _day(form.get(due_name, ""))
        if due is None:
            errors[due_name] = f"„Fällig am“ ({title}) muss ein Tag im Format TT.MM. sein, z. B. 31.03."
        elif due != request["due"]:
            request["due"] = due
        reminder = _number(form.get(reminder_name, ""), 0, REMINDER_MAX)
        if reminder is None:
            errors[reminder_name] = f"„Erinnerung“ ({title}) muss eine ganze Zahl von 0 bis {REMINDER_MAX} Arbeitstagen sein."
        elif reminder != request.get("reminder_working_days"):
            request["reminder_working_days"] = reminder
    errors.update(_new_partner(new, form))
    if not errors:
        _checked, message = parse_agreement_text(as_text(new), data["id"])
        if message:
            errors[""] = message
    return new, errors


def _new_partner(new: dict, form) -> dict[str, str]:
    """Append the partner the form names (if any field of it is filled); German messages by field."""
    values = {name: (form.get(name) or "").strip() for name in PARTNER_FIELDS}
    if not any(values.values()):
        return {}
    errors = {}
    labels = {"partner-id": "Kennung des Partners", "partner-name": "Name des Partners",
              "partner-short_name": "Kurzname", "partner-kind": "Art des Partners",
              "partner-unit_id": "Kennung der Stelle", "partner-unit_name": "Name der Stelle"}
    for name, label in labels.items():
        if not values[name]:
            errors[name] = f"Für einen neuen Partner fehlt: {label}."
    taken = {p["id"] for p in new.get("partners", [])} | {
        u["id"] for p in new.get("partners", []) for u in p.get("org_units", [])}
    for name in ("partner-id", "partner-unit_id"):
        if values[name] and not SLUG.match(values[name]):
            errors[name] = f"„{labels[name]}“: nur Kleinbuchstaben, Ziffern und Bindestriche, 2 bis 63 Zeichen, z. B. stadt-musterstadt."
        elif values[name] in taken:
            errors[name] = f"„{labels[name]}“ {values[name]} gibt es in der Vereinbarung schon."
    if values["partner-id"] and values["partner-id"] == values["partner-unit_id"]:
        errors["partner-unit_id"] = "Die Stelle braucht eine andere Kennung als der Partner."
    if values["partner-kind"] and values["partner-kind"] not in PARTNER_KINDS:
        errors["partner-kind"] = "Bitte wählen Sie die Art des Partners."
    for name in ("partner-name", "partner-short_name", "partner-unit_name"):
        if len(values[name]) > 200:
            errors[name] = f"„{labels[name]}“ darf höchstens 200 Zeichen lang sein."
    if errors:
        return errors
    new.setdefault("partners", []).append({
        "id": values["partner-id"], "name": values["partner-name"], "short_name": values["partner-short_name"],
        "kind": values["partner-kind"], "org_units": [{"id": values["partner-unit_id"], "name": values["partner-unit_name"]}]})
    role = ROLE_FOR_KIND[values["partner-kind"]]
    new.setdefault("roles", {}).setdefault(role, []).append(values["partner-unit_id"])
    return {}


def summary_of(old: dict, new: dict) -> str:
    """The proposal's "Inhalt der Anpassung", one sentence per change."""
    lines = []
    known = {p["id"] for p in old.get("partners", [])}
    for partner in new.get("partners", []):
        if partner["id"] not in known:
            units = ", ".join(u["name"] for u in partner.get("org_units", []))
            lines.append(f"Neuer Partner: {partner['name']} ({PARTNER_KINDS.get(partner.get('kind'), '')}), "
                         f"Stelle: {units}; sie bearbeitet Übergaben wie die Eingliederungshilfe des Landkreises.")
    before = {c["key"]: c for c in old.get("conferences", [])}
    for body in new.get("conferences", []):
        was = before.get(body["key"], {})
        title = body.get("title", body["key"])
        if body.get("times_per_year") != was.get("times_per_year"):
            lines.append(f"{title}: {body['times_per_year']} Sitzung(en) im Jahr statt {was.get('times_per_year')}.")
        if set((body.get("participants") or {}).get("org_units", [])) != set((was.get("participants") or {}).get("org_units", [])):
            lines.append(f"{title}: teilnehmende Stellen geändert.")
    requests = {r["key"]: r for r in old.get("annual_requests", [])}
    for request in new.get("annual_requests", []):
        was = requests.get(request["key"], {})
        title = f"{request.get('reference', '')} {request.get('title', request['key'])}".strip()
        if request.get("due") != was.get("due"):
            lines.append(f"{title}: fällig am {day_month(request['due'])} statt {day_month(was['due'])}")
        if request.get("reminder_working_days") != was.get("reminder_working_days"):
            lines.append(f"{title}: Erinnerung {request['reminder_working_days']} Arbeitstage vorher "
                         f"statt {was.get('reminder_working_days')}.")
    return "\n".join(lines)


def preview(old: dict, new: dict) -> str:
    return diff_text(old, new)


def _number(text: str, low: int, high: int) -> int | None:
    text = (text or "").strip()
    if not text.isdigit():
        return None
    value = int(text)
    return value if low <= value <= high else None


def _day(text: str) -> str | None:
    """``TT.MM.`` → ``MM-DD`` (a day every year has: no 29.02.)."""
    found = DAY.match(text or "")
    if not found:
        return None
    day, month = int(found.group(1)), int(found.group(2))
    days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if not 1 <= month <= 12 or not 1 <= day <= days[month - 1]:
        return None
    return f"{month:02d}-{day:02d}"


def _list(form, name: str) -> list[str]:
    return form.getlist(name) if hasattr(form, "getlist") else list(form.get(name) or [])
