"""The environment in which BPMN expressions and scripts run: only what we register.

SpiffWorkflow evaluates conditions, message payloads, timer expressions and script tasks as
Python. A diagram must not be able to reach the machine: no imports, no ``open``, no
``__import__``, no attribute or name with an underscore prefix (the way out through
``().__class__.__bases__``). Every expression is checked before it runs; a forbidden one
fails with a ScriptNotAllowed naming what was refused.
"""
from __future__ import annotations

import ast
import builtins
import copy
from functools import lru_cache
from typing import Callable

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

SAFE_BUILTINS = {
    name: getattr(builtins, name)
    for name in (
        "abs", "all", "any", "bool", "dict", "enumerate", "float", "int", "isinstance", "len",
        "list", "max", "min", "range", "round", "set", "sorted", "str", "sum", "tuple", "zip",
        "True", "False", "None",
    )
}


# Builtins a diagram might reach for to get out, named so the error says what was refused.
# (Everything else outside SAFE_BUILTINS simply does not exist; names like "type" stay free
# for form fields.)
FORBIDDEN_NAMES = {"open", "exec", "eval", "compile", "globals", "locals", "vars", "getattr", "setattr",
                   "delattr", "breakpoint", "memoryview"}


class ScriptNotAllowed(Exception):
    """A BPMN expression or script tried something KoopFlow does not allow."""


@lru_cache(maxsize=1024)
def check_source(source: str) -> None:
    """Refuse imports and underscore names/attributes; cached per distinct source."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ScriptNotAllowed(f"Ausdruck ist kein gültiges Python: {exc.msg}") from exc
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            raise ScriptNotAllowed("Import ist in Prozessdiagrammen nicht erlaubt")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ScriptNotAllowed(f"Zugriff auf {node.attr} ist nicht erlaubt")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ScriptNotAllowed(f"Name {node.id} ist nicht erlaubt")
        if isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            raise ScriptNotAllowed(f"{node.id} ist in Prozessdiagrammen nicht erlaubt")
        if isinstance(node, (ast.Global, ast.Nonlocal, ast.Lambda)):
            raise ScriptNotAllowed(f"{type(node).__name__} ist nicht erlaubt")


class RestrictedEnvironment(TaskDataEnvironment):
    """Task data plus the registered functions and a small set of builtins; nothing else."""

    def __init__(self, functions: dict[str, Callable]):
        super().__init__({**functions, "__builtins__": SAFE_BUILTINS})

    def _globals_for(self, context: dict, external_context: dict | None) -> dict:
        scope = copy.copy(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        scope["optional"] = lambda name, default=None: context.get(name, default)
        scope["__builtins__"] = SAFE_BUILTINS
        return scope

    def evaluate(self, expression, context, external_context=None):
        check_source(expression)
        return eval(expression, self._globals_for(context, external_context))  # noqa: S307 - checked above

    def execute(self, script, context, external_context=None):
        check_source(script)
        return super().execute(script, context, external_context)


def script_engine(functions: dict[str, Callable]) -> PythonScriptEngine:
    return PythonScriptEngine(environment=RestrictedEnvironment(functions))
