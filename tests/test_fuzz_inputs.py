"""Bad input, generated (hypothesis): form pages and API calls answer every input without a
server error, and an input they refuse writes nothing — the database is as it was (apart
from the audit log, which records the attempt by design, and the API token's last use)."""
from __future__ import annotations

from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.support.api import api_client
from tests.support.flows import actor, open_task
from tests.support.handover import PREPARE_FORM
from tests.support.pages import CSRF
from workflows.cases.starting import start_case
from workflows.clock import BERLIN
from workflows.store.annual import AnnualCase
from workflows.store.db import Base
from workflows.worker import run_once

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# written by design on any request: the audit log, login failures, an API token's last use
NOT_COMPARED = {"audit_log", "login_failures", "api_tokens"}
PLAUSIBLE = ["", "true", "false", "on", "14.05.2008", "2008-05-14", "31.02.2027", "2027-07-31", "-1", "0",
             "1e309", "NaN", "[]", "{}", "null", "<script>alert(1)</script>", "'; DROP TABLE cases; --",
             "\x00", "ä" * 5000, "add:persons", "remove:persons.0", "remove:persons.99", "add:nothing"]
VALUES = st.one_of(st.sampled_from(PLAUSIBLE), st.text(max_size=60))
NAMED_LIST_KEYS = ["nobody_to_report", "persons", "_form_action"] + [
    f"persons.{i}.{name}" for i in (0, 1, 7, -1) for name in
    ("last_name", "first_name", "birth_date", "habitual_residence", "school", "education", "expected_school_end",
     "placement")
] + ["persons.0", "persons.x.last_name", "persons..last_name"]
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=8)


def database(kf) -> dict:
    """Every row of every table but the audit log and the login failures."""
    with kf.db.transaction() as session:
        return {table.name: sorted(map(tuple, session.execute(select(table)).all()), key=repr)
                for table in Base.metadata.sorted_tables if table.name not in NOT_COMPARED}


class Target:
    """A task to send input to; after an accepted input, a fresh one in a fresh case."""

    def __init__(self, kf, fresh):
        self.kf, self.fresh = kf, fresh
        self.task_id = fresh()

    def accepted(self):
        self.task_id = self.fresh()


def check(kf, before: dict, response, target: Target) -> None:
    """No server error; a refused input (or a page shown again, 200) changed nothing."""
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code in (201, 302) or (response.status_code == 200 and response.is_json):
        target.accepted()
    else:
        assert database(kf) == before, f"a refused input ({response.status_code}) changed the database"


def new_handover(kf) -> int:
    started = start_case(kf.db, kf.clock, actor(kf, "lk.sozialamt"), "handover_school_end", "landkreis-giessen")
    return started.my_task_id


def test_the_handover_form_page_survives_any_input(kf, as_user):
    browser = as_user("lk.sozialamt")
    target = Target(kf, lambda: new_handover(kf))
    token = CSRF.search(browser.get(f"/tasks/{target.task_id}").text).group(1)

    @FUZZ
    @given(st.dictionaries(st.sampled_from(sorted(PREPARE_FORM) + ["_form_action", "person", "x"]), VALUES))
    def post(form):
        before = database(kf)
        response = browser.client.post(f"/tasks/{target.task_id}", data={"csrf_token": token, **form})
        check(kf, before, response, target)

    post()


def test_the_named_list_form_page_survives_any_input(kf, as_user):
    kf.clock.set(datetime(2027, 1, 4, 8, 0, tzinfo=BERLIN))
    run_once(kf.db, kf.clock)
    with kf.db.transaction() as session:
        list_case = session.scalar(select(AnnualCase.case_id).where(AnnualCase.request_key == "named_list"))
    browser = as_user("lk.sozialamt")
    deliver = open_task(kf, list_case, "deliver_named_list")
    target = Target(kf, lambda: deliver)  # once delivered, every further post must be refused (409)
    token = CSRF.search(browser.get(f"/tasks/{target.task_id}").text).group(1)

    @FUZZ
    @given(st.dictionaries(st.sampled_from(NAMED_LIST_KEYS), VALUES, max_size=12))
    def post(form):
        before = database(kf)
        response = browser.client.post(f"/tasks/{target.task_id}", data={"csrf_token": token, **form})
        check(kf, before, response, target)

    post()


def test_the_api_survives_any_json(app, kf):
    api = api_client(app, kf, kf.clock, "lk.sozialamt")
    target = Target(kf, lambda: new_handover(kf))
    field_names = ["person", "school", "expected_school_end", "current_benefits", "prior_benefits",
                   "has_overall_plan", "consent_on_file", "note"]

    @FUZZ
    @given(st.one_of(JSON, st.dictionaries(st.sampled_from(field_names), JSON)), st.sampled_from(["complete", "cases"]))
    def call(body, where):
        before = database(kf)
        url = f"/api/v1/tasks/{target.task_id}/complete" if where == "complete" else "/api/v1/cases"
        response = api.client.post(url, json=body, headers=api.headers)
        check(kf, before, response, target)

    call()


