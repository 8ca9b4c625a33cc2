"""Every diagram in bpmn/ reads well in the viewer: no label looks like a technical id, no
label lies on another label or on a shape, and no label breaks a word in two.

What is drawn where follows bpmn-js 18 (the viewer KoopFlow serves, node_modules/bpmn-js):

- Tasks, pools, lanes and text annotations carry their label inside their own shape.
- Events, gateways, data objects/stores, sequence flows and message flows carry an *external*
  label: in the BPMNLabel bounds of their DI when given (bpmn-js keeps that width and wraps
  the text in it), else in a box 90 px wide whose top edge is the bottom of the shape (events,
  gateways) or 15 px above the middle of the flow's middle segment (flows).
- A message flow with a ``messageRef`` also draws the *message's* name below the envelope at
  the flow's midpoint (up to 100 px wide). That name is usually the technical name the engine
  correlates on, so a message flow must not reference a message whose name looks like an id.

Inside its own shape a name is set in the 12 px font, about 8 px per character; bpmn-js wraps it
in the shape less 5 px padding each side. A task's name must fit in three lines (a fourth runs
into the boundary events on the task's lower edge), a lane's or pool's, turned on its side in the
30 px header, in two. Every flow node lies inside the lane it belongs to.

Text size is estimated, not measured: 7 px per character (11 px external label font; the
fallback sans-serif font of a browser without Arial is about that wide) and 14 px per line,
words wrapped greedily at spaces and after hyphens as bpmn-js does. A word wider than its box
is cut mid-word by bpmn-js ("Rückfra ge"). Boxes that merely touch (up to 1 px) do not
overlap; pools, lanes and expanded sub-processes are containers, not obstacles.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
DIAGRAMS = sorted((ROOT / "bpmn").glob("*.bpmn"))
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
CHAR_WIDTH = 7
INNER_CHAR_WIDTH = 8
INNER_PADDING = 10
TASK_LINES, HEADER_LINES = 3, 2
ACTIVITIES = {"task", "userTask", "serviceTask", "scriptTask", "manualTask", "sendTask", "receiveTask",
              "businessRuleTask", "callActivity", "subProcess"}
LINE_HEIGHT = 14
DEFAULT_LABEL_WIDTH = 90
MESSAGE_LABEL_WIDTH = 100
FLOW_LABEL_INDENT = 15
TOLERANCE = 1
CONTAINERS = {"participant", "lane", "group"}
EXTERNAL_LABEL_KINDS = {"dataObjectReference", "dataStoreReference", "sequenceFlow", "messageFlow"}


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    def overlaps(self, other: Box) -> bool:
        dx = min(self.x + self.width, other.x + other.width) - max(self.x, other.x)
        dy = min(self.y + self.height, other.y + other.height) - max(self.y, other.y)
        return dx > TOLERANCE and dy > TOLERANCE


@dataclass(frozen=True)
class Label:
    owner: str  # id of the element (or "<flow id> (Nachricht)" for a message name)
    text: str
    box: Box | None  # None: drawn inside the owner's own shape


def _kind(element) -> str:
    return etree.QName(element).localname


def _has_external_label(element) -> bool:
    kind = _kind(element)
    return kind.endswith("Event") or kind.endswith("Gateway") or kind in EXTERNAL_LABEL_KINDS


def _box(bounds) -> Box:
    return Box(*(float(bounds.get(key)) for key in ("x", "y", "width", "height")))


def _pieces(text: str) -> list[str]:
    """What bpmn-js may put on separate lines: words, split after hyphens too."""
    return [piece for word in text.split() for piece in re.findall(r"[^-]+-?|-", word)]


def _wrap(text: str, width: float) -> list[str]:
    lines: list[str] = []
    for piece in _pieces(text):
        joiner = "" if lines and lines[-1].endswith("-") else " "
        if lines and len(lines[-1] + joiner + piece) * CHAR_WIDTH <= width:
            lines[-1] += joiner + piece
        else:
            lines.append(piece)
    return lines


def _text_box(text: str, x: float, y: float, width: float, centre: float | None = None) -> Box:
    """The box bpmn-js draws ``text`` in: ``width`` kept (or shrunk to the text, centred on
    ``centre``, for a computed default box), height from the wrapped lines."""
    lines = _wrap(text, width)
    if centre is not None:
        width = min(width, max(len(line) for line in lines) * CHAR_WIDTH)
        x = centre - width / 2
    return Box(x, y, width, len(lines) * LINE_HEIGHT)


def _flow_label_anchor(points: list[tuple[float, float]]) -> tuple[float, float]:
    mid = len(points) / 2 - 1
    (x1, y1), (x2, y2) = points[math.floor(mid)], points[math.ceil(mid + 0.01)]
    x, y = (x1 + x2) / 2, (y1 + y2) / 2
    if x1 == x2:  # vertical: bpmn-js moves the label right, else up
        return x + FLOW_LABEL_INDENT, y
    return x, y - FLOW_LABEL_INDENT


def _path_midpoint(points: list[tuple[float, float]]) -> tuple[float, float]:
    lengths = [math.dist(a, b) for a, b in zip(points, points[1:])]
    rest = sum(lengths) / 2
    for (a, b), length in zip(zip(points, points[1:]), lengths):
        if rest <= length and length:
            return a[0] + (b[0] - a[0]) * rest / length, a[1] + (b[1] - a[1]) * rest / length
        rest -= length
    return points[-1]


class Diagram:
    def __init__(self, path: Path):
        self.root = etree.parse(str(path)).getroot()
        self.elements = {e.get("id"): e for e in self.root.iter()
                         if isinstance(e.tag, str) and e.get("id")}
        self.shapes = {s.get("bpmnElement"): s for s in self.root.iterfind(".//bpmndi:BPMNShape", NS)}
        self.edges = {e.get("bpmnElement"): e for e in self.root.iterfind(".//bpmndi:BPMNEdge", NS)}

    def obstacles(self) -> dict[str, Box]:
        """Shapes a label must not cover (not pools, lanes, expanded sub-processes)."""
        boxes = {}
        for element_id, shape in self.shapes.items():
            element = self.elements.get(element_id)
            if element is None or _kind(element) in CONTAINERS or shape.get("isExpanded") == "true":
                continue
            boxes[element_id] = _box(shape.find("dc:Bounds", NS))
        return boxes

    def labels(self) -> list[Label]:
        labels = []
        for element_id, di in [*self.shapes.items(), *self.edges.items()]:
            element = self.elements.get(element_id)
            if element is None:
                continue
            text = (element.get("name") or element.findtext("bpmn:text", "", NS) or "").strip()
            if text:
                labels.append(Label(element_id, text, self._external_box(element, di, text)))
            message = self.elements.get(element.get("messageRef") or "")
            if _kind(element) == "messageFlow" and message is not None and (message.get("name") or "").strip():
                labels.append(self._message_label(element_id, di, message.get("name").strip()))
        return labels

    def _external_box(self, element, di, text: str) -> Box | None:
        if not _has_external_label(element):
            return None
        bounds = di.find("bpmndi:BPMNLabel/dc:Bounds", NS)
        if bounds is not None and float(bounds.get("width")) > 0:
            given = _box(bounds)
            return _text_box(text, given.x, given.y, given.width)
        if _kind(di) == "BPMNEdge":
            x, y = _flow_label_anchor(_waypoints(di))
            return _text_box(text, 0, y - 10, DEFAULT_LABEL_WIDTH, centre=x)
        shape = _box(di.find("dc:Bounds", NS))
        return _text_box(text, 0, shape.y + shape.height, DEFAULT_LABEL_WIDTH, centre=shape.x + shape.width / 2)

    def _message_label(self, flow_id: str, di, name: str) -> Label:
        x, y = _path_midpoint(_waypoints(di))
        return Label(f"{flow_id} (Nachricht)", name, _text_box(name, 0, y + 7 + 10, MESSAGE_LABEL_WIDTH, centre=x))


def _waypoints(edge) -> list[tuple[float, float]]:
    return [(float(p.get("x")), float(p.get("y"))) for p in edge.iterfind("di:waypoint", NS)]


def looks_like_an_id(text: str) -> bool:
    """One token without spaces that is snake_case, all lower case/digits or camelCase."""
    if not text or any(character.isspace() for character in text):
        return False
    return ("_" in text or re.fullmatch(r"[a-z0-9.\-]+", text) is not None
            or re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)+", text) is not None)


@pytest.mark.parametrize("text", ["handover_offered", "withdrawal_requested", "decide", "reviewHandover"])
def test_technical_names_look_like_ids(text):
    assert looks_like_an_id(text)


@pytest.mark.parametrize("text", ["Nein", "Ja", "Rückfrage?", "Übergabe prüfen", "§ 8 a", "Ende"])
def test_german_labels_do_not_look_like_ids(text):
    assert not looks_like_an_id(text)


def test_a_long_word_in_a_narrow_box_wraps_to_more_lines():
    assert _wrap("Rückfrage gestellt", 90) == ["Rückfrage", "gestellt"]
    assert _wrap("Ja", 90) == ["Ja"]
    assert _wrap("Ende der Schul-ausbildung", 120) == ["Ende der Schul-", "ausbildung"]


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_no_label_looks_like_an_id(path):
    found = [f"{label.owner}: {label.text!r}" for label in Diagram(path).labels()
             if looks_like_an_id(label.text)]
    assert found == [], "labels that look like technical ids (give them a German name)"


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_no_label_overlaps_another_label_or_a_shape(path):
    diagram = Diagram(path)
    placed = [label for label in diagram.labels() if label.box is not None]
    found = []
    for index, label in enumerate(placed):
        found += [f"{label.owner} ({label.text!r}) über Beschriftung von {other.owner} ({other.text!r})"
                  for other in placed[index + 1:] if label.box.overlaps(other.box)]
        found += [f"{label.owner} ({label.text!r}) über Form {shape_id}"
                  for shape_id, box in diagram.obstacles().items() if label.box.overlaps(box)]
    assert found == [], "labels that overlap (move their BPMNLabel bounds)"


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_no_external_label_breaks_a_word(path):
    found = []
    for label in Diagram(path).labels():
        if label.box is None:
            continue
        longest = max(_pieces(label.text), key=len)
        if len(longest) * CHAR_WIDTH > label.box.width:
            found.append(f"{label.owner}: {longest!r} ({len(longest) * CHAR_WIDTH} px) "
                         f"in {label.box.width:g} px")
    assert found == [], "labels narrower than their longest word (widen their BPMNLabel bounds)"


def _inner_lines(text: str, width: float) -> int:
    return len(_wrap(text, width * CHAR_WIDTH / INNER_CHAR_WIDTH))


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_every_name_inside_a_shape_fits_it(path):
    diagram, found = Diagram(path), []
    for element_id, shape in diagram.shapes.items():
        element = diagram.elements.get(element_id)
        text = (element.get("name") or "").strip() if element is not None else ""
        if not text or shape.get("isExpanded") == "true":
            continue
        box = _box(shape.find("dc:Bounds", NS))
        if _kind(element) in ACTIVITIES:
            room, most = box.width - INNER_PADDING, TASK_LINES
        elif _kind(element) in ("lane", "participant"):
            room, most = box.height - INNER_PADDING, HEADER_LINES
        else:
            continue
        longest = max(_pieces(text), key=len)
        if len(longest) * INNER_CHAR_WIDTH > room:
            found.append(f"{element_id}: {longest!r} ({len(longest) * INNER_CHAR_WIDTH} px) in {room:g} px")
        elif _inner_lines(text, room) > most:
            found.append(f"{element_id}: {text!r} needs {_inner_lines(text, room)} lines, {most} fit")
    assert found == [], "names that break a word or run out of their shape (widen the task, heighten the lane)"


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_every_flow_node_is_drawn_inside_its_lane(path):
    diagram, found = Diagram(path), []
    for lane in diagram.root.iterfind(".//bpmn:lane", NS):
        outer = _box(diagram.shapes[lane.get("id")].find("dc:Bounds", NS))
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            shape = diagram.shapes.get(ref.text)
            if shape is None or _kind(diagram.elements[ref.text]) == "boundaryEvent":  # sits on its task's edge
                continue
            box = _box(shape.find("dc:Bounds", NS))
            if (box.x < outer.x or box.y < outer.y or box.x + box.width > outer.x + outer.width
                    or box.y + box.height > outer.y + outer.height):
                found.append(f"{ref.text} outside lane {lane.get('id')}")
    assert found == [], "shapes drawn outside the lane they belong to"
