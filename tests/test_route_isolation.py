"""Every route of the app, walked as someone who must not see the case: an anonymous visitor,
a Landkreis user against the LWV's tasks, a unit that takes part in nothing, and users of the
other agreement against the first agreement's cases. None
of them gets personal data or changes anything; the rightful users get every page, so the
ids are right and the walk is not vacuous. A new route is walked automatically; one whose
URL parameters the walk cannot fill makes it fail."""
from __future__ import annotations

import io
from datetime import date, datetime
from itertools import product

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from service.mail.approval_links import make_token
from tests.support.api import api_client
from tests.support.approvals import proposed_takeover
from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import CONFIRM_JSON, PERSON
from tests.support.named_list import ROWS, delivered_list
from tests.support.pages import CSRF
from workflows.cases.case_list import CaseFilter
from workflows.cases.notes import add_note
from workflows.cases.saved_filters import save_filter
from workflows.clock import BERLIN
from workflows.deadlines import calendar_key
from workflows.people.absences import record_absence
from workflows.people.accounts import create_api_token
from workflows.processes.proposals import propose_change
from workflows.processes.review_comments import add_comment
from workflows.store.absences import Absence
from workflows.store.annual import AnnualCase
from workflows.store.approvals import ApprovalRequest
from workflows.store.case_notes import CaseNote
from workflows.store.cases import Case
from workflows.store.contacts import Contact
from workflows.store.definitions import ProcessDefinition
from workflows.store.documents import Document
from workflows.store.follow_ups import TaskFollowUp
from workflows.store.history import HistoryEvent
from workflows.store.incidents import TIMER, record_incident
from workflows.store.outbox import OutboxMail
from workflows.store.saved_filters import SavedFilter
from workflows.store.tasks import HumanTask
from workflows.store.users import ApiToken, User
from workflows.worker import run_once

CSV = "Kreis;Leistung;Anzahl\nGießen;Wohnen;4711\n".encode()
NOTE = "Interne Notiz des LWV: Rückruf der Mutter abwarten"  # the LWV's own; nobody walking may read it
PERSONAL = sorted({p[key] for p in (PERSON, *ROWS) for key in ("last_name", "first_name", "birth_date")}
                  | {".".join(reversed(p["birth_date"].split("-"))) for p in (PERSON, *ROWS)})
ID_PARAMS = {"case_id", "task_id", "document_id", "row", "mail_id", "process_key", "definition_id", "comment_id",
             "agreement_id", "number", "contact_id", "incident_id", "token_id", "filter_id", "absence_id",
             "note_id", "user_id", "proposal_id", "year"}
WRITING_KINDS = ("task.", "case.", "approval.", "document.", "handover.")
FORM = {"decision": "confirm", "effective_date": "01.08.2027", "vocational_participation": "true",
        "colleague": "lwv.fachdienst2", "comment": "x", "note": "x", "follow_up_on": "01.08.2027",
        # a search would find the person (any case): lower case, so the form echoing it is no leak
        "q": PERSON["first_name"].lower()}  # a plausible attempt, not an empty one

