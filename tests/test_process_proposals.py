"""Process change by agreement: a lead proposes a changed diagram with a change note; it is
checked like a diagram at start-up (refused naming the element); reviewers of every agreement
running the process see the diff and comment; one lead per consent role of each agreement
consents; then it is the next Fassung, in effect from its date, and new cases start on it."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.flows import actor, offered_handover
from workflows.errors import NotFound, ValidationFailed
from workflows.processes.proposals import consent, element_of, proposal_view, propose_change
from workflows.store.cases import Case
from workflows.store.definitions import current_definition
from workflows.worker import run_once

KEY = "handover_school_end"
LEADS = ("lk.kreisbeigeordnete", "lwv.leitung", "lf.sozialdezernat", "lwvlf.leitung")  # both agreements run it


def _current(kf):
    with kf.db.transaction() as session:
        row = current_definition(session, KEY)
        return row.id, row.bpmn_xml, row.number


def _propose(kf, xml: str, who: str = "lk.kreisbeigeordnete", note: str = "Schritt klarer benannt",
             effective_on: str = "") -> int:
    base_id, _, _ = _current(kf)
    return propose_change(kf.db, kf.clock, actor(kf, who), KEY, base_id, xml, note, effective_on,
                          kf.settings.forms_dir)


def _renamed(xml: str) -> str:
    return xml.replace('name="Übergabe prüfen"', 'name="Übergabe sorgfältig prüfen"', 1)


def _refusal(kf, xml: str) -> str:
    with pytest.raises(ValidationFailed) as failed:
        _propose(kf, xml)
    return failed.value.errors["bpmn"]


def test_a_proposal_is_refused_by_the_start_up_checks_naming_the_element(kf):
    _, xml, _ = _current(kf)
    message = _refusal(kf, xml.replace('default="', 'data-default="', 1))
    assert "ohne Standardfluss" in message and element_of(message)
    message = _refusal(kf, _renamed(xml).replace('working_days_later(', '__import__("os") or working_days_later(', 1))
    assert "nicht erlaubt" in message or "unbekannte Funktion" in message
    lane = xml.index("<bpmn:lane id=\"")
    lane_id = xml[lane:].split('id="')[1].split('"')[0]
    message = _refusal(kf, xml.replace(f'id="{lane_id}"', 'id="unmapped_role"', 1))
    assert "unmapped_role" in message and "keine Organisationseinheit" in message
    shape = xml.index('bpmnElement="review_handover"')
    message = _refusal(kf, xml[:shape] + 'bpmnElement="nothing_drawn"' + xml[shape + len('bpmnElement="review_handover"'):])
    assert "review_handover" in message and "BPMN-DI" in message and element_of(message) == "review_handover"
    assert "unverändert" in _refusal(kf, xml)
    assert "DOCTYPE" in _refusal(kf, '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + xml)
    with pytest.raises(ValidationFailed) as failed:
        _propose(kf, _renamed(xml), note="", effective_on="31.02.2020")
    assert set(failed.value.errors) == {"change_note", "effective_on"}


def test_only_a_lead_or_process_owner_proposes(kf):
    _, xml, _ = _current(kf)
    with pytest.raises(NotFound):
        _propose(kf, _renamed(xml), who="lk.sozialamt")


def test_both_partners_leads_consent_and_the_change_takes_effect_on_its_date(kf):
    old_id, xml, number = _current(kf)
    day = (kf.clock.now() + timedelta(days=10)).astimezone().strftime("%d.%m.%Y")
    proposal_id = _propose(kf, _renamed(xml), effective_on=day)
    view = proposal_view(kf.db, actor(kf, "lwv.fachdienst"), KEY, proposal_id)
    [change] = view.diff.changes
    assert change.element.id == "review_handover" and change.details[0].new == "Übergabe sorgfältig prüfen"
    assert len(view.slots) == 4 and view.mine == []  # a caseworker reviews, but does not consent
    with pytest.raises(NotFound):  # a user of no agreement running it does not see it
        proposal_view(kf.db, actor(kf, "lk.landraetin"), KEY, proposal_id)

    for lead in LEADS[:-1]:
        assert consent(kf.db, kf.clock, actor(kf, lead), KEY, proposal_id) is None
    with pytest.raises(ValidationFailed):  # twice: nothing left for them
        consent(kf.db, kf.clock, actor(kf, LEADS[0]), KEY, proposal_id)
    adopted = consent(kf.db, kf.clock, actor(kf, LEADS[-1]), KEY, proposal_id)
    assert adopted.number == number + 1 and adopted.change_note == "Schritt klarer benannt"
    assert _current(kf)[0] == old_id  # not before its date

    before = offered_handover(kf)
    kf.clock.set(kf.clock.now() + timedelta(days=11))
    run_once(kf.db, kf.clock)
    assert _current(kf)[0] == adopted.id
    after = offered_handover(kf)
    with kf.db.transaction() as session:
        assert session.get(Case, after).definition_id == adopted.id
        assert session.get(Case, before).definition_id == old_id  # a running case stays until moved
    assert proposal_view(kf.db, actor(kf, "lwv.leitung"), KEY, proposal_id).version.label == f"Fassung {number + 1}"


def test_the_pages_without_javascript_upload_comment_and_consent(kf, as_user):
    base_id, xml, _ = _current(kf)
    lead = as_user("lk.kreisbeigeordnete")
    page = f"/processes/{KEY}/versions/{base_id}/change"
    html = lead.get(page).text
    assert 'type="file"' in html and "bpmn-modeler.production.min.js" in html and "<script>" not in html
    assert "Änderung an Fassung" in lead.get(f"/processes/{KEY}/versions/{base_id}").text
    as_user("lk.sozialamt").get(page, status=404)

    refused = lead.submit(page, page, {"bpmn_xml": xml.replace('default="', 'data-default="', 1),
                                       "change_note": "x"}, status=422)
    assert "Es gibt ein Problem" in refused.text and "ohne Standardfluss" in refused.text
    assert 'data-element="' in refused.text

    import io
    response = lead.client.get(page)
    token = response.text.split('name="csrf_token" value="')[1].split('"')[0]
    posted = lead.client.post(page, data={"csrf_token": token, "change_note": "Schritt klarer benannt",
                                          "bpmn_file": (io.BytesIO(_renamed(xml).encode()), "neu.bpmn")},
                              content_type="multipart/form-data")
    assert posted.status_code == 302, posted.text[:500]
    url = posted.headers["Location"]
    shown = lead.get(url).text
    assert "<del>Übergabe prüfen</del>" in shown and "Zustimmung fehlt" in shown
    assert lead.get(url.split("#")[0] + ".bpmn").data.decode().count("Übergabe sorgfältig prüfen") == 1

    reviewer = as_user("lwv.fachdienst")
    reviewer.submit(url, url + "/comments", {"element_id": "review_handover", "body": "Passt so."}, status=302)
    assert "Passt so." in reviewer.get(url).text and "Zustimmen für" not in reviewer.get(url).text
    for name in LEADS:
        as_user(name).submit(url, url + "/consent", status=302)
    assert "angenommen" in lead.get(url).text
    listing = lead.get("/processes").text
    assert "Schritt klarer benannt" in listing and "abgestimmte Prozessänderung" in listing
