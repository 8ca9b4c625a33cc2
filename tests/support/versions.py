"""An older version of the handover process next to the current one, for the version diff."""
from __future__ import annotations

from datetime import timedelta

from workflows.store.definitions import ProcessDefinition, current_definition


def older_handover_version(kf) -> tuple[int, int]:
    """(older id, current id): the older one names review_handover differently, has an extra
    step ``old_step`` and lacks the boundary event review_escalation_timer."""
    with kf.db.transaction() as session:
        current = current_definition(session, "handover_school_end")
        xml = current.bpmn_xml.replace('name="Übergabe prüfen"', 'name="Übergabe ansehen"', 1)
        xml = xml.replace('<bpmn:userTask id="review_handover"',
                          '<bpmn:manualTask id="old_step" name="Alter Schritt" />\n    <bpmn:userTask id="review_handover"', 1)
        start = xml.index('<bpmn:boundaryEvent id="review_escalation_timer"')
        end = xml.index("</bpmn:boundaryEvent>", start) + len("</bpmn:boundaryEvent>")
        xml = xml[:start] + xml[end:]
        older = ProcessDefinition(
            process_key=current.process_key, name=current.name, content_hash="0ld" + current.content_hash[3:],
            filename=current.filename, bpmn_xml=xml, forms=current.forms, lanes=current.lanes,
            user_tasks=current.user_tasks, first_seen_at=current.first_seen_at - timedelta(days=30), is_current=False,
            number=current.number)
        current.number += 1  # the older one came first: Fassung 1, the current one Fassung 2
        session.add(older)
        session.flush()
        return older.id, current.id