# Public by design, with why, and what they answer to a forged token or an unknown path.
PUBLIC = {
    "static": ("stylesheet only, no data", 404),
    "login.show": ("the login form", 200),
    "login.submit": ("checks the password (the walk sends none: refused)", 401),
    "api.openapi": ("describes the API, holds no data", 200),
    "healthz.show": ("for load balancers: database, migrations, worker age, open-incident count; no case data", 200),
    # answers only with KOOPFLOW_METRICS_TOKEN set and sent as a bearer token; unset here: 404
    "metrics.show": ("for monitoring: counts and ages, no case data; a bearer token, not a login", 404),
    "approvals.show": ("the signed token is the approver's key (mailed link; shows no personal data)", 404),
    "approvals.decide_post": ("the signed token is the approver's key (mailed link)", 404),
    "deadlines.calendar": ("the signed per-user address is the calendar app's key", 404),
    "oidc.login": ("starts the agency's OpenID login; not configured here: back to the login page", 302),
    "oidc.callback": ("the provider's answer, checked by Authlib (state, nonce, signature); here: the login page", 302),
}
# Open to every signed-in user by design (no case data); anonymous visitors get the login.
SHARED = {
    "processes.version": "a process definition version: its diagram and elements",
    "processes.version_xml": "a process definition version's BPMN file",
    "processes.compare": "two versions of a process definition compared",
    # the agreement itself: status, end date, versions and diffs; no case data (404 for an outsider)
    "agreements.show": "an agreement's status and its versions with who agreed when",
    "agreements.version": "one version of an agreement and its diff to the one before",
    # a process change proposal belongs to the process, which several agreements may run: the
    # users of each of them review it (no case data; 404 for whom no such agreement has)
    "process_changes.show": "a process change proposal: its diff, diagram, comments and consents",
    "process_changes.xml": "a process change proposal's BPMN file",
    "process_changes.change": "the page to propose a change (404 unless a lead or process owner)",
}
# GET pages only a lead opens (the rightful walk visits them as the LWV's lead)
LEAD_PAGES = {"process_changes.change", "agreements.change"}
# Review comments: every signed-in user may write and resolve them (no case data); the walk's
# form has no element, so writing is refused (422), resolving redirects back to the page.
SHARED_WRITES = {
    "processes.comment_post": "a review comment on a process element",
    "processes.comment_resolve": "marks a review comment resolved",
    "process_changes.comment": "a review comment on a proposal's element",
    "process_changes.agree": "a lead's consent to a proposal (422 for anyone else)",
    "process_changes.propose": "a proposal (404 unless a lead or process owner; the walk's form has no diagram)",
}
TOKENS = {"approvals.show": "approval", "approvals.decide_post": "approval", "deadlines.calendar": "calendar"}


