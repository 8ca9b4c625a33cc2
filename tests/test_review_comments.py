"""Review comments on process elements: written with CSRF, validated in German, listed with
author and date, marked on the table (and so the diagram), resolved and hidden."""
from __future__ import annotations

import re

import pytest

from tests.support.flows import actor
from tests.support.pages import CSRF
from workflows.errors import NotFound, ValidationFailed
from workflows.processes.review_comments import (
    EMPTY,
    MAX_LENGTH,
    NO_ELEMENT,
    TOO_LONG,
    add_comment,
    comments_of,
    resolve_comment,
)
from workflows.store.definitions import current_definition

KEY = "handover_school_end"


def _url(kf) -> str:
    with kf.db.transaction() as session:
        return f"/processes/{KEY}/versions/{current_definition(session, KEY).id}"


def test_add_validate_resolve_and_list(kf):
    reviewer = actor(kf, "lk.sozialamt")
    ids = {"review_handover"}
    with pytest.raises(ValidationFailed) as failed:
        add_comment(kf.db, kf.clock, reviewer, KEY, ids, "nope", "  ")
    assert failed.value.errors == {"element_id": NO_ELEMENT, "body": EMPTY}
    with pytest.raises(ValidationFailed) as failed:
        add_comment(kf.db, kf.clock, reviewer, KEY, ids, "review_handover", "x" * (MAX_LENGTH + 1))
    assert failed.value.errors == {"body": TOO_LONG}
    comment_id = add_comment(kf.db, kf.clock, reviewer, KEY, ids, "review_handover", " Frist zu kurz? ")
    [comment] = comments_of(kf.db, KEY)
    assert (comment.body, comment.element_id, comment.resolved_at) == ("Frist zu kurz?", "review_handover", None)
    assert comment.author and comment.created_at == kf.clock.now()
    assert comments_of(kf.db, "regional_data_report") == []
    with pytest.raises(NotFound):
        resolve_comment(kf.db, kf.clock, reviewer, "regional_data_report", comment_id)
    resolve_comment(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), KEY, comment_id)
    assert comments_of(kf.db, KEY) == []
    [resolved] = comments_of(kf.db, KEY, include_resolved=True)
    assert resolved.resolved_at and resolved.resolved_by


def test_comment_on_the_version_page(kf, as_user):
    browser = as_user("lk.sozialamt")
    page = browser.get(_url(kf))
    token = CSRF.search(page.text).group(1)
    empty = browser.client.post(f"{_url(kf)}/comments", data={"csrf_token": token, "element_id": "review_handover",
                                                              "body": ""})
    assert empty.status_code == 422 and EMPTY in empty.text and "Fehler: " in empty.text
    assert browser.client.post(f"{_url(kf)}/comments", data={"element_id": "review_handover", "body": "x"}
                               ).status_code == 400  # no CSRF token
    posted = browser.client.post(f"{_url(kf)}/comments", data={"csrf_token": token, "element_id": "review_handover",
                                                               "body": "Bitte Frist prüfen"})
    assert posted.status_code == 302
    reader = as_user("lwv.fachdienst")
    html = reader.get(_url(kf)).text
    assert "Bitte Frist prüfen" in html and re.search(r'<tr data-element="review_handover"[^>]*data-comments="1"', html)
    [comment] = comments_of(kf.db, KEY)
    token = CSRF.search(html).group(1)
    assert reader.client.post(f"{_url(kf)}/comments/{comment.id}/resolve", data={"csrf_token": token}).status_code == 302
    html = reader.get(_url(kf)).text
    assert "Bitte Frist prüfen" not in html and "data-comments" not in html
    shown = reader.get(_url(kf) + "?erledigte=1").text
    assert "Bitte Frist prüfen" in shown and "erledigt von" in shown


def test_comments_are_kept_per_agreement_and_other_agreements_see_neither_text_nor_author(kf, as_user):
    writer = actor(kf, "lk.sozialamt")
    ids = {"review_handover"}
    with pytest.raises(ValidationFailed) as refused:  # not one of the writer's agreements
        add_comment(kf.db, kf.clock, writer, KEY, ids, "review_handover", "x", agreement_id="landkreis-lahnfeld")
    assert list(refused.value.errors) == ["agreement_id"]
    comment_id = add_comment(kf.db, kf.clock, writer, KEY, ids, "review_handover", "Nur für Gießen")
    author = writer.display_name

    outsider = as_user("lwvlf.fachdienst")  # works under the other agreement only
    html = outsider.get(_url(kf)).text
    assert "Nur für Gießen" not in html and author not in html
    token = CSRF.search(html).group(1)
    assert outsider.client.post(f"{_url(kf)}/comments/{comment_id}/resolve",
                                data={"csrf_token": token}).status_code == 404
    assert comments_of(kf.db, KEY, actor=actor(kf, "lwvlf.fachdienst")) == []

    insider = as_user("lwv.fachdienst")
    html = insider.get(_url(kf)).text
    assert "Nur für Gießen" in html and author in html
