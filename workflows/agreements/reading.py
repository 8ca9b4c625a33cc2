"""The agreement data read as the agreement: partners and signatories, members (Anlage 1),
bodies with their frequency and participants (Anlage 2), the annual requests with their
deadlines and rules, the § 9 data set — in German sentences and table rows, for the
agreement page. The YAML stays one click away for operators; this is what a caseworker reads.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from workflows.store.contacts import CONTACT_GROUPS

KINDS = {"local": "örtlicher Träger", "supra_local": "überörtlicher Träger",
         "special_status_city": "Sonderstatusstadt"}
OFFSETS = {1: "im nächsten Jahr", 2: "im übernächsten Jahr"}
COLUMN_KINDS = {"text": "Text", "integer": "ganze Zahl", "number": "Zahl"}


@dataclass(frozen=True)
class Partner:
    name: str
    kind: str
    signatories: list[str]
    org_units: list[str]


@dataclass(frozen=True)
class Body:
    title: str
    reference: str
    active: bool
    frequency: str  # "tagt 2-mal im Jahr; die Sitzungen werden am 01.02. und 01.08. eröffnet."
    management: str
    organisers: list[str]
    participants: list[str]


@dataclass(frozen=True)
class Request:
    reference: str
    title: str
    active: bool
    period: str  # "eröffnet am 02.01., fällig am 31.03."
    rule: str
    follow_up: str
    content: str = ""


@dataclass(frozen=True)
class Reading:
    name: str
    intro: list[str]
    partners: list[Partner]
    bodies: list[Body]
    requests: list[Request]
    data_set_columns: list[tuple[str, str]] = field(default_factory=list)  # (column, content)
    data_set_figures: list[str] = field(default_factory=list)


def day_month(value: str) -> str:
    """"03-31" → "31.03."."""
    month, day = value.split("-")
    return f"{day}.{month}."


def german_date(value: str | None) -> str:
    return date.fromisoformat(value).strftime("%d.%m.%Y") if value else ""


def _listing(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " und " + items[-1] if items else ""


def read_agreement(data: dict) -> Reading:
    units = {u["id"]: u["name"] for p in data["partners"] for u in p["org_units"]}
    partners_by_id = {p["id"]: p["short_name"] for p in data["partners"]}
    intro = [f"Kooperationsvereinbarung nach {data['legal_basis']}" if data.get("legal_basis") else data["name"]]
    if data.get("signed_on"):
        intro.append(f"Unterzeichnet am {german_date(data['signed_on'])}.")
    if data.get("operation_start"):
        intro.append(f"In KoopFlow geführt seit {german_date(data['operation_start'])}: Abfragen und Sitzungen, "
                     "die davor fällig waren, werden nicht eröffnet.")
    partners = [Partner(p["name"], "" if KINDS.get(p["kind"], p["kind"]) in p["name"] else KINDS.get(p["kind"], p["kind"]),
                        [f"{s['function']}: {s['name']}" for s in p.get("signatories", [])],
                        [u["name"] for u in p["org_units"]]) for p in data["partners"]]
    bodies = [_body(c, units, partners_by_id) for c in data.get("conferences", [])]
    requests = [_request(r, data) for r in data.get("annual_requests", [])]
    data_set = next(iter(data.get("data_sets", [])), None)
    columns = [(c["name"], COLUMN_KINDS[c.get("type", "text")] + (": " + ", ".join(c["values"]) if c.get("values") else "")
                + (" (darf leer sein)" if c.get("optional") else "")) for c in (data_set or {}).get("columns", [])]
    figures = [f["label"] for f in (data_set or {}).get("figures", [])]
    return Reading(data["name"], intro, partners, bodies, requests, columns, figures)


def _body(conference: dict, units: dict[str, str], partners: dict[str, str]) -> Body:
    count = conference["times_per_year"]
    frequency = "tagt einmal im Jahr" if count == 1 else f"tagt {count}-mal im Jahr"
    if conference.get("opens"):
        frequency += f"; {'die Sitzung wird' if count == 1 else 'die Sitzungen werden'} am " \
                     f"{_listing([day_month(d) for d in conference['opens']])} eröffnet"
    frequency += f", erstmals {conference['first_year']}."
    management = conference.get("management")
    if management:
        years = management.get("years_each", 2)
        turns = _listing([partners.get(p, p) for p in management["rotation"]])
        managed = (f"Die Geschäftsführung wechselt alle {years} Jahre zwischen {turns}, beginnend "
                   f"{management['from_year']} mit {partners.get(management['rotation'][0], '')}.")
    else:
        managed = "Die Sitzungen bereiten die organisierenden Stellen vor."
    weeks = conference.get("date_reminder_weeks", 4)
    managed += f" Steht {weeks} Wochen vor Jahresende noch kein Termin fest, wird erinnert."
    participants = conference.get("participants", {})
    invited = [units.get(u, u) for u in participants.get("org_units", [])] + \
              [CONTACT_GROUPS.get(g, g) for g in participants.get("contact_groups", [])]
    return Body(conference["title"], conference.get("reference", ""), bool(conference.get("enabled")), frequency,
                managed, [units.get(u, u) for u in conference["organisers"]], invited)


def _request(request: dict, data: dict) -> Request:
    period = f"Jedes Jahr ab {request['first_year']}: eröffnet am {day_month(request['opens'])}, " \
             f"fällig am {day_month(request['due'])}"
    if data["delivery_deadline_rule"] == "shift":
        rule = ("Fällt der Tag auf einen Samstag, Sonntag oder Feiertag, ist am nächsten Werktag fällig "
                "(§ 193 BGB).")
    else:
        rule = "Der Tag gilt, auch wenn er auf ein Wochenende oder einen Feiertag fällt."
    follow_up = (f"Erinnert wird {request['reminder_working_days']} Arbeitstage vor der Frist, eskaliert an die "
                 "Leitung am ersten Arbeitstag danach.")
    content = ""
    if request.get("target_year_offset"):
        when = OFFSETS.get(request["target_year_offset"], f"in {request['target_year_offset']} Jahren")
        content = f"Gemeldet wird, wer voraussichtlich {when} die Schule beendet."
    return Request(request["reference"], request["title"], bool(request.get("enabled")), period, rule, follow_up,
                   content)