@pytest.fixture
def state(kf, as_user):
    """A named list delivered, a § 9 data set uploaded, a handover offered, a takeover proposed."""
    named_list = delivered_list(kf)
    kf.clock.set(datetime(2027, 7, 1, 8, 0, tzinfo=BERLIN))
    run_once(kf.db, kf.clock)
    with kf.db.transaction() as session:
        regional = session.scalar(select(AnnualCase.case_id).where(
            AnnualCase.request_key == "regional_data_report", AnnualCase.year == 2027))
    fachdienst = as_user("lwv.fachdienst")
    upload_task = open_task(kf, regional, "provide_regional_data")
    page = fachdienst.get(f"/tasks/{upload_task}")
    posted = fachdienst.client.post(f"/tasks/{upload_task}", content_type="multipart/form-data", data={
        "csrf_token": CSRF.search(page.text).group(1), "document_id": (io.BytesIO(CSV), "daten.csv")})
    assert posted.status_code == 302
    offered, proposed = offered_handover(kf), proposed_takeover(kf)
    with kf.db.transaction() as session:  # a Störung of the offered handover, for the Störungen pages
        incident_id = record_incident(session, kf.clock.now(), TIMER, f"timer:{offered}", KeyError("x"),
                                      case_id=offered).id
    absence = record_absence(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), date(2027, 7, 10), date(2027, 7, 20),
                             "lwv.fachdienst2")
    saved = save_filter(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), "Gesucht", CaseFilter(q=PERSON["last_name"]))
    comment_id = add_comment(kf.db, kf.clock, actor(kf, "lk.sozialamt"), "handover_school_end", {"review_handover"},
                             "review_handover", "Frist prüfen")
    create_api_token(kf.db, kf.clock, "lwv.fachdienst")  # nobody else may revoke it
    note_id = add_note(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), offered, NOTE)
    with kf.db.transaction() as session:
        base = session.scalar(select(ProcessDefinition).where(
            ProcessDefinition.process_key == "handover_school_end", ProcessDefinition.is_current))
        base_id, changed = base.id, base.bpmn_xml.replace('name="Übergabe prüfen"', 'name="Übergabe sichten"', 1)
    proposal_id = propose_change(kf.db, kf.clock, actor(kf, "lk.kreisbeigeordnete"), "handover_school_end", base_id,
                                 changed, "Name", "", kf.settings.forms_dir)
    with kf.db.transaction() as session:
        request = session.scalar(select(ApprovalRequest).where(ApprovalRequest.case_id == proposed))
        request_id, nonce = request.id, request.nonce
        ids = {"case_id": list(session.scalars(select(Case.id))),
               "task_id": list(session.scalars(select(HumanTask.id))),
               "document_id": list(session.scalars(select(Document.id))),
               "mail_id": list(session.scalars(select(OutboxMail.id))), "row": [0, 1],
               "process_key": ["handover_school_end"],
               "definition_id": list(session.scalars(select(ProcessDefinition.id))),
               "comment_id": [comment_id], "agreement_id": ["landkreis-giessen"], "number": [1],
               "contact_id": list(session.scalars(select(Contact.id))), "incident_id": [incident_id],
               "token_id": list(session.scalars(select(ApiToken.id))), "filter_id": [saved.id],
               "absence_id": [absence.id], "note_id": [note_id], "user_id": list(session.scalars(select(User.id))),
               "proposal_id": [proposal_id], "year": [2027]}
        handover_definition = session.scalar(select(ProcessDefinition.id).where(
            ProcessDefinition.process_key == "handover_school_end", ProcessDefinition.is_current))
        upload_task_id = session.scalar(select(HumanTask.id).where(HumanTask.bpmn_id == "provide_regional_data"))
        first = select(Case.id).where(Case.agreement_id == "landkreis-giessen")
        first_agreement = {**ids, "case_id": list(session.scalars(first)),
                           "task_id": list(session.scalars(select(HumanTask.id).where(HumanTask.case_id.in_(first)))),
                           "document_id": list(session.scalars(select(Document.id).where(Document.case_id.in_(first))))}
    assert all(ids.values()), ids
    lwv_tasks = [open_task(kf, offered, "review_handover"), open_task(kf, proposed, "approve_takeover"),
                 open_task(kf, named_list, "acknowledge_named_list"), upload_task_id]
    fachdienst_id = actor(kf, "lwv.fachdienst").user_id
    secret = "test-secret"
    calendar = URLSafeSerializer(secret, salt="koopflow-calendar")
    return {
        "everything": ids,
        "first_agreement": first_agreement,
        "lwv_tasks": {"task_id": lwv_tasks},
        "rightful": {"case_id": [offered], "task_id": [lwv_tasks[0]], "document_id": ids["document_id"][:1],
                     "mail_id": ids["mail_id"][:1], "row": [0], "filename": ["koopflow.css"],
                     "process_key": ["handover_school_end"], "definition_id": [handover_definition], "comment_id": [comment_id],
                     "agreement_id": ["landkreis-giessen"], "number": [1], "contact_id": ids["contact_id"][:1],
                     "incident_id": [incident_id], "user_id": [fachdienst_id], "proposal_id": [proposal_id], "year": [2027],
                     "approval": [make_token(secret, kf.clock, request_id, nonce)],
                     "calendar": [calendar.dumps({"u": fachdienst_id, "k": calendar_key(kf.db, fachdienst_id)})]},
        "forged": {"approval": [make_token(secret, kf.clock, request_id, "not-the-nonce"),
                                make_token(secret, kf.clock, request_id + 99, nonce), "no-token"],
                   "calendar": [calendar.dumps({"u": fachdienst_id, "k": "guessed"}), "no-token"],
                   "filename": ["no-such-file.css", "../koopflow.db"]},
    }


def methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def urls_of(app, rule, ids: dict) -> list[str]:
    """Every URL of ``rule`` with its parameters taken from ``ids`` (all combinations)."""
    names = sorted(rule.arguments)
    if rule.endpoint not in PUBLIC:
        unknown = set(names) - ID_PARAMS
        assert not unknown, f"new route {rule.rule}: add it to the isolation test (parameters {sorted(unknown)})"
    choices = [ids.get(TOKENS[rule.endpoint] if name == "token" else name, []) for name in names]
    adapter = app.url_map.bind("localhost")
    return [adapter.build(rule.endpoint, dict(zip(names, values)), method=methods(rule)[0])
            for values in product(*choices)]


