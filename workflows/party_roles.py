"""Party lanes: processes between the partners themselves (Kündigung, Anpassung).

Either partner may start them, so their lanes cannot name a fixed role of the agreement.
A party lane is ``initiator_<function>`` or ``counterpart_<function>``; it resolves, for one
case, to the agreement roles ending in ``_<function>`` (``local_lead``, ``supra_local_lead``
for ``lead``), restricted to the org units of the starting partner (``Case.initiator_agency_id``,
set from the starter's org unit) or of every other partner. See docs/decisions/0006.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from workflows.agreement_versions import data_of_case
from workflows.store.cases import Case

INITIATOR, COUNTERPART = "initiator", "counterpart"


def split(role: str) -> tuple[str, str] | None:
    """(side, function) of a party lane, None for an ordinary role."""
    side, _, function = role.partition("_")
    return (side, function) if side in (INITIATOR, COUNTERPART) and function else None


def agency_of_units(data: dict) -> dict[str, str]:
    return {unit["id"]: partner["id"] for partner in data["partners"] for unit in partner["org_units"]}


def _function_units(roles: dict[str, list[str]], function: str) -> list[str]:
    return [u for role, units in roles.items() if role.endswith("_" + function) and not split(role) for u in units]


def resolve(data: dict, role: str, initiator_agency_id: str | None) -> list[str]:
    """The org units acting in ``role`` under agreement ``data`` (party lanes per the starter)."""
    party = split(role)
    if party is None:
        return sorted(data["roles"].get(role, []))
    side, function = party
    agencies = agency_of_units(data)
    return sorted({u for u in _function_units(data["roles"], function)
                   if (agencies.get(u) == initiator_agency_id) == (side == INITIATOR)})


def units_for_role(session: Session, case: Case, role: str) -> list[str]:
    """The org units a case's lane maps to, from the agreement version the case runs under."""
    return resolve(data_of_case(session, case), role, case.initiator_agency_id)


def resolvable(role: str, roles: dict[str, list[str]]) -> bool:
    """Some org unit can act in the lane (a party lane: some role has its function)."""
    party = split(role)
    return bool(_function_units(roles, party[1]) if party else roles.get(role))


def roles_held(org_unit_ids: frozenset[str] | set[str], roles: dict[str, list[str]]) -> set[str]:
    """The roles of these org units, with ``initiator_<function>`` for each function they hold."""
    held = {role for role, units in roles.items() if org_unit_ids.intersection(units)}
    return held | {f"{INITIATOR}_{function}" for role in held for function in _functions(role)}


def _functions(role: str) -> list[str]:
    parts = role.split("_")
    return ["_".join(parts[i:]) for i in range(1, len(parts))]


def starter_agency(org_unit_ids, data: dict, role: str) -> str | None:
    """The partner a starter acts for: the agency of their org unit that holds the starting lane."""
    agencies = agency_of_units(data)
    party = split(role)
    units = _function_units(data["roles"], party[1]) if party else data["roles"].get(role, [])
    mine = sorted(set(org_unit_ids).intersection(units)) or sorted(set(org_unit_ids).intersection(agencies))
    return agencies.get(mine[0]) if mine else None
