"""Every diagram in bpmn/ can be drawn: each flow node has a BPMNShape, each sequence flow
(and message flow) a BPMNEdge, and each DI element points at something that exists."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
DIAGRAMS = sorted((ROOT / "bpmn").glob("*.bpmn"))
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
}
NOT_FLOW_NODES = {"laneSet", "documentation", "extensionElements", "sequenceFlow", "dataObject",
                  "dataObjectReference", "dataStoreReference", "textAnnotation", "association", "ioSpecification"}


def _flow_nodes(root) -> set[str]:
    containers = root.findall("bpmn:process", NS) + root.findall(".//bpmn:subProcess", NS)
    return {child.get("id") for container in containers for child in container
            if isinstance(child.tag, str) and etree.QName(child).localname not in NOT_FLOW_NODES}


def test_there_are_diagrams():
    assert len(DIAGRAMS) >= 5


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_every_flow_node_and_flow_has_a_shape_or_edge(path):
    root = etree.parse(str(path)).getroot()
    shapes = {s.get("bpmnElement") for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement") for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    nodes = _flow_nodes(root)
    flows = {f.get("id") for f in root.iterfind(".//bpmn:sequenceFlow", NS)}
    message_flows = {f.get("id") for f in root.iterfind(".//bpmn:messageFlow", NS)}
    assert nodes, "no flow nodes"
    assert sorted(nodes - shapes) == [], "flow nodes without a BPMNShape"
    assert sorted(flows - edges) == [], "sequence flows without a BPMNEdge"
    assert sorted(message_flows - edges) == [], "message flows without a BPMNEdge"
    known = {e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    assert sorted((shapes | edges) - known) == [], "DI for elements that do not exist"