def snapshot(kf) -> dict:
    """What a request must not change: case and task states, approvals, records, mails."""
    with kf.db.transaction() as session:
        return {
            "cases": sorted(session.execute(select(Case.id, Case.status, Case.version)).all()),
            "tasks": sorted(session.execute(select(HumanTask.id, HumanTask.state, HumanTask.assignee_id)).all()),
            "approvals": sorted(session.execute(select(ApprovalRequest.id, ApprovalRequest.status)).all()),
            "events": [e for e in session.execute(select(HistoryEvent.id, HistoryEvent.kind)).all()
                       if e.kind.startswith(WRITING_KINDS)],
            "documents": sorted(session.scalars(select(Document.id))),
            "contacts": sorted(session.scalars(select(Contact.id))),
            "absences": sorted(session.scalars(select(Absence.id))),
            "notes": sorted(session.scalars(select(CaseNote.id))),
            "follow_ups": sorted(session.execute(select(TaskFollowUp.task_id, TaskFollowUp.user_id)).all()),
            "saved_filters": sorted(session.scalars(select(SavedFilter.id).where(SavedFilter.name == "Gesucht"))),
            "mails": session.scalar(select(OutboxMail.id).order_by(OutboxMail.id.desc()).limit(1)),
        }


class Visitor:
    """Sends any route's request as one person: their browser session (with a CSRF token
    from a page they can load) for pages, their bearer token for the API."""

    def __init__(self, app, kf, username: str | None, browser=None):
        self.username = username
        self.client = browser.client if browser else app.test_client()
        self.csrf = CSRF.search(self.client.get("/inbox" if username else "/login").text).group(1)
        self.api_headers = api_client(app, kf, kf.clock, username).headers if username else {}

    def send(self, method: str, url: str, follow: bool = False):
        if url.startswith("/api/"):
            body = CONFIRM_JSON if method == "POST" else None
            return self.client.open(url, method=method, headers=self.api_headers, json=body)
        data = {"csrf_token": self.csrf, **FORM} if method == "POST" else None
        return self.client.open(url, method=method, data=data, follow_redirects=follow)


def walk_reveals_nothing(app, kf, visitor: Visitor, ids: dict, forged: dict, only_with_ids: bool = False):
    """Every route × method × id from ``ids`` as ``visitor``: each answer as ``allowed``,
    no personal data in any, nothing changed."""
    problems, before, walked = [], snapshot(kf), 0
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint == "login.logout")  # log out last
    for rule in rules:
        if only_with_ids and (not rule.arguments or rule.endpoint in PUBLIC):
            continue
        for url in urls_of(app, rule, forged if rule.endpoint in PUBLIC else ids):
            for method in methods(rule):
                response, walked = visitor.send(method, url), walked + 1
                body = response.get_data(as_text=True)
                if not allowed(rule, visitor.username, response):
                    problems.append(f"{visitor.username or 'anonymous'} {method} {url} -> {response.status_code}")
                leaked = [p for p in PERSONAL if p in body] + (["the CSV"] if CSV.decode() in body else []) \
                    + (["the LWV's internal note"] if NOTE in body else [])
                if leaked:
                    problems.append(f"{visitor.username or 'anonymous'} {method} {url} shows {leaked}")
    assert walked > 10, "the walk walked nothing"
    changed = [part for part, rows in snapshot(kf).items() if rows != before[part]]
    problems += [f"{visitor.username or 'anonymous'} changed the database: {changed}"] if changed else []
    assert not problems, "\n".join(problems)


