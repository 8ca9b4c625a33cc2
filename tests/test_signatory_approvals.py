"""A binding declaration of an agency needs both its signatories: one signature alone does
not decide, the second does; one refusal decides as refused."""
from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from service.mail.approval_links import make_token
from tests.support.app import make_app, settings_for
from tests.support.flows import actor
from tests.support.pages import text_of
from workflows.cases.approvals import Decision
from workflows.cases.instances import load_workflow
from workflows.cases.starting import start_case
from workflows.clock import BERLIN
from workflows.decisions import decide
from workflows.paths import AGREEMENTS_DIR, BPMN_DIR, FORMS_DIR
from workflows.store.approvals import ApprovalRequest
from workflows.store.cases import Case
from workflows.store.outbox import OutboxMail
from workflows.store.users import User


@pytest.fixture
def signing(tmp_path, database_url):
    """(app, koopflow) with a test diagram whose declaration both local signatories sign."""
    for source, name in ((BPMN_DIR, "bpmn"), (FORMS_DIR, "forms"), (AGREEMENTS_DIR, "agreements")):
        shutil.copytree(source, tmp_path / name)
    shutil.copy(Path(__file__).parent / "data" / "signatory_approval.bpmn", tmp_path / "bpmn")
    agreement = tmp_path / "agreements" / "landkreis-giessen.yaml"
    agreement.write_text(agreement.read_text().replace("processes:\n", "processes:\n  - signatory_approval\n"))
    settings = settings_for(database_url, tmp_path, secret_key="x", bpmn_dir=tmp_path / "bpmn",
                            forms_dir=tmp_path / "forms", agreements_dir=tmp_path / "agreements")
    app, koopflow = make_app(tmp_path, datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN), settings)
    yield app, koopflow
    koopflow.db.dispose()


@pytest.fixture
def kf(signing):
    return signing[1]


def requests(kf, case_id: int) -> dict[str, ApprovalRequest]:
    with kf.db.transaction() as session:
        rows = session.scalars(select(ApprovalRequest).where(ApprovalRequest.case_id == case_id)).all()
        return {session.get(User, r.approver_id).username: r for r in rows}


def case_status(kf, case_id: int) -> str:
    with kf.db.transaction() as session:
        return session.get(Case, case_id).status


def test_both_signatories_are_asked_and_one_signature_alone_decides_nothing(kf):
    case_id = start_case(kf.db, kf.clock, actor(kf, "lk.kreisbeigeordnete"), "signatory_approval",
                         "landkreis-giessen").case_id
    asked = requests(kf, case_id)
    assert set(asked) == {"lk.landraetin", "lk.kreisbeigeordneter-hauptamtlich"}
    with kf.db.transaction() as session:
        mailed = set(session.scalars(select(OutboxMail.to_address).where(OutboxMail.kind == "approval.request")))
    assert mailed == {"lk.landraetin@demo.invalid", "lk.kreisbeigeordneter-hauptamtlich@demo.invalid"}

    first = asked["lk.landraetin"]
    assert decide(kf.db, kf.clock, first.id, first.nonce, Decision(True, None, "link")) == "decided"
    assert case_status(kf, case_id) == "running"

    second = asked["lk.kreisbeigeordneter-hauptamtlich"]
    assert decide(kf.db, kf.clock, second.id, second.nonce, Decision(True, None, "reply")) == "decided"
    assert case_status(kf, case_id) == "completed"
    with kf.db.transaction() as session:
        data = load_workflow(session, session.get(Case, case_id), kf.clock).data
    assert data["approved"] is True and sorted(data["approved_by"]) == ["Demo-Kreisbeigeordneter", "Demo-Landrätin"]


def test_one_refusal_decides_and_the_other_link_then_changes_nothing(kf):
    case_id = start_case(kf.db, kf.clock, actor(kf, "lk.kreisbeigeordnete"), "signatory_approval",
                         "landkreis-giessen").case_id
    asked = requests(kf, case_id)
    refusing, other = asked["lk.landraetin"], asked["lk.kreisbeigeordneter-hauptamtlich"]

    assert decide(kf.db, kf.clock, refusing.id, refusing.nonce, Decision(False, "Nicht so.", "link")) == "decided"

    assert case_status(kf, case_id) == "completed"
    assert decide(kf.db, kf.clock, other.id, other.nonce, Decision(True, None, "link")) == "closed"
    assert requests(kf, case_id)["lk.kreisbeigeordneter-hauptamtlich"].status == "withdrawn"


def test_the_second_signatory_sees_who_has_already_signed(signing):
    app, kf = signing
    case_id = start_case(kf.db, kf.clock, actor(kf, "lk.kreisbeigeordnete"), "signatory_approval",
                         "landkreis-giessen").case_id
    asked = requests(kf, case_id)
    first, second = asked["lk.landraetin"], asked["lk.kreisbeigeordneter-hauptamtlich"]
    link = f"/approvals/{make_token('x', kf.clock, second.id, second.nonce)}"
    assert "bereits entschieden" not in text_of(app.test_client().get(link).text)

    decide(kf.db, kf.clock, first.id, first.nonce, Decision(True, None, "link"))

    page = text_of(app.test_client().get(link).text)
    assert "Demo-Landrätin hat bereits entschieden (genehmigt)." in page
    assert "Genehmigen" in page  # the second still decides
