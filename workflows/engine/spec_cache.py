"""Process specs restored once per diagram version and shared by its instances.

SpiffWorkflow stores every instance together with its whole spec (for the handover: the
collaboration and its pools, about 30 kB of the 45 kB a waiting case holds) and, by default,
rebuilds all those spec objects on every load and converts them back to dicts on every dump:
about half of what loading and storing an instance costs (bench/README.md). A spec is not
changed by running an instance (``parsing.build_spec`` already shares one per diagram between
all new instances), so:

- loading restores the spec only the first time that exact spec text is seen, and reuses the
  objects for every later instance with the same spec;
- dumping converts a shared spec to its dict once and reuses that dict.

The stored JSON stays exactly what SpiffWorkflow writes (same keys, same order), so states
written before and after this cache are interchangeable.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter

# distinct diagram versions whose specs are kept; a running process rarely sees more
CAPACITY = 64


class _Lru:
    def __init__(self, capacity: int):
        self._items: OrderedDict = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)


_restored = _Lru(CAPACITY)  # spec text -> (spec, subprocess_specs)
_converted = _Lru(CAPACITY)  # id(spec) -> (spec, subprocess_specs, their dicts)


class SharedSpecWorkflowConverter(BpmnWorkflowConverter):
    """SpiffWorkflow's converter for a top-level BpmnWorkflow, with the specs cached."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["spec"], dct["subprocess_specs"] = self._spec_dicts(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def _spec_dicts(self, workflow) -> tuple[dict, dict]:
        cached = _converted.get(id(workflow.spec))
        if cached is not None and cached[0] is workflow.spec and cached[1] is workflow.subprocess_specs:
            return cached[2], cached[3]
        spec_dict = self.registry.convert(workflow.spec)
        subprocess_dicts = self.mapping_to_dict(workflow.subprocess_specs)
        # the dicts are only ever read (json.dumps), so one copy serves every dump
        _converted.put(id(workflow.spec), (workflow.spec, workflow.subprocess_specs, spec_dict, subprocess_dicts))
        return spec_dict, subprocess_dicts

    def from_dict(self, dct):
        spec, subprocess_specs = self._restore_specs(dct.pop("spec"), dct.pop("subprocess_specs", {}))
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow

    def _restore_specs(self, spec_dict: dict, subprocess_dicts: dict):
        key = json.dumps([spec_dict, subprocess_dicts])
        cached = _restored.get(key)
        if cached is None:
            cached = (self.registry.restore(spec_dict), self.mapping_from_dict(subprocess_dicts))
            _restored.put(key, cached)
        return cached
