"""What a running KoopFlow process holds (the database, the clock, the definitions), the
one accessor through which requests reach it, and how a serving process's garbage collector
runs once it has started (``settle``)."""
from __future__ import annotations

import gc
import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from service.config import Settings
from workflows.agreements.files import AgreementData, load_agreements, store_agreement
from workflows.errors import DefinitionError
from workflows.processes.definitions import (
    Definition,
    check_lanes_against_roles,
    check_versions_in_use,
    load_definitions,
    register_versions,
)
from workflows.processes.proposals import activate_due_process_versions
from workflows.store import incidents
from workflows.store.db import Database
from workflows.store.organisation import Agency, OrgUnit


@dataclass
class Koopflow:
    settings: Settings
    db: Database
    clock: object
    definitions: dict[str, Definition]
    agreements: dict[str, AgreementData]

    def org_unit_name(self, org_unit_id: str) -> str:
        for agreement in self.agreements.values():
            for partner in agreement.data["partners"]:
                for unit in partner["org_units"]:
                    if unit["id"] == org_unit_id:
                        return f"{partner['short_name']}: {unit['name']}"
        return self._stored_org_unit_name(org_unit_id)

    def _stored_org_unit_name(self, org_unit_id: str) -> str:
        """An org unit not in the files: one a partner added by an Anpassung brought."""
        with self.db.transaction() as session:
            unit = session.get(OrgUnit, org_unit_id)
            return f"{session.get(Agency, unit.agency_id).short_name}: {unit.name}" if unit else org_unit_id


def boot(settings: Settings, clock) -> Koopflow:
    """Read and check agreements and diagrams, then bring them into the database."""
    agreements = load_agreements(settings.agreements_dir)
    definitions = load_definitions(settings.bpmn_dir, settings.forms_dir)
    for agreement in agreements.values():
        for key in agreement.all_processes:
            if key not in definitions:
                raise DefinitionError(f"Vereinbarung {agreement.id}: Prozess {key} gibt es in bpmn/ nicht")
            check_lanes_against_roles(definitions[key], agreement.id, agreement.roles)
    db = Database(settings.database_url, lock_timeout=settings.lock_timeout)
    if not inspect(db.engine).has_table("alembic_version"):
        db.dispose()
        raise DefinitionError("Die Datenbank ist nicht eingerichtet: bitte zuerst `koopflow db upgrade` ausführen.")
    sync(db, clock, agreements, definitions)
    activate_due_process_versions(db, clock)  # an agreed Fassung whose date came while it was down
    report_versions_in_use(db, clock)
    return Koopflow(settings, db, clock, definitions, agreements)


log = logging.getLogger(__name__)


def report_versions_in_use(db: Database, clock=None) -> list:
    """Log every diagram version running cases still use that today's rules refuse, with its
    cases (case ids are no personal data); the app starts all the same. Those cases' next step
    fails with the German error page, never a 500, until an operator migrates them.
    With a clock, each problem is also an open incident (one per version) on the Störungen page."""
    try:
        problems = check_versions_in_use(db)
    except Exception:  # the check must never keep the app from starting
        log.exception("checking the diagram versions in use failed")
        return []
    for problem in problems:
        log.error("diagram version %s (%s, %s) used by running cases %s fails today's checks: %s",
                  problem.definition_id, problem.process_key, problem.filename,
                  ", ".join(map(str, problem.case_ids)), problem.reason)
    if clock is not None and problems:
        _record_version_incidents(db, clock, problems)
    return problems


def _record_version_incidents(db: Database, clock, problems: list) -> None:
    try:
        with db.transaction() as session:
            for problem in problems:
                subject = f"{incidents.DIAGRAM_VERSION}:{problem.definition_id}"
                if incidents.open_incident(session, subject) is None:  # once per version, not per boot
                    incidents.record_incident(session, clock.now(), incidents.DIAGRAM_VERSION, subject,
                                              DefinitionError(problem.reason), case_id=problem.case_ids[0],
                                              max_attempts=1)
    except Exception:  # the app starts all the same; the log line above names the problem
        log.exception("recording the diagram version incidents failed")


def sync(db: Database, clock, agreements: dict[str, AgreementData], definitions: dict[str, Definition]) -> None:
    """Idempotent; when several processes start at once and one inserts first, try again."""
    try:
        _sync_once(db, clock, agreements, definitions)
    except IntegrityError:
        _sync_once(db, clock, agreements, definitions)


def _sync_once(db: Database, clock, agreements, definitions) -> None:
    with db.transaction() as session:
        now = clock.now()
        for agreement in agreements.values():
            store_agreement(session, agreement, now)
        register_versions(session, definitions, now)


def koopflow() -> Koopflow:
    """The running KoopFlow of the current app: the one place the app's shared state is
    reached from (``create_app`` puts it there; blueprints read it here, never from app.py)."""
    return current_app.extensions["koopflow"]


# Allocations between young collections, and how many of those per older one (CPython's
# defaults: 700, 10, 10). A request's garbage is gone by the next young collection after it.
GC_THRESHOLDS = (20_000, 50, 100)


def settle() -> None:
    """Call once a long-running process (a web worker, the timer worker) has started up, before
    it serves: collect what start-up left, keep the rest out of later collections, collect less
    often.

    What start-up built (modules, the app, its mappers and statements built once, the
    agreements) lives as long as the process, yet CPython's cycle collector would walk all of it
    again and again: a command allocates enough objects (SpiffWorkflow rebuilds a case's task
    tree on each load) to set off several collections per request. ``gc.freeze`` moves it out
    of the collector's sight; garbage cycles are still found, in fewer, larger rounds. On an API
    completion on PostgreSQL the collector's share fell from 0.86 to 0.07 ms of about 10 ms
    (bench/README.md, issue 20 session 12)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
