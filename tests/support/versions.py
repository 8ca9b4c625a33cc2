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


def newer_handover(kf, tmp_path, change) -> int:
    """A newer version of the handover diagram, registered as current, as a changed file would be at boot."""
    from workflows.processes.definitions import load_definition, register_versions

    with kf.db.transaction() as session:
        old = current_definition(session, "handover_school_end")
        path = tmp_path / old.filename
        path.write_text(change(old.bpmn_xml), encoding="utf-8")
        definition = load_definition(path, kf.settings.forms_dir)
        return register_versions(session, {"handover_school_end": definition}, kf.clock.now())["handover_school_end"]


def without_element(xml: str, element_id: str) -> str:
    """The diagram without the boundary event ``element_id``, its outgoing flow and their DI."""
    start = xml.index(f'<bpmn:boundaryEvent id="{element_id}"')
    end = xml.index("</bpmn:boundaryEvent>", start) + len("</bpmn:boundaryEvent>")
    xml = xml[:start] + xml[end:]
    flow = xml.index(f'sourceRef="{element_id}"')
    start, end = xml.rindex("<bpmn:sequenceFlow", 0, flow), xml.index("/>", flow) + 2
    flow_id = xml[start:end].split('id="')[1].split('"')[0]
    xml = xml[:start] + xml[end:]
    for shape in (f'bpmnElement="{element_id}"', f'bpmnElement="{flow_id}"'):
        at = xml.index(shape)
        s = xml.rindex("<bpmndi:", 0, at)
        tag = xml[s + 1:].split()[0]
        xml = xml[:s] + xml[xml.index(f"</{tag}>", s) + len(f"</{tag}>"):]
    return xml