def allowed(rule, username: str | None, response) -> bool:
    if rule.endpoint in PUBLIC:
        return response.status_code == PUBLIC[rule.endpoint][1]
    if rule.rule.startswith("/api/") and username is None:
        return response.status_code == 401
    if username is None:
        return response.status_code == 302 and response.headers["Location"].startswith("/login")
    if rule.rule.startswith("/admin/"):
        return response.status_code == 404
    if rule.endpoint in SHARED:
        return response.status_code in (200, 404)
    if rule.endpoint in SHARED_WRITES:
        return response.status_code in (302, 404, 422)
    if rule.arguments:
        return response.status_code in (403, 404)
    return response.status_code < 500  # the user's own inbox, settings, …: but no one else's data


def test_every_public_route_is_explained_and_still_exists(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert all(reason for reason, _ in PUBLIC.values())
    assert set(PUBLIC) <= endpoints, f"allow-listed but gone: {set(PUBLIC) - endpoints}"


def test_anonymous_visitors_get_the_login_or_401_and_no_data_anywhere(app, kf, state):
    walk_reveals_nothing(app, kf, Visitor(app, kf, None), state["everything"], state["forged"])


def test_a_unit_that_takes_no_part_gets_nothing_of_any_case(app, kf, as_user, state):
    # (every LWV Fachbereich organises a planning conference by July, so it has cases of its own;
    # the Beauftragter is only invited to them)
    visitor = Visitor(app, kf, "lk.beauftragter", as_user("lk.beauftragter"))
    walk_reveals_nothing(app, kf, visitor, state["everything"], state["forged"])


@pytest.mark.parametrize("username", ["lwvlf.fachdienst", "st.jugendamt"])
def test_users_of_the_other_agreement_get_nothing_of_the_first_agreements_cases(app, kf, as_user, state, username):
    # they have cases of their own agreement by now (its annual requests, its conferences)
    with kf.db.transaction() as session:
        own = session.scalars(select(Case.id).where(Case.agreement_id == "landkreis-lahnfeld")).all()
    assert own
    visitor = Visitor(app, kf, username, as_user(username))
    walk_reveals_nothing(app, kf, visitor, state["first_agreement"], state["forged"], only_with_ids=True)


def test_the_landkreis_cannot_open_or_work_on_the_lwvs_tasks(app, kf, as_user, state):
    visitor = Visitor(app, kf, "lk.sozialamt", as_user("lk.sozialamt"))
    walk_reveals_nothing(app, kf, visitor, state["lwv_tasks"], state["forged"], only_with_ids=True)


def test_the_rightful_users_get_every_page_of_the_same_state(app, kf, as_user, state):
    """Proves the ids and the personal-data markers are right: the walk above is not vacuous."""
    ids = state["rightful"]
    visitors = {"lwv.fachdienst": Visitor(app, kf, "lwv.fachdienst", as_user("lwv.fachdienst")),
                "admin": Visitor(app, kf, "admin", as_user("admin")),
                "lwv.leitung": Visitor(app, kf, "lwv.leitung", as_user("lwv.leitung"))}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        visitor = visitors["admin" if rule.rule.startswith("/admin/") else
                           "lwv.leitung" if rule.endpoint in LEAD_PAGES else "lwv.fachdienst"]
        urls = urls_of(app, rule, ids)
        assert urls, f"no rightful ids for {rule.rule}"
        for url in urls:
            if rule.endpoint == "metrics.show":  # its key is the operator's token, not a login
                kf.settings.metrics_token = "metrics-token"
                response = visitor.client.get(url, headers={"Authorization": "Bearer metrics-token"})
                kf.settings.metrics_token = None
            else:
                response = visitor.send("GET", url, follow=True)
            assert response.status_code == 200, (visitor.username, url, response.status_code)
            if rule.endpoint in PUBLIC:  # even with the right token: no personal data
                assert not [p for p in PERSONAL if p in response.get_data(as_text=True)], url
    case_page = visitors["lwv.fachdienst"].send("GET", f"/cases/{ids['case_id'][0]}").get_data(as_text=True)
    assert PERSON["last_name"] in case_page and "14.05.2008" in case_page
    assert NOTE in case_page  # the note's marker is real: its own agency reads it
    assert visitors["lwv.fachdienst"].send("GET", f"/documents/{ids['document_id'][0]}").data == CSV
