"""The audit hook names the reads it records by endpoint: a renamed blueprint or view must
not silently stop the recording of reads (docs/decisions/0007)."""
from __future__ import annotations

from service.pages.audit_log import KIND_LABELS
from service.web.audit_hook import READS


def test_every_read_the_audit_hook_lists_is_an_endpoint_of_the_app(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}

    assert sorted(set(READS) - endpoints) == []


def test_every_get_of_one_case_task_document_or_mail_is_a_recorded_read(app):
    """The other way round: a new page about one case, task, document or mail is recorded too."""
    about_one = [rule.endpoint for rule in app.url_map.iter_rules()
                 if "GET" in rule.methods and rule.arguments & {"case_id", "task_id", "document_id", "mail_id"}]

    assert len(about_one) >= 6  # cases.show, processes.case, tasks.show, documents.download, outbox.show, the API's
    assert sorted(endpoint for endpoint in about_one if endpoint not in READS) == []


def test_every_recorded_kind_has_a_label_on_the_protokoll_page():
    assert set(READS.values()) <= set(KIND_LABELS)
