"""Anpassung (§ 11) through the pages: a lead proposes a change with the changed agreement
data, the other partner's lead sees the diff and consents, the new version takes effect on
its date and the worker follows it; running cases keep their version; a partner added
by amendment gets its inbox groups. Every version stays readable with who agreed when."""
from __future__ import annotations

import copy

import yaml
from sqlalchemy import select

from tests.support.agreement_life import AGREEMENT, agreement, at, case_of, complete, sign_by_link, start
from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import question
from tests.support.pages import inbox_tasks, login
from workflows.agreements.files import load_agreement
from workflows.clock import berlin_date
from workflows.people.accounts import load_demo_users
from workflows.store.agreement_versions import versions_of
from workflows.store.annual import AnnualCase
from workflows.store.cases import Case
from workflows.store.conferences import ConferenceCase
from workflows.store.tasks import HumanTaskGroup
from workflows.tasks import complete_task
from workflows.worker import run_once

STADT_UNIT = "stadt-giessen-sozialamt"


def file_data() -> dict:
    return copy.deepcopy(load_agreement(AGREEMENT).data)


def propose(browser, data: dict | None, summary: str, effective_on: str, status: int = 302) -> int:
    task_id = start(browser, "amendment")
    form = {"summary": summary, "effective_on": effective_on, "changes_text": "false"}
    if data is not None:
        form["agreement_data"] = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    complete(browser, task_id, form, status=status)
    return task_id


def residents_open_on_march_1() -> dict:
    data = file_data()
    residents = next(r for r in data["annual_requests"] if r["key"] == "count_residents")
    residents["opens"], residents["due"] = "03-01", "05-29"
    return data


def annual_cases(kf, key: str) -> list[AnnualCase]:
    with kf.db.transaction() as session:
        return list(session.scalars(select(AnnualCase).where(AnnualCase.request_key == key)))


def test_broken_agreement_data_is_refused_at_the_field_in_german(kf, as_user):
    at(kf, 2027, 2, 1)
    lead = as_user("lk.kreisbeigeordnete")
    data = file_data()
    data["annual_requests"][0]["opens"] = "März"
    propose(lead, data, "Neuer Termin", "2027-03-01", status=422)
    assert "annual_requests/0/opens: hat nicht die erwartete Form." in lead.text
    assert 'href="#field-agreement_data"' in lead.page.text  # the error summary links to the field
    task_id = start(lead, "amendment")
    complete(lead, task_id, {"summary": "x", "effective_on": "2027-03-01", "agreement_data": "id: [unclosed"}, status=422)
    assert "Die Vereinbarungsdaten sind kein gültiges YAML oder JSON" in lead.text
    complete(lead, task_id, {"summary": "x", "effective_on": "2027-01-31"}, status=422)
    assert "Eine Anpassung kann nicht rückwirkend in Kraft treten." in lead.text


def test_an_amendment_takes_effect_on_its_date_and_the_worker_follows(kf, as_user):
    at(kf, 2027, 2, 1)
    lead, lwv = as_user("lk.kreisbeigeordnete"), as_user("lwv.leitung")
    task_id = propose(lead, residents_open_on_march_1(), "§ 8 d: Meldung früher", "2027-03-01")
    case_id = case_of(kf, task_id)

    consent = open_task(kf, case_id, "consent_amendment")
    lwv.get(f"/tasks/{consent}")
    assert "Vorgeschlagene Anpassung" in lwv.text and "Gilt ab 01.03.2027" in lwv.text
    assert "<del>-  opens: 04-01</del>" in lwv.page.text and "<ins>+  opens: 03-01</ins>" in lwv.page.text
    assert "key: count_residents" in lwv.text  # enough context to see which request changes
    complete(lwv, consent, {"consent": "yes"})
    assert agreement(kf).version == 1  # agreed, not yet in effect

    at(kf, 2027, 2, 28)
    run_once(kf.db, kf.clock)
    assert annual_cases(kf, "count_residents") == []

    at(kf, 2027, 3, 1)
    run_once(kf.db, kf.clock)
    assert agreement(kf).version == 2
    [opened] = annual_cases(kf, "count_residents")
    assert (opened.year, str(opened.due_on)) == (2027, "2027-05-31")  # 29.05.2027 is a Saturday: moved

    lead.get(f"/agreements/{AGREEMENT}")
    assert "Fassung 2 01.03.2027 § 8 d: Meldung früher" in lead.text
    assert "Karla Beigeordnete (Landkreis Gießen), Vorschlag am 01.02.2027" in lead.text
    assert "Leonie Leitung (LWV Hessen), Zustimmung am 01.02.2027" in lead.text
    lead.get(f"/agreements/{AGREEMENT}/versions/2")
    assert "<del>-  opens: 04-01</del>" in lead.page.text and "<ins>+  opens: 03-01</ins>" in lead.page.text
    lead.get(f"/agreements/{AGREEMENT}/versions/1")
    assert "opens: 04-01" in lead.text