def test_the_api_survives_bodies_that_are_not_json(app, kf):
    api = api_client(app, kf, kf.clock, "lk.sozialamt")
    target = Target(kf, lambda: new_handover(kf))

    @FUZZ
    @given(st.binary(max_size=200))
    def call(body):
        before = database(kf)
        response = api.client.post(f"/api/v1/tasks/{target.task_id}/complete", data=body,
                                   content_type="application/json", headers=api.headers)
        check(kf, before, response, target)

    call()


def test_the_protocol_search_survives_any_query(as_user):
    admin = as_user("admin")

    @FUZZ
    @given(st.dictionaries(st.sampled_from(["username", "case_number", "kind", "since", "until", "before"]), VALUES))
    def search(query):
        status = admin.client.get("/admin/audit", query_string=query).status_code
        assert status in (200, 422) or (status == 400 and any("\x00" in k + v for k, v in query.items()))

    search()


def test_the_other_form_pages_survive_any_input(kf, as_user):
    """Starting a case, the settings, hand-over and claim: any value, never a 500; refused: nothing written."""
    browser = as_user("lk.sozialamt")
    token = CSRF.search(browser.get("/cases/new").text).group(1)
    target = Target(kf, lambda: new_handover(kf))
    choices = ["landkreis-giessen/handover_school_end", "landkreis-giessen/nothing", "x/handover_school_end", "/"]

    @FUZZ
    @given(st.sampled_from(["/cases", "/settings", "hand-over", "claim", "unclaim"]),
           st.dictionaries(st.sampled_from(["choice", "mail_preference", "colleague"]),
                           st.one_of(st.sampled_from(choices + ["immediate", "digest", "none", "lk.sozialamt2"]),
                                     VALUES)))
    def post(where, form):
        url = where if where.startswith("/") else f"/tasks/{target.task_id}/{where}"
        before = database(kf)
        response = browser.client.post(url, data={"csrf_token": token, **form})
        assert response.status_code < 500, response.get_data(as_text=True)[:500]
        if response.status_code >= 400:
            assert database(kf) == before, f"refused ({response.status_code}) but written: {url} {form}"

    post()


def test_a_nul_character_is_refused_before_it_reaches_the_database(app, as_user):
    """PostgreSQL cannot store NUL in text; SQLite can. Both answer 400 in German, not 500."""
    admin = as_user("admin")
    search = admin.client.get("/admin/audit", query_string={"username": "ad\x00min"})
    assert search.status_code == 400 and "unzulässiges Steuerzeichen" in search.get_data(as_text=True)
    login_page = app.test_client()
    page = login_page.get("/login")
    refused = login_page.post("/login", data={"csrf_token": CSRF.search(page.get_data(as_text=True)).group(1),
                                              "username": "lk.sozialamt\x00", "password": "demo"})
    assert refused.status_code == 400


BEYOND_COLUMNS = st.one_of(st.sampled_from([2**31, 2**31 + 1, 2**63 - 1, 2**63, 2**64, 10**30]),
                           st.integers(min_value=2**31, max_value=2**200))
STRING_ARGUMENTS = {"process_key": "handover_school_end", "agreement_id": "landkreis-giessen"}


def id_routes(app) -> list[tuple[str, object]]:
    """(method, rule) for every route with a number in its path."""
    found = []
    for rule in app.url_map.iter_rules():
        if any(type(converter).__name__ == "RowIdConverter" for converter in rule._converters.values()):
            found += [(method, rule) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    assert len(found) >= 15, found  # the walk is not vacuous
    return found


def test_every_id_route_answers_not_found_for_numbers_beyond_the_id_columns(app, kf, as_user):
    """PostgreSQL's INTEGER ends at 2**31 - 1, SQLite's at 2**63 - 1: beyond, 404 as for any foreign id."""
    browser = as_user("lk.sozialamt")
    token = CSRF.search(browser.get("/cases/new").text).group(1)
    api = api_client(app, kf, kf.clock, "lk.sozialamt")
    routes = id_routes(app)

    @FUZZ
    @given(st.sampled_from(routes), BEYOND_COLUMNS)
    def request(route, number):
        method, rule = route
        url = rule.build({name: STRING_ARGUMENTS.get(name, number) for name in rule.arguments}, append_unknown=False)[1]
        if url.startswith("/api/"):
            response = api.client.open(url, method=method, headers=api.headers, json={})
        else:
            response = browser.client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 404, (method, url, response.status_code, response.get_data(as_text=True)[:300])

    request()
