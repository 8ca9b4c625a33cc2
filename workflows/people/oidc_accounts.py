"""Accounts of people who log in through their agency's OpenID provider (e.g. Keycloak).

The provider vouches for who they are (the ``id_token``'s claims, checked by Authlib); its
group claim says where they work, mapped to KoopFlow org units by configuration. The user
row is found by issuer and subject (never by a matching name, so a provider cannot take over
a local account), created on the first login, and its memberships follow the claim at every
login: someone moved to another team in the directory sees the other inbox the next time.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from workflows.errors import Forbidden
from workflows.people.access import Actor
from workflows.store.organisation import OrgUnit
from workflows.store.users import Membership, User, user_by_username

NO_ORG_UNIT = ("Ihr Konto ist keiner Stelle in KoopFlow zugeordnet. Bitte wenden Sie sich an die "
               "Administration Ihrer Behörde.")
LEAD = ":lead"


@dataclass(frozen=True)
class ClaimMapping:
    """Which claim lists the groups, and group → (org unit, is lead)."""

    groups_claim: str
    units: dict[str, tuple[str, bool]]

    @classmethod
    def parse(cls, groups_claim: str | None, spec: str | None) -> "ClaimMapping":
        """``spec``: ``group=org-unit[:lead],…`` (KOOPFLOW_OIDC_ORG_UNITS)."""
        units = {}
        for pair in filter(None, (p.strip() for p in (spec or "").split(","))):
            group, _, unit = pair.partition("=")
            if not group.strip() or not unit.strip():
                raise ValueError(f"KOOPFLOW_OIDC_ORG_UNITS: „{pair}“ ist nicht Gruppe=Stelle")
            unit = unit.strip()
            units[group.strip()] = (unit.removesuffix(LEAD), unit.endswith(LEAD))
        return cls(groups_claim or "groups", units)

    def memberships(self, claims: dict) -> dict[str, bool]:
        groups = claims.get(self.groups_claim) or []
        groups = [groups] if isinstance(groups, str) else groups
        result: dict[str, bool] = {}
        for group in groups:
            if isinstance(group, str) and group in self.units:
                unit, lead = self.units[group]
                result[unit] = result.get(unit, False) or lead
        return result


def actor_for_claims(db, clock, issuer: str, claims: dict, mapping: ClaimMapping) -> Actor:
    """The KoopFlow user behind verified claims: created or updated; Forbidden if the claims
    map to no org unit or the account was deactivated."""
    subject = f"{issuer} {claims['sub']}"
    with db.transaction() as session:
        known_units = set(session.scalars(select(OrgUnit.id)))
        units = {unit: lead for unit, lead in mapping.memberships(claims).items() if unit in known_units}
        user = session.scalar(select(User).where(User.oidc_subject == subject))
        if user is None:
            if not units:
                raise Forbidden(NO_ORG_UNIT)
            user = User(username=_free_username(session, claims), oidc_subject=subject, password_hash=None,
                        active=True, created_at=clock.now(), is_admin=False, mail_preference="immediate",
                        display_name="", email=None)
            session.add(user)
        if not user.active or not units:
            raise Forbidden(NO_ORG_UNIT if user.active else "Ihr Konto ist in KoopFlow gesperrt.")
        user.display_name = str(claims.get("name") or claims.get("preferred_username") or user.username)[:200]
        user.email = str(claims["email"])[:254] if claims.get("email") else user.email
        _sync_memberships(user, units)
        session.flush()
        return Actor.of(user)


def _sync_memberships(user: User, units: dict[str, bool]) -> None:
    for membership in list(user.memberships):
        if membership.org_unit_id not in units:
            user.memberships.remove(membership)
        else:
            membership.is_lead = units.pop(membership.org_unit_id)
    for unit, lead in sorted(units.items()):
        user.memberships.append(Membership(org_unit_id=unit, is_lead=lead))


def _free_username(session, claims: dict) -> str:
    """The provider's user name if KoopFlow has no account of that name, else a suffixed one."""
    wanted = str(claims.get("preferred_username") or claims["sub"])[:90]
    name, number = wanted, 1
    while user_by_username(session, name) is not None:
        number += 1
        name = f"{wanted}.{number}"
    return name
