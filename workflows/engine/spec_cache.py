"""Process specs stored once per diagram version, restored once, shared by its instances.

SpiffWorkflow stores every instance together with its whole spec (for the handover: the
collaboration and its pools, about 50 kB) and, by default, rebuilds all those spec objects
on every load and converts them back on every dump. A spec is not changed by running an
instance, with one exception (below), so KoopFlow keeps it apart:

- an instance is stored without ``spec`` and ``subprocess_specs`` (``instance_dict``); the
  spec of its definition version is stored once (``definition_specs``, ``spec_text``) and
  joined on load. Joined, the text is exactly what SpiffWorkflow's own serializer writes for
  the instance (``joined``), so SpiffWorkflow reads what we write;
- the spec is restored only the first time that exact spec text is seen and its objects are
  reused by every later instance of that version (``_restored``);
- an instance stored with its spec (before migration 0025, or one whose steps the version's
  spec lacks) is still read as SpiffWorkflow wrote it.

The exception: when a message starts a pool of a collaboration, SpiffWorkflow connects that
pool to the collaboration's start and end in the spec (``BpmnStartTask.trigger_wf``). The
stored spec has every such pool connected already (``_connect_triggered_pools``), as the
shared spec of a running process ends up anyway; a case whose pool has not been started has
no task for it, and a completed start is never predicted again.

A SpiffWorkflow upgrade that changes the serializer version needs a migration like 0025 that
joins, lets SpiffWorkflow migrate, and splits again.
"""
from __future__ import annotations

import json
from functools import lru_cache
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter

# distinct diagram versions whose specs are kept; a running process rarely sees more
CAPACITY = 64
SPEC_KEYS = ("spec", "subprocess_specs")


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
    """(spec, subprocess_specs) for this spec text ({"spec": …, "subprocess_specs": …}), restored
    the first time it is seen."""
    specs = json.loads(text)
    return converter.registry.restore(specs["spec"]), converter.mapping_from_dict(specs["subprocess_specs"])


@lru_cache(maxsize=CAPACITY)
def _converted(converter: "SharedSpecWorkflowConverter", specs: _Specs) -> tuple[dict, dict]:
    """The specs as dicts, converted once; they are only ever read (json.dumps)."""
    return converter.registry.convert(specs.spec), converter.mapping_to_dict(specs.subprocess_specs)


def _connect_triggered_pools(spec) -> None:
    """Connect every pool a message starts, as SpiffWorkflow does when it starts one."""
    start = spec.start
    for name in getattr(start, "trigger_specs", ()):
        pool = spec.task_specs[name]
        if start not in pool.inputs:
            start.connect(pool)
            pool.connect(spec.end)


def spec_text(converter: "SharedSpecWorkflowConverter", spec, subprocess_specs: dict) -> str:
    """The text stored once per definition version: a private copy of the specs (the parser's
    objects are shared by new instances and stay untouched), its pools connected."""
    top, subprocesses = converter.registry.convert(spec), converter.mapping_to_dict(subprocess_specs)
    copy = converter.registry.restore(json.loads(json.dumps(top)))
    _connect_triggered_pools(copy)
    return json.dumps({"spec": converter.registry.convert(copy), "subprocess_specs": subprocesses})


def fits(workflow, text: str, converter: "SharedSpecWorkflowConverter") -> bool:
    """Whether the instance can be joined with this spec text: it runs on these very specs, or
    every step and subprocess it knows of is in them (a new instance of the version, an
    instance moved to it)."""
    spec, subprocess_specs = _restored(converter, text)
    if workflow.spec is spec and workflow.subprocess_specs is subprocess_specs:
        return True
    if workflow.spec.name != spec.name or not set(workflow.spec.task_specs) <= set(spec.task_specs):
        return False
    return all(name in subprocess_specs and set(sub.task_specs) <= set(subprocess_specs[name].task_specs)
               for name, sub in workflow.subprocess_specs.items())


def fits_dicts(specs: dict, version: dict) -> bool:
    """``fits`` for specs as stored ({"spec": …, "subprocess_specs": …}): the instance's and its version's."""
    top, version_top = specs["spec"], version["spec"]
    if top.get("name") != version_top.get("name") or not set(top["task_specs"]) <= set(version_top["task_specs"]):
        return False
    subprocesses = version["subprocess_specs"]
    return all(name in subprocesses and set(sub["task_specs"]) <= set(subprocesses[name]["task_specs"])
               for name, sub in specs["subprocess_specs"].items())


def joined(instance: dict, specs: dict) -> dict:
    """The instance as SpiffWorkflow writes it: the specs in their place (after ``root``)."""
    full = {}
    for key, value in instance.items():
        full[key] = value
        if key == "root":
            full.update((name, specs[name]) for name in SPEC_KEYS)
    return full


def split(full: dict) -> tuple[dict, dict]:
    """(instance, specs) of a state as SpiffWorkflow writes it."""
    instance = {key: value for key, value in full.items() if key not in SPEC_KEYS}
    return instance, {name: full[name] for name in SPEC_KEYS}


class SharedSpecWorkflowConverter(BpmnWorkflowConverter):
    """SpiffWorkflow's converter for a top-level BpmnWorkflow, with the specs cached; with
    ``with_spec=False`` the specs are left out, with ``spec_text`` they are taken from there."""

    def to_dict(self, workflow, with_spec: bool = True):
        dct = WorkflowConverter.to_dict(self, workflow)
        if with_spec:
            dct["spec"], dct["subprocess_specs"] = _converted(self, _Specs(workflow.spec, workflow.subprocess_specs))
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec_text: str | None = None):
        if "spec" in dct:
            text = json.dumps({"spec": dct.pop("spec"), "subprocess_specs": dct.pop("subprocess_specs", {})})
        else:
            text = spec_text
        spec, subprocess_specs = _restored(self, text)
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow
