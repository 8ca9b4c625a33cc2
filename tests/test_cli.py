"""The operators' contract: the `koopflow` command (service.cli.commands:main) against a real database."""
from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import func, inspect, select

from service.app import create_app
from service.cli.commands import main
from service.config import Settings
from workflows.paths import AGREEMENTS_DIR
from workflows.store.db import Database
from workflows.store.users import User

SECRET = "cli-test-secret"

DEMO_USERS = len({user["username"] for path in AGREEMENTS_DIR.glob("*.demo-users.yaml")
                  for user in yaml.safe_load(path.read_text())["users"]})


@pytest.fixture
def env(empty_database_url, tmp_path) -> dict[str, str]:
    return {"KOOPFLOW_DATABASE_URL": empty_database_url, "KOOPFLOW_SECRET_KEY": SECRET,
            "KOOPFLOW_DOCUMENTS_DIR": str(tmp_path / "documents")}


@pytest.fixture
def koopflow(env):
    """``koopflow("db", "upgrade")`` as an operator would type it, with the test's environment."""
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), env=env)


@pytest.fixture
def loaded(koopflow):
    """A database with schema, agreement and demo users, set up through the command."""
    for args in (("db", "upgrade"), ("demo", "load")):
        result = koopflow(*args)
        assert result.exit_code == 0, result.output
    return koopflow


def tables(env) -> set[str]:
    database = Database(env["KOOPFLOW_DATABASE_URL"])
    try:
        return set(inspect(database.engine).get_table_names())
    finally:
        database.dispose()


def user_count(env) -> int:
    database = Database(env["KOOPFLOW_DATABASE_URL"])
    try:
        with database.transaction() as session:
            return session.scalar(select(func.count()).select_from(User))
    finally:
        database.dispose()


def test_db_upgrade_creates_the_schema_and_can_be_repeated(koopflow, env):
    # when the schema is upgraded on an empty database
    first = koopflow("db", "upgrade")
    # then the tables exist
    assert first.exit_code == 0, first.output
    assert "Datenbankschema ist aktuell." in first.output
    created = tables(env)
    assert {"alembic_version", "process_definitions", "cases", "users", "agreements"} <= created
    # and a second run succeeds and changes nothing
    second = koopflow("db", "upgrade")
    assert second.exit_code == 0, second.output
    assert tables(env) == created


def test_demo_load_loads_agreement_and_users_and_is_idempotent(koopflow, env):
    # given a database with schema
    assert koopflow("db", "upgrade").exit_code == 0
    # when the demo data is loaded
    first = koopflow("demo", "load")
    # then the agreement and the demo users are there
    assert first.exit_code == 0, first.output
    assert "landkreis-giessen" in first.output and "landkreis-lahnfeld" in first.output
    assert f"neue Demo-Benutzer: {DEMO_USERS}." in first.output
    users = user_count(env)
    assert users == DEMO_USERS
    # and loading again adds nobody
    second = koopflow("demo", "load")
    assert second.exit_code == 0, second.output
    assert "neue Demo-Benutzer: 0." in second.output
    assert user_count(env) == users


def test_user_list_shows_each_user_with_agency_and_org_units(loaded):
    # when the users are listed
    result = loaded("user", "list")
    # then every demo user has a line naming their agency and org unit
    assert result.exit_code == 0, result.output
    lines = {line.split("\t")[0]: line.split("\t") for line in result.output.splitlines()}
    assert len(lines) == DEMO_USERS
    assert lines["lwv.fachdienst"] == ["lwv.fachdienst", "Lea Fachdienst", "LWV Hessen",
                                       "Fachdienst für den Landkreis Gießen"]
    assert lines["lk.sozialamt"][2:] == ["Landkreis Gießen", "Sozialamt"]
    assert lines["st.jugendamt"][2:] == ["Stadt Lahnfeld",
                                         "Jugendamt der Stadt Lahnfeld (Eingliederungshilfe für Kinder und Jugendliche)"]


def test_token_create_prints_one_token_that_authenticates_against_the_api(loaded, env):
    # when a token is created for a demo user
    result = loaded("token", "create", "lk.sozialamt")
    # then exactly one line is printed, the token
    assert result.exit_code == 0, result.output
    [token] = result.output.splitlines()
    assert token.startswith("kf_") and len(token) > 20
    # and the API accepts it
    app = create_app(Settings.from_env(env))
    try:
        client = app.test_client()
        response = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.get_data(as_text=True)
        assert "tasks" in response.get_json()
        # and a made-up token is not accepted
        assert client.get("/api/v1/tasks", headers={"Authorization": "Bearer kf_falsch"}).status_code == 401
    finally:
        app.extensions["koopflow"].db.dispose()


def test_token_create_for_unknown_user_fails_in_german(loaded):
    # when a token is asked for a user who does not exist
    result = loaded("token", "create", "nobody")
    # then the command fails and says why, without printing a token
    assert result.exit_code != 0
    assert "Benutzer nobody gibt es nicht." in result.stderr
    assert "kf_" not in result.output


def test_demo_load_before_db_upgrade_tells_to_run_db_upgrade(koopflow):
    # given a database that was never upgraded; when demo data is loaded
    result = koopflow("demo", "load")
    # then the command fails and points to the fix
    assert result.exit_code != 0
    assert "koopflow db upgrade" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_deadline_termination_is_reachable_through_the_main_command(koopflow):
    # when the termination date is computed through `koopflow deadline`
    result = koopflow("deadline", "termination", "--received", "2025-07-01")
    # then its first line is the ISO date alone
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "2026-12-31"


def test_worker_once_at_a_given_instant_does_that_days_round(loaded):
    # when one round is run as at 1 April 2027, 08:00 Berlin time
    result = loaded("worker", "--once", "--now", "2027-04-01T08:00")
    # then the year's requests and meetings due by then are opened, for both demo agreements
    # (Gießen: § 8 b, c, d; Lahnfeld: named list and retirement count; six meetings in all)
    assert result.exit_code == 0, result.output
    assert "Jahresabfragen eröffnet: 5; Sitzungen eröffnet: 6;" in result.output
    # and a simulated instant is refused for the endless worker, and nonsense is named
    endless = loaded("worker", "--now", "2027-04-01T08:00")
    assert endless.exit_code != 0 and "--now gilt nur zusammen mit --once" in endless.output
    nonsense = loaded("worker", "--once", "--now", "morgen")
    assert nonsense.exit_code != 0 and "kein Zeitpunkt nach ISO 8601: morgen" in nonsense.output