def test_a_refused_amendment_changes_nothing(kf, as_user):
    at(kf, 2027, 2, 1)
    lead, lwv = as_user("lk.kreisbeigeordnete"), as_user("lwv.leitung")
    case_id = case_of(kf, propose(lead, residents_open_on_march_1(), "früher", "2027-02-01"))
    complete(lwv, open_task(kf, case_id, "consent_amendment"), {"consent": "no"})
    assert agreement(kf).version == 1
    assert agreement(kf).data["annual_requests"][2]["opens"] == "04-01"


def test_a_partner_added_by_amendment_gets_inbox_groups_and_running_cases_keep_their_version(
        app, kf, as_user, tmp_path):
    at(kf, 2027, 2, 1)
    before = offered_handover(kf)
    data = file_data()
    data["partners"].append({"id": "stadt-giessen", "name": "Universitätsstadt Gießen", "short_name": "Stadt Gießen",
                             "kind": "special_status_city",
                             "org_units": [{"id": STADT_UNIT, "name": "Sozialamt der Stadt"}]})
    data["roles"]["local_case_office"].append(STADT_UNIT)
    lwv = as_user("lwv.leitung")
    case_id = case_of(kf, propose(lwv, data, "Stadt Gießen tritt als Sonderstatusstadt bei", "2027-02-01"))
    complete(as_user("lk.kreisbeigeordnete"), open_task(kf, case_id, "consent_amendment"), {"consent": "yes"})
    assert agreement(kf).version == 2  # effective today: at once

    users = tmp_path / "stadt.demo-users.yaml"
    users.write_text("agreement: landkreis-giessen\npassword: demo\nusers:\n"
                     f"  - {{username: stadt.sozialamt, display_name: Stella Stadt, org_units: [{STADT_UNIT}]}}\n")
    load_demo_users(kf.db, kf.clock, users)
    after = offered_handover(kf)
    fachdienst = actor(kf, "lwv.fachdienst")
    for case in (before, after):
        complete_task(kf.db, kf.clock, fachdienst, open_task(kf, case, "review_handover"), question("Welche Schule?"))

    stadt = login(app, "stadt.sozialamt")
    seen = {number for _id, name, number in inbox_tasks(stadt) if name.startswith("Rückfrage")}
    answers = {case: open_task(kf, case, "answer_question") for case in (before, after)}
    with kf.db.transaction() as session:
        groups = {case: set(session.scalars(select(HumanTaskGroup.org_unit_id).where(
            HumanTaskGroup.task_id == task_id))) for case, task_id in answers.items()}
    assert STADT_UNIT in groups[after] and STADT_UNIT not in groups[before]
    with kf.db.transaction() as session:
        assert seen == {session.get(Case, after).case_number}  # the handover started under version 2


def test_when_the_wording_changes_the_signatories_of_both_partners_sign_one_is_not_enough(app, kf, as_user):
    at(kf, 2027, 2, 1)
    lead, lwv = as_user("lk.kreisbeigeordnete"), as_user("lwv.leitung")
    task_id = start(lead, "amendment")
    complete(lead, task_id, {"summary": "§ 5 erhält eine neue Fassung", "effective_on": "2027-02-01",
                             "changes_text": "true"})
    case_id = case_of(kf, task_id)
    complete(lwv, open_task(kf, case_id, "consent_amendment"), {"consent": "yes"})
    signatories = ["lk.landraetin", "lk.kreisbeigeordneter-hauptamtlich", "lwv.landesdirektorin",
                   "lwv.erster-beigeordneter"]
    for username in signatories[:3]:
        sign_by_link(app, kf, case_id, username)
    assert len(_versions(kf)) == 1
    sign_by_link(app, kf, case_id, signatories[3])
    [_first, second] = _versions(kf)
    assert second.summary == "§ 5 erhält eine neue Fassung" and second.changes_text
    assert [c["as"] for c in second.consents] == ["Vorschlag", "Zustimmung"] + ["Unterschrift"] * 4
    assert second.consents[1]["name"] == "Leonie Leitung"


def _versions(kf):
    with kf.db.transaction() as session:
        rows = versions_of(session, AGREEMENT)
        for row in rows:
            session.expunge(row)
        return rows


def test_an_amendment_agreed_meanwhile_is_never_undone_by_an_older_proposal(kf, as_user):
    at(kf, 2027, 2, 1)
    lead, lwv = as_user("lk.kreisbeigeordnete"), as_user("lwv.leitung")
    first = case_of(kf, propose(lead, residents_open_on_march_1(), "§ 8 d früher", "2027-02-01"))
    stale = file_data()
    stale["task_deadlines"]["handover_review"] = 15
    second = case_of(kf, propose(lwv, stale, "Prüffrist länger", "2027-02-01"))
    complete(lwv, open_task(kf, first, "consent_amendment"), {"consent": "yes"})
    assert agreement(kf).version == 2

    complete(lead, open_task(kf, second, "consent_amendment"), {"consent": "yes"}, status=422)
    assert "Die Vereinbarung wurde inzwischen anders angepasst." in lead.text
    assert agreement(kf).data["annual_requests"][2]["opens"] == "03-01"
    third = case_of(kf, propose(lead, None, "§ 3 neu gefasst", "2027-06-01"))
    complete(lwv, open_task(kf, third, "consent_amendment"), {"consent": "yes"})
    propose(lwv, None, "während Fassung 3 wartet", "2027-07-01", status=422)
    assert "Fassung 3 ist vereinbart und gilt erst ab 01.06.2027." in lwv.text



def planning_conference_meetings(kf, key: str) -> list[tuple[int, str]]:
    with kf.db.transaction() as session:
        return sorted((c.occurrence, berlin_date(c.opened_at).isoformat()) for c in session.scalars(
            select(ConferenceCase).where(ConferenceCase.agreement_id == AGREEMENT, ConferenceCase.conference_key == key)))


def test_an_amendment_changing_a_planning_conferences_frequency_takes_effect_on_its_date(kf, as_user):
    at(kf, 2027, 2, 1)
    lead, lwv = as_user("lk.kreisbeigeordnete"), as_user("lwv.leitung")
    data = file_data()
    body = next(c for c in data["conferences"] if c["key"] == "planning_conference_206")
    body["times_per_year"], body["opens"] = 3, ["03-01", "06-01", "09-01"]  # Anlage 2: 206 meets three times
    case_id = case_of(kf, propose(lead, data, "Anlage 2: Planungskonferenz 206 dreimal jährlich", "2027-06-01"))
    complete(lwv, open_task(kf, case_id, "consent_amendment"), {"consent": "yes"})

    for day in ((2027, 3, 1), (2027, 5, 31)):
        at(kf, *day)
        run_once(kf.db, kf.clock)
    assert agreement(kf).version == 1
    assert planning_conference_meetings(kf, "planning_conference_206") == [(1, "2027-03-01")]

    for day in ((2027, 6, 1), (2027, 8, 31), (2027, 9, 1)):
        at(kf, *day)
        run_once(kf.db, kf.clock)
    assert agreement(kf).version == 2
    assert planning_conference_meetings(kf, "planning_conference_206") == [
        (1, "2027-03-01"), (2, "2027-06-01"), (3, "2027-09-01")]


def test_an_amendment_may_not_take_an_org_unit_of_another_agreement(kf, as_user):
    at(kf, 2027, 2, 1)
    lead = as_user("lk.kreisbeigeordnete")
    data = file_data()
    lwv = next(p for p in data["partners"] if p["id"] == "lwv-hessen")
    lwv["org_units"].append({"id": "lwv-lf-fachdienst", "name": "Fachdienst (aus Lahnfeld übernommen)"})
    propose(lead, data, "Fachdienst Lahnfeld auch für Gießen", "2027-03-01", status=422)
    assert "die Organisationseinheit lwv-lf-fachdienst gehört schon zur Vereinbarung landkreis-lahnfeld" in lead.text
    assert agreement(kf).version == 1 and [v.number for v in _versions(kf)] == [1]
