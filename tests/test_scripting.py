"""A diagram's expressions and scripts run with only what KoopFlow registers: they cannot
import, open files or climb out through dunder attributes, and the error says why."""
from __future__ import annotations

import pytest

from workflows.engine.scripting import RestrictedEnvironment, ScriptNotAllowed, check_source

ESCAPES = [
    ("import os", "Import"),
    ("from os import system", "Import"),
    ("open('/etc/passwd').read()", "open ist in Prozessdiagrammen nicht erlaubt"),
    ("__import__('os').system('id')", "Name __import__ ist nicht erlaubt"),
    ("().__class__.__bases__[0].__subclasses__()", r"Zugriff auf __\w+__ ist nicht erlaubt"),
    ("getattr((), '__class__')", "getattr ist in Prozessdiagrammen nicht erlaubt"),
    ("globals()['x']", "globals ist in Prozessdiagrammen nicht erlaubt"),
    ("eval('1+1')", "eval ist in Prozessdiagrammen nicht erlaubt"),
    ("(lambda: 1)()", "Lambda ist nicht erlaubt"),
    ("x.__dict__", "Zugriff auf __dict__ ist nicht erlaubt"),
]


@pytest.mark.parametrize("source, message", ESCAPES)
def test_escape_attempts_are_refused_with_a_clear_error(source, message):
    with pytest.raises(ScriptNotAllowed, match=message):
        check_source(source)


@pytest.mark.parametrize("source, message", ESCAPES)
def test_the_environment_refuses_them_for_expressions_and_scripts(source, message):
    environment = RestrictedEnvironment({})
    with pytest.raises(ScriptNotAllowed):
        environment.evaluate(source, {"x": 1})
    with pytest.raises(ScriptNotAllowed):
        environment.execute(source, {"x": 1})


def test_ordinary_conditions_and_registered_functions_work():
    environment = RestrictedEnvironment({"double": lambda n: 2 * n})
    data = {"decision": "confirm", "persons": [1, 2, 3]}

    assert environment.evaluate('decision == "confirm" and len(persons) == 3', data) is True
    assert environment.evaluate("double(len(persons))", data) == 6
    assert environment.evaluate('optional("note", "–")', data) == "–"


def test_builtins_outside_the_safe_set_do_not_exist():
    with pytest.raises(NameError):
        RestrictedEnvironment({}).evaluate("print('x')", {})
