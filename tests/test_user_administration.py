"""User administration from the shell: an office without an OpenID provider onboards and
offboards its people with `koopflow user …`; passwords follow the policy."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from service.cli.commands import main
from tests.support.flows import actor, offered_handover, open_task
from workflows.people.accounts import actor_by_id, authenticate
from workflows.people.administration import password_problem
from workflows.store.tasks import HumanTask
from workflows.store.users import user_by_username
from workflows.tasks import claim_task

GOOD = "Lahnbrücke-Wetzlar-77"


@pytest.fixture
def koopflow(kf, settings):
    env = {"KOOPFLOW_DATABASE_URL": settings.database_url, "KOOPFLOW_SECRET_KEY": "x" * 32,
           "KOOPFLOW_AGREEMENTS_DIR": str(settings.agreements_dir)}
    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(main, ["user", *args] if args[0] != "demo" else list(args),
                                                   env=env, input=input)


@pytest.mark.parametrize("password, refused", [
    ("kurz", True), ("passwort1234", True), ("PASSWORT1234", True), ("aaaaaaaaaaaaaaaa", True),
    ("x" * 129, True), ("neu.kollegin-2026", True), (GOOD, False), ("vier zufällige wörter hier", False),
])
def test_the_password_policy(password, refused):
    assert (password_problem(password, "neu.kollegin") is not None) == refused


def test_an_office_creates_a_caseworker_who_can_log_in_and_work(kf, koopflow):
    result = koopflow("create", "neu.kollegin", "--name", "Nora Neu", "--email", "nora.neu@example.org",
                      "--unit", "lkgi-sozialamt", "--password-stdin", input=f"{GOOD}\n")
    assert result.exit_code == 0, result.output
    signed_in = authenticate(kf.db, "neu.kollegin", GOOD)
    assert signed_in is not None and signed_in.org_unit_ids == {"lkgi-sozialamt"}

    # a weak password, an unknown unit, a taken name: German messages, nothing written
    weak = koopflow("create", "neu.zwei", "--name", "Zwei", "--password-stdin", input="passwort1234\n")
    assert weak.exit_code == 1 and "zu verbreitet" in weak.output
    unknown = koopflow("create", "neu.drei", "--name", "Drei", "--unit", "gibt-es-nicht", "--password-stdin",
                       input=f"{GOOD}\n")
    assert unknown.exit_code == 1 and "Organisationseinheit gibt es nicht" in unknown.output
    taken = koopflow("create", "neu.kollegin", "--name", "Doppelt", "--password-stdin", input=f"{GOOD}\n")
    assert taken.exit_code == 1 and "gibt es schon" in taken.output
    with kf.db.transaction() as session:
        assert user_by_username(session, "neu.zwei") is None and user_by_username(session, "neu.drei") is None

    # units and a new password
    assert "lkgi-jugendamt, lkgi-sozialamt" in koopflow("add-unit", "neu.kollegin", "lkgi-jugendamt").output
    assert "lkgi-jugendamt" not in koopflow("remove-unit", "neu.kollegin", "lkgi-jugendamt").output
    assert koopflow("set-password", "neu.kollegin", "--password-stdin", input="kurz\n").exit_code == 1
    assert koopflow("set-password", "neu.kollegin", "--password-stdin", input="Ganz-anderes-Kennwort-9\n").exit_code == 0
    assert authenticate(kf.db, "neu.kollegin", GOOD) is None
    assert authenticate(kf.db, "neu.kollegin", "Ganz-anderes-Kennwort-9") is not None


def test_deactivating_ends_the_sessions_and_gives_claimed_tasks_back(kf, koopflow):
    case_id = offered_handover(kf)
    fachdienst = actor(kf, "lwv.fachdienst")
    task_id = open_task(kf, case_id, "review_handover")
    claim_task(kf.db, kf.clock, fachdienst, task_id)

    result = koopflow("deactivate", "lwv.fachdienst")
    assert result.exit_code == 0 and "1 übernommene Aufgabe" in result.output
    assert actor_by_id(kf.db, fachdienst.user_id) is None  # the session's user is no longer loaded
    assert authenticate(kf.db, "lwv.fachdienst", "demo") is None
    with kf.db.transaction() as session:
        assert session.get(HumanTask, task_id).assignee_id is None


def test_demo_users_are_not_loaded_into_a_database_with_real_users(kf, koopflow):
    assert koopflow("create", "echt.person", "--name", "Echt", "--no-password").exit_code == 0
    refused = koopflow("demo", "load")
    assert refused.exit_code == 1 and "--force" in refused.output
    assert koopflow("demo", "load", "--force").exit_code == 0
