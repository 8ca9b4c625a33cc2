"""Anpassung (§ 11): a proposed change of the agreement, checked, shown as a diff, agreed, versioned.

The proposal may carry the changed agreement data (YAML or JSON, the whole agreement); it is
checked against the agreement schema and shown next to the version in effect as a diff. When
both partners have agreed (and the signatories, where the wording changes), a new version is
stored; it takes effect on its date (workflows/agreements/versions.py).
"""
from __future__ import annotations

import difflib
from datetime import date, datetime

import yaml
from sqlalchemy import select

from workflows.agreements.files import (
    YamlRefused,
    check_agreement_data,
    json_ready,
    load_limited_yaml,
    shared_org_units,
)
from workflows.agreements.versions import activate, data_hash, next_number
from workflows.clock import berlin_date
from workflows.errors import ValidationFailed
from workflows.store.agreement_versions import FROM_AMENDMENT, AgreementVersion, pending_version
from workflows.store.cases import Case
from workflows.store.history import record
from workflows.store.organisation import ACTIVE, TERMINATED, Agency, Agreement, OrgUnit
from workflows.store.users import Membership, User

DATA_FIELD, DATE_FIELD = "agreement_data", "effective_on"
PROPOSED, DIFF = "proposed_data", "amendment_diff"


def parse_agreement_text(text: str, agreement_id: str) -> tuple[dict | None, str | None]:
    """(data, None) or (None, German message) for the changed agreement as typed."""
    try:
        data = load_limited_yaml(text)
    except YamlRefused as exc:
        return None, str(exc)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (Zeile {mark.line + 1})" if mark else ""
        return None, f"Die Vereinbarungsdaten sind kein gültiges YAML oder JSON{where}."
    if not isinstance(data, dict):
        return None, "Die Vereinbarungsdaten müssen die ganze Vereinbarung enthalten (Schlüssel wie id, name, partners …)."
    data = json_ready(data)
    errors = check_agreement_data(data)
    if errors:
        return None, "Die Vereinbarungsdaten passen nicht zum Schema: " + " ".join(list(errors.values())[:3])
    if data["id"] != agreement_id:
        return None, f"Die Kennung (id) der Vereinbarung darf sich nicht ändern; sie lautet {agreement_id}."
    return data, None


def _units_of_other_agreements(session, data: dict) -> str | None:
    others = [row.data for row in session.scalars(select(Agreement).where(Agreement.id != data["id"]))]
    clash = shared_org_units(data, others)
    return f"Die Vereinbarungsdaten passen nicht: {clash}." if clash else None


def as_text(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def diff_text(old: dict, new: dict) -> str:
    """A unified diff of the two versions as YAML: what a reader compares line by line."""
    return "".join(difflib.unified_diff(as_text(old).splitlines(keepends=True), as_text(new).splitlines(keepends=True),
                                        fromfile="geltende Fassung", tofile="vorgeschlagene Fassung", n=6))


def diff_lines(diff: str) -> list[tuple[str, str]]:
    """(kind, line) for the page: kind is added, removed, heading or same."""
    kinds = {"+": "added", "-": "removed", "@": "heading"}
    return [("heading" if line.startswith(("+++", "---")) else kinds.get(line[:1], "same"), line)
            for line in diff.splitlines()]


def propose(session, clock, case: Case, data: dict, actor_id: int | None) -> dict:
    """The proposal is sent: check the date and the changed data, keep the data and its diff."""
    if date.fromisoformat(data[DATE_FIELD]) < clock.today():
        raise ValidationFailed({DATE_FIELD: "Eine Anpassung kann nicht rückwirkend in Kraft treten. "
                                            "Bitte ein Datum ab heute angeben."})
    agreement = session.get(Agreement, case.agreement_id)
    if agreement.status not in (ACTIVE, TERMINATED):
        raise ValidationFailed({DATE_FIELD: "Die Vereinbarung ist beendet und kann nicht mehr angepasst werden."})
    pending = pending_version(session, agreement.id)
    if pending is not None:
        raise ValidationFailed({DATE_FIELD: f"Fassung {pending.number} ist vereinbart und gilt erst ab "
                                            f"{pending.effective_on:%d.%m.%Y}. Bitte schlagen Sie die nächste "
                                            "Anpassung vor, wenn sie in Kraft ist."})
    text = (data.get(DATA_FIELD) or "").strip()
    wording = {"changes_text": bool(data.get("changes_text")), "base_version": agreement.version}
    if not text:
        return {PROPOSED: None, DIFF: "", **wording}
    new, message = parse_agreement_text(text, agreement.id)
    if not message:
        message = _units_of_other_agreements(session, new)
    if message:
        raise ValidationFailed({DATA_FIELD: message})
    return {PROPOSED: new, DIFF: diff_text(agreement.data, new), **wording}


def amend(session, clock, case: Case, data: dict, actor_id: int | None) -> dict:
    """Consent complete (the counterpart's lead; the signatories too where the wording changes):
    store the agreed version; it takes effect on its date (today: at once)."""
    if data.get("consent") != "yes" or data.get("approved") is False:
        return {}
    now = clock.now()
    agreement = session.get(Agreement, case.agreement_id)
    if "approved" not in data:
        _require_current_base(session, agreement, data)
    if data.get("changes_text") and "approved" not in data:  # the signatories decide next
        return {"consented_by_id": actor_id, "consented_at": now.isoformat()}
    new = data.get(PROPOSED) or agreement.data
    consented_at = datetime.fromisoformat(data["consented_at"]) if data.get("consented_at") else now
    consents = [_consent(session, case.created_by_id, case.created_at, "Vorschlag"),
                _consent(session, data.get("consented_by_id", actor_id), consented_at, "Zustimmung")]
    consents += [{"name": name, "agency": "", "at": now.isoformat(), "as": "Unterschrift"}
                 for name in data.get("approved_by", [])]
    version = AgreementVersion(
        agreement_id=agreement.id, number=next_number(session, agreement.id), origin=FROM_AMENDMENT, data=new,
        content_hash=data_hash(new), summary=data.get("summary"), changes_text=bool(data.get("changes_text")),
        effective_on=date.fromisoformat(data[DATE_FIELD]), case_id=case.id,
        consents=[c for c in consents if c], created_at=now)
    session.add(version)
    session.flush()
    record(session, now, "agreement.amended", case_id=case.id, version=version.number,
           effective_on=version.effective_on.isoformat())
    if version.effective_on <= berlin_date(now):
        activate(session, version, now)
    return {"agreement_version": version.number}


def _require_current_base(session, agreement: Agreement, data: dict) -> None:
    """The proposal must still build on the version in effect, with no other version waiting:
    else agreeing to it would undo an Anpassung agreed meanwhile."""
    pending = pending_version(session, agreement.id)
    if data.get("base_version") != agreement.version or pending is not None:
        raise ValidationFailed({"consent": "Die Vereinbarung wurde inzwischen anders angepasst. Dieser Vorschlag "
                                           "beruht auf einer älteren Fassung; bitte stimmen Sie nicht zu und lassen "
                                           "Sie ihn auf Grundlage der geltenden Fassung neu stellen."})


def _consent(session, user_id: int | None, at, kind: str) -> dict | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    agency = session.scalar(select(Agency.short_name).join(OrgUnit, OrgUnit.agency_id == Agency.id)
                            .join(Membership, Membership.org_unit_id == OrgUnit.id)
                            .where(Membership.user_id == user_id).limit(1))
    return {"name": user.display_name, "agency": agency or "", "at": at.isoformat(), "as": kind}
