"""The diagram pages in a real browser: bpmn-js draws the diagram, the case's states sit on
the right elements, the bpmn.io watermark shows, no console errors, no axe violations."""
from __future__ import annotations

from tests.support.browser import drawn, no_violations
from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import CONFIRM_JSON
from workflows.processes.catalogue import waiting_counts
from workflows.store.definitions import current_definition
from workflows.tasks import complete_task


def _classes(page, element_id: str) -> list[str]:
    return page.get_attribute(f'g.djs-element[data-element-id="{element_id}"]', "class").split()


def _badge(page, element_id: str) -> str:
    return page.inner_text(f'.djs-overlays[data-container-id="{element_id}"] .state-badge')


def _version_url(server) -> str:
    with server.kf.db.transaction() as session:
        definition = current_definition(session, "handover_school_end")
        return f"{server.url}/processes/handover_school_end/versions/{definition.id}"


def test_definition_page_draws_the_diagram(page_as, server):
    page = drawn(page_as("lwv.fachdienst"), _version_url(server))
    for element_id in ("review_handover", "prepare_handover", "flow_to_review", "review_reminder_timer"):
        assert page.locator(f'[data-element-id="{element_id}"]').count() >= 1, element_id
    assert page.locator(".bjs-powered-by").is_visible()  # bpmn.io's licence: the watermark stays
    assert page.locator('#elements tr[data-element="review_handover"]').is_visible()
    no_violations(page)
    assert page.console_errors == []


def test_processes_page_has_no_violations(page_as, server):
    page = page_as("lk.sozialamt")
    page.goto(f"{server.url}/processes")
    assert page.locator(f'a[href="{_version_url(server).removeprefix(server.url)}"]').count() == 1
    no_violations(page)
    assert page.console_errors == []


def test_case_diagram_marks_completed_active_waiting_and_cancelled(page_as, server):
    kf = server.kf
    offered = offered_handover(kf)
    confirmed = offered_handover(kf)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, confirmed, "review_handover"),
                  CONFIRM_JSON)
    page = page_as("lwv.fachdienst")

    drawn(page, f"{server.url}/cases/{offered}/diagram")
    assert "state-completed" in _classes(page, "prepare_handover")
    assert "state-active" in _classes(page, "review_handover")
    assert "state-waiting" in _classes(page, "review_reminder_timer")
    assert not {"state-completed", "state-active", "state-waiting"} & set(_classes(page, "close_local"))
    assert _badge(page, "prepare_handover") == "✓ erledigt"
    assert _badge(page, "review_handover") == "▶ aktiv"
    assert _badge(page, "review_reminder_timer").startswith("◷ wartet bis ")
    assert page.locator(".case-diagram__aside").inner_text().count("wartet bei") == 1
    no_violations(page)
    assert page.console_errors == []

    drawn(page, f"{server.url}/cases/{confirmed}/diagram")
    assert "state-cancelled" in _classes(page, "review_reminder_timer")
    assert _badge(page, "review_reminder_timer") == "✕ abgebrochen"
    assert "state-completed" in _classes(page, "review_handover")
    assert "state-active" in _classes(page, "approve_takeover")
    no_violations(page)
    assert page.console_errors == []


def test_case_diagram_without_javascript_shows_the_states_as_a_table(chromium, server):
    offered = offered_handover(server.kf)
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/login")
        page.fill("#field-username", "lwv.fachdienst")
        page.fill("#field-password", "demo")
        page.click("button[type=submit]")
        page.goto(f"{server.url}/cases/{offered}/diagram")
        assert "JavaScript" in page.inner_text("#diagram")
        row = page.locator('#elements tr[data-element="review_handover"]')
        assert "aktiv" in row.inner_text()
    finally:
        context.close()


def test_version_diff_marks_the_changed_and_added_elements(page_as, server):
    from tests.support.versions import older_handover_version

    older, current = older_handover_version(server.kf)
    page = page_as("lk.sozialamt")
    page.goto(f"{server.url}/processes")
    page.select_option("#compare-handover_school_end-a", str(older))
    page.select_option("#compare-handover_school_end-b", str(current))
    page.click('section[aria-labelledby="process-handover_school_end"] .compare-form button')
    page.wait_for_load_state()
    assert "/processes/handover_school_end/compare?" in page.url
    drawn(page, page.url)
    assert "change-changed" in _classes(page, "review_handover")
    assert "change-added" in _classes(page, "review_escalation_timer")
    assert not {"change-changed", "change-added"} & set(_classes(page, "prepare_handover"))
    assert page.inner_text('.djs-overlays[data-container-id="review_handover"] .change-badge') == "Δ geändert"
    assert page.inner_text('.djs-overlays[data-container-id="review_escalation_timer"] .change-badge') == "+ neu"
    assert "entfernt" in page.locator('#changes tr[data-element="old_step"]').inner_text()
    no_violations(page)
    assert page.console_errors == []


def test_version_page_shows_how_many_cases_wait_at_each_element(page_as, server):
    with server.kf.db.transaction() as session:
        definition = current_definition(session, "handover_school_end")
        waiting = waiting_counts(session, definition.id).get("review_handover", 0)
    offered_handover(server.kf)
    page = drawn(page_as("lwv.fachdienst"), _version_url(server))
    badge = page.inner_text('.djs-overlays[data-container-id="review_handover"] .count-badge')
    assert badge == f"{waiting + 1} Vorgänge" if waiting else badge == "1 Vorgang"
    assert page.locator('.djs-overlays[data-container-id="close_local"] .count-badge').count() == 0
    assert page.locator('#elements tr[data-element="review_handover"] .count-cell').inner_text() == str(waiting + 1)
    page.select_option("#agreement-filter", index=1)
    page.click("#agreement-filter ~ button")
    drawn(page, page.url)
    assert "agreement=" in page.url
    assert page.locator('#elements tr[data-element="review_handover"] .count-cell').inner_text() == str(waiting + 1)
    no_violations(page)
    assert page.console_errors == []


def test_a_comment_appears_on_the_diagram_and_in_the_list(page_as, server):
    page = page_as("lk.sozialamt")
    page.goto(_version_url(server))
    page.select_option("#field-element_id", "prepare_handover")
    page.fill("#field-body", "Welche Unterlagen gehören dazu?")
    page.click("text=Kommentar speichern")
    page.wait_for_load_state()
    drawn(page, page.url)
    assert page.inner_text('.djs-overlays[data-container-id="prepare_handover"] .comment-badge') == "✎ 1 Kommentar"
    assert "has-comments" in _classes(page, "prepare_handover")
    item = page.locator('#comment-list li[data-element="prepare_handover"]')
    assert "Welche Unterlagen gehören dazu?" in item.inner_text()
    no_violations(page)
    assert page.console_errors == []

    item.locator("button").click()
    page.wait_for_load_state()
    drawn(page, page.url)
    assert page.locator('.djs-overlays[data-container-id="prepare_handover"] .comment-badge').count() == 0
    assert page.locator('#comment-list li[data-element="prepare_handover"]').count() == 0
    page.check("#show-resolved")
    page.click("#show-resolved >> xpath=ancestor::form//button")
    drawn(page, page.url)
    assert "erledigt von" in page.locator('#comment-list li[data-element="prepare_handover"]').inner_text()
    no_violations(page)
    assert page.console_errors == []
