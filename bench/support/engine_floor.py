"""The engine floor: SpiffWorkflow alone doing what a command does to one instance.

Its own serializer as configured out of the box (not KoopFlow's spec cache), the same
restricted script engine (the diagrams' expressions need their functions) and the same
engine steps KoopFlow runs (``workflows.engine.runtime``): load, act, run on, dump.
"""
from __future__ import annotations

from typing import Callable

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from support.figures import timed
from workflows.engine.scripting import script_engine

SPIFFWORKFLOW = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def engine_only(state: bytes, functions: dict, act: Callable) -> float:
    """Seconds to deserialise ``state``, call ``act(workflow)`` and serialise it again."""
    def run():
        workflow = SPIFFWORKFLOW.deserialize_json(state.decode("utf-8"))
        workflow.script_engine = script_engine(functions)
        act(workflow)
        return SPIFFWORKFLOW.serialize_json(workflow).encode("utf-8")
    return timed(run)[0]
