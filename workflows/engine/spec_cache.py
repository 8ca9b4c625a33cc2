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
from functools import lru_cache
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter

# distinct diagram versions whose specs are kept; a running process rarely sees more
CAPACITY = 64


class _Specs:
    """A workflow's spec and subprocess specs as a cache key: the very same objects, not equal ones.
    The cache holds its keys, so an object's id cannot be reused while it is cached."""

    def __init__(self, spec, subprocess_specs: dict):
        self.spec, self.subprocess_specs = spec, subprocess_specs

    def __hash__(self) -> int:
        return id(self.spec)

    def __eq__(self, other) -> bool:
        return self.spec is other.spec and self.subprocess_specs is other.subprocess_specs


@lru_cache(maxsize=CAPACITY)
def _restored(converter: "SharedSpecWorkflowConverter", text: str):
    """(spec, subprocess_specs) for this spec text, restored the first time it is seen."""
    spec_dict, subprocess_dicts = json.loads(text)
    return converter.registry.restore(spec_dict), converter.mapping_from_dict(subprocess_dicts)


@lru_cache(maxsize=CAPACITY)
def _converted(converter: "SharedSpecWorkflowConverter", specs: _Specs) -> tuple[dict, dict]:
    """The specs as dicts, converted once; they are only ever read (json.dumps)."""
    return converter.registry.convert(specs.spec), converter.mapping_to_dict(specs.subprocess_specs)


class SharedSpecWorkflowConverter(BpmnWorkflowConverter):
    """SpiffWorkflow's converter for a top-level BpmnWorkflow, with the specs cached."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["spec"], dct["subprocess_specs"] = _converted(self, _Specs(workflow.spec, workflow.subprocess_specs))
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        text = json.dumps([dct.pop("spec"), dct.pop("subprocess_specs", {})])
        spec, subprocess_specs = _restored(self, text)
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow
