"""The sandbox in which BPMN expressions and scripts run: only what we register, on plain data.

SpiffWorkflow evaluates conditions, message payloads, timer expressions and script tasks as
Python. A diagram must not be able to reach the machine, so every expression and script is
compiled with RestrictedPython (the library SpiffWorkflow's reference application spiff-arena
uses for the same purpose) under a policy that is stricter still (``DiagramPolicy``), and runs
with guards that RestrictedPython's compiled code calls for every attribute, subscript,
iteration and write:

- names: only the functions KoopFlow registers, ``optional``, the task data and the builtins
  in ``SAFE_BUILTINS`` exist; no ``__builtins__`` module, no ``getattr``/``type``/``vars``.
- attributes: only the listed methods of plain data (``str``, ``dict``, ``list`` …, see
  ``ALLOWED_METHODS``); ``str.format``/``format_map`` are not among them, so no format-string
  field lookup; every other attribute of every other object (functions, generators, frames,
  code, modules, classes) is refused.
- syntax: no import, def, lambda, class, while, try, with, global, yield, print, ``**``.

docs/security.md describes what a diagram author may use. A refused expression fails with a
ScriptNotAllowed saying what was refused; at start-up every diagram is compiled (see
``compile_source``) so a refused one stops the boot.
"""
from __future__ import annotations

import ast
import operator
from functools import lru_cache
from typing import Callable

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.Limits import limited_range
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

# Names every expression may use besides the registered functions and the task data.
SAFE_BUILTINS: dict[str, object] = {
    "abs": abs, "all": all, "any": any, "bool": bool, "dict": dict, "enumerate": enumerate, "float": float,
    "int": int, "len": len, "list": list, "max": max, "min": min, "range": limited_range, "round": round,
    "set": set, "sorted": sorted, "str": str, "sum": sum, "tuple": tuple, "zip": zip,
    "True": True, "False": False, "None": None,
}
ALWAYS_DEFINED = frozenset(SAFE_BUILTINS) | {"optional"}

# The only attributes a diagram can read: methods of plain data that neither look anything up
# by name (str.format, str.format_map) nor hand out objects other than plain data.
_STR_METHODS = frozenset({
    "capitalize", "casefold", "count", "endswith", "find", "isalnum", "isalpha", "isdecimal", "isdigit",
    "islower", "isnumeric", "isspace", "istitle", "isupper", "join", "lower", "lstrip", "partition",
    "removeprefix", "removesuffix", "replace", "rfind", "rpartition", "rsplit", "rstrip", "split",
    "splitlines", "startswith", "strip", "title", "upper", "zfill",
})
ALLOWED_METHODS: dict[type, frozenset[str]] = {
    str: _STR_METHODS,
    dict: frozenset({"get", "keys", "values", "items", "copy", "update", "setdefault", "pop"}),
    list: frozenset({"append", "extend", "insert", "pop", "remove", "index", "count", "copy", "sort", "reverse"}),
    tuple: frozenset({"index", "count"}),
    set: frozenset({"add", "discard", "union", "intersection", "difference", "issubset", "issuperset", "copy"}),
    frozenset: frozenset({"union", "intersection", "difference", "issubset", "issuperset"}),
    int: frozenset(),
    float: frozenset({"is_integer"}),
    bool: frozenset(),
}
ALLOWED_ATTRIBUTE_NAMES = frozenset().union(*ALLOWED_METHODS.values())
PLAIN_CONTAINERS = (dict, list, tuple, str)
WRITABLE = (dict, list, set)

_INPLACE = {
    "+=": operator.add, "-=": operator.sub, "*=": operator.mul, "/=": operator.truediv,
    "//=": operator.floordiv, "%=": operator.mod, "|=": operator.or_, "&=": operator.and_,
}


class ScriptNotAllowed(Exception):
    """A BPMN expression or script tried something KoopFlow does not allow."""


class DiagramPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, minus what a diagram never needs and what only serves a way
    out or a way to hang the worker."""

    def _refuse(self, node, what: str):
        self.error(node, f"{what} ist in Prozessdiagrammen nicht erlaubt")
        return node

    def visit_Import(self, node):
        return self._refuse(node, "import")

    def visit_ImportFrom(self, node):
        return self._refuse(node, "import")

    def visit_FunctionDef(self, node):
        return self._refuse(node, "def")

    def visit_AsyncFunctionDef(self, node):
        return self._refuse(node, "async def")

    def visit_Lambda(self, node):
        return self._refuse(node, "lambda")

    def visit_ClassDef(self, node):
        return self._refuse(node, "class")

    def visit_While(self, node):
        return self._refuse(node, "while")

    def visit_Try(self, node):
        return self._refuse(node, "try")

    def visit_With(self, node):
        return self._refuse(node, "with")

    def visit_Global(self, node):
        return self._refuse(node, "global")

    def visit_Nonlocal(self, node):
        return self._refuse(node, "nonlocal")

    def visit_Yield(self, node):
        return self._refuse(node, "yield")

    def visit_YieldFrom(self, node):
        return self._refuse(node, "yield from")

    def visit_NamedExpr(self, node):
        return self._refuse(node, ":=")

    def visit_Pow(self, node):
        return self._refuse(node, "**")

    def visit_LShift(self, node):
        return self._refuse(node, "<<")

    def visit_Name(self, node):
        if node.id in ("print", "printed"):
            return self._refuse(node, node.id)
        return super().visit_Name(node)

    def visit_Attribute(self, node):
        if node.attr not in ALLOWED_ATTRIBUTE_NAMES:
            self.error(node, f"Zugriff auf .{node.attr} ist in Prozessdiagrammen nicht erlaubt")
            return node
        return super().visit_Attribute(node)


@lru_cache(maxsize=2048)
def compile_source(source: str, mode: str = "eval"):
    """Compile an expression (``mode="eval"``) or script (``"exec"``) under the sandbox policy;
    raise ScriptNotAllowed naming what was refused. Cached per distinct source."""
    if not isinstance(source, str):
        raise ScriptNotAllowed("Ausdruck ist kein Text")
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(source.strip() if mode == "eval" else source, filename="<string>", policy=DiagramPolicy)
    if result.errors or result.code is None:
        raise ScriptNotAllowed("; ".join(result.errors) or "Ausdruck lässt sich nicht übersetzen")
    return result.code


def called_names(source: str, mode: str = "eval") -> set[str]:
    """The plain names a source calls as functions, e.g. ``{"len", "working_days_later"}``."""
    tree = ast.parse(source.strip() if mode == "eval" else source, mode=mode)
    return {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}


def guarded_getattr(obj, name, *default):
    allowed = ALLOWED_METHODS.get(type(obj))
    if allowed is None or name not in allowed:
        raise ScriptNotAllowed(f"Zugriff auf .{name} von {type(obj).__name__} ist nicht erlaubt")
    return getattr(obj, name, *default)


def guarded_getitem(obj, key):
    if type(obj) not in PLAIN_CONTAINERS:
        raise ScriptNotAllowed(f"Indexzugriff auf {type(obj).__name__} ist nicht erlaubt")
    if type(key) not in (str, int, bool, slice):
        raise ScriptNotAllowed("Index muss Text oder Zahl sein")
    return obj[key]


def guarded_write(obj):
    if type(obj) not in WRITABLE:
        raise ScriptNotAllowed(f"{type(obj).__name__} darf nicht verändert werden")
    return obj


def inplace(op: str, target, value):
    if op not in _INPLACE:
        raise ScriptNotAllowed(f"{op} ist nicht erlaubt")
    return _INPLACE[op](target, value)


def apply_call(function, *args, **kwargs):
    return function(*args, **kwargs)


GUARDS: dict[str, object] = {
    "__builtins__": SAFE_BUILTINS,
    "_getattr_": guarded_getattr,
    "_getitem_": guarded_getitem,
    "_getiter_": iter,
    "_write_": guarded_write,
    "_inplacevar_": inplace,
    "_apply_": apply_call,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
}


class RestrictedEnvironment(TaskDataEnvironment):
    """Task data plus the registered functions, run under the RestrictedPython sandbox."""

    def __init__(self, functions: dict[str, Callable]):
        super().__init__(dict(functions))

    def _scope(self, context: dict, external_context: dict | None) -> dict:
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update({key: value for key, value in context.items() if not key.startswith("_")})
        scope["optional"] = lambda name, default=None: context.get(name, default)
        scope.update(GUARDS)  # last: no task data can replace a guard
        return scope

    def evaluate(self, expression, context, external_context=None):
        code = compile_source(expression, "eval")
        return eval(code, self._scope(context, external_context))  # noqa: S307 - restricted code

    def execute(self, script, context, external_context=None):
        code = compile_source(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        scope = self._scope(context, external_context)
        exec(code, scope)  # noqa: S102 - restricted code
        injected = set(self.globals) | set(external_context or {}) | set(GUARDS) | {"optional"}
        for key in [key for key in context if not key.startswith("_") and key not in scope]:
            del context[key]  # the script deleted it
        for key, value in scope.items():
            if key in injected or key.startswith("_") or callable(value):
                continue
            context[key] = value
        return True


def script_engine(functions: dict[str, Callable]) -> PythonScriptEngine:
    return PythonScriptEngine(environment=RestrictedEnvironment(functions))
