"""Roles narrowed to one side of a case: the partner who leads it, or the other side.

Some processes run in either direction between the partners: a care-need handover goes
from whichever partner starts it to the other; a planning report is answered by the partner
who did not write it; the Kooperationskonferenz is run by the partner whose turn it is and
approved by the other. Their diagrams name neutral roles; the agreement maps each to the
org units of every partner that may play it and says, under ``partner_roles``, which side
of a case the role stands for:

- ``lead``: the lead partner's units (the starter's partner, or the managing partner);
- ``counterpart``: the units of the partners on the other side (supra-local vs. local,
  where a Sonderstatusstadt is on the local side with its Landkreis).

The narrowed map is stored with the case (store/case_roles.py) when it starts.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from workflows.agreements.versions import data_of_case
from workflows.store.case_roles import case_role_units
from workflows.store.cases import Case

LEAD, COUNTERPART = "lead", "counterpart"


def partner_of_units(agreement: dict) -> dict[str, dict]:
    """{org unit id: its partner's entry} of an agreement's data."""
    return {unit["id"]: partner for partner in agreement["partners"] for unit in partner["org_units"]}


def units_for_role(session: Session, case: Case, role: str) -> list[str]:
    """The org units acting in a lane role for this case: its own narrowed map, else the role
    map of the agreement version it runs under (workflows/agreements/versions.py)."""
    return case_role_units(session, case.id, role) or sorted(data_of_case(session, case)["roles"].get(role, []))


def signs_for(partner: dict, which: str, agreement: dict, lead_partner_id: str | None) -> bool:
    """Whether ``partner``'s signatories are asked by ``signatories:<which>``: a partner kind,
    ``lead`` / ``counterpart`` (the case's lead partner / the other side) or ``all``."""
    if which == "all":
        return True
    if which in (LEAD, COUNTERPART):
        lead = next((p for p in agreement["partners"] if p["id"] == lead_partner_id), None)
        if lead is None:
            return False
        return (partner["id"] == lead["id"]) if which == LEAD else _side(partner) != _side(lead)
    return partner["kind"] == which


def _side(partner: dict) -> str:
    return "supra_local" if partner["kind"] == "supra_local" else "local"


def lead_side(agreement: dict, lead_partner_id: str) -> str:
    """``supra_local`` or ``local`` (a Sonderstatusstadt is local): for a diagram's gateways,
    as the case's ``lead_side`` variable."""
    return _side(next(p for p in agreement["partners"] if p["id"] == lead_partner_id))


def narrowed_roles(agreement: dict, roles: dict[str, list[str]], lead_partner_id: str | None,
                   lane_roles: set[str]) -> dict[str, list[str]]:
    """The case's own role map for the lanes ``lane_roles`` with ``lead_partner_id`` leading.

    Roles without a scope keep the agreement's map (not returned); a role that would be left
    without any unit keeps it too, so a task never lands in no inbox."""
    if lead_partner_id is None:
        return {}
    partners = partner_of_units(agreement)
    lead = next(p for p in agreement["partners"] if p["id"] == lead_partner_id)
    result = {}
    for role in sorted(lane_roles):
        scope = agreement.get("partner_roles", {}).get(role)
        units = roles.get(role, [])
        if scope == LEAD:
            kept = [u for u in units if partners[u]["id"] == lead_partner_id]
        elif scope == COUNTERPART:
            kept = [u for u in units if _side(partners[u]) != _side(lead)]
        else:
            continue
        if kept:
            result[role] = kept
    return result


def starter_partner(agreement: dict, starter_units: list[str], actor_units) -> str | None:
    """The partner the actor acts for in the starting lane (their first unit there)."""
    partners = partner_of_units(agreement)
    mine = [u for u in starter_units if u in actor_units]
    return partners[mine[0]]["id"] if mine else None
