"""A diagram's expressions and scripts run in the RestrictedPython sandbox: only KoopFlow's
registered functions and plain data are reachable. Every known way out is refused - at
start-up (the definition check compiles every expression) and again when it runs."""
from __future__ import annotations

import pytest

from workflows.engine.scripting import RestrictedEnvironment, ScriptNotAllowed, called_names, compile_source
from workflows.errors import DefinitionError
from workflows.processes.definitions import check_expressions
from workflows.processes.diagram_functions import FUNCTION_NAMES, functions_for

SECRET = "geheim-6c1f0e"

# (technique, source, mode). Every one must be refused.
ESCAPES = [
    ("import statement", "import os", "exec"),
    ("from-import", "from os import system", "exec"),
    ("__import__ builtin", "__import__('os').system('id')", "eval"),
    ("open builtin", "open('/etc/passwd').read()", "eval"),
    ("class hierarchy walk via tuple", "().__class__.__bases__[0].__subclasses__()", "eval"),
    ("class hierarchy walk via str mro", "''.__class__.__mro__[1].__subclasses__()", "eval"),
    ("subclasses in a comprehension", "[c for c in ().__class__.__base__.__subclasses__()]", "eval"),
    ("getattr builtin", "getattr((), '__class__')", "eval"),
    ("type builtin", "type(())", "eval"),
    ("type() creating a class", "type('X', (), {})", "eval"),
    ("vars builtin", "vars()", "eval"),
    ("globals builtin", "globals()['__builtins__']", "eval"),
    ("locals builtin", "locals()", "eval"),
    ("eval builtin", "eval('1+1')", "eval"),
    ("exec builtin", "exec('x=1')", "exec"),
    ("compile builtin", "compile('1', 'x', 'eval')", "eval"),
    ("generator gi_frame", "(x for x in []).gi_frame.f_back.f_globals", "eval"),
    ("generator gi_code", "(x for x in []).gi_code", "eval"),
    ("generator gi_frame into builtins by string subscript",
     "(x for x in []).gi_frame.f_builtins['__import__']('os')", "eval"),
    ("str.format field lookup", "'{0.__class__.__base__.__subclasses__}'.format(())", "eval"),
    ("str.format attribute without underscore", "'{0.gi_frame.f_globals}'.format(x for x in [])", "eval"),
    ("str.format_map on a function", "'{f.__globals__}'.format_map({'f': working_days_later})", "eval"),
    ("str.format reached through a variable", "fmt = 'x'.format\nresult = fmt()", "exec"),
    ("f-string with dunder attribute", "f'{().__class__}'", "eval"),
    ("f-string on a registered function's globals", "f'{working_days_later.__globals__}'", "eval"),
    ("lambda code object", "(lambda: 0).__code__", "eval"),
    ("lambda default argument", "(lambda x=().__class__: x)()", "eval"),
    ("function definition", "def f():\n    return 1\nresult = f()", "exec"),
    ("decorator", "@working_days_later\ndef f():\n    pass", "exec"),
    ("class definition", "class A:\n    pass", "exec"),
    ("operator module", "operator.attrgetter('__class__')(1)", "eval"),
    ("__builtins__ by subscript", "__builtins__['eval']('1')", "eval"),
    ("registered function's globals", "working_days_later.__globals__['os']", "eval"),
    ("registered function's closure", "working_days_later.__closure__[0].cell_contents", "eval"),
    ("closure without underscore via func attribute", "at_workday_start.func_globals", "eval"),
    ("builtin method __self__ (builtins module)", "len.__self__", "eval"),
    ("type attribute of a builtin type", "str.mro()", "eval"),
    ("dict.fromkeys on the type", "dict.fromkeys(['a'])", "eval"),
    ("bound method's owner", "[].append.__self__", "eval"),
    ("traceback frame from an exception",
     "try:\n    1/0\nexcept Exception as e:\n    t = e.__traceback__.tb_frame", "exec"),
    ("exception args attribute", "try:\n    x = {}['a']\nexcept KeyError as e:\n    y = e.args", "exec"),
    ("print", "print(1)", "exec"),
    ("breakpoint", "breakpoint()", "eval"),
    ("setattr", "setattr(persons, 'x', 1)", "eval"),
    ("memoryview", "memoryview(b'x')", "eval"),
    ("walrus into a name", "(y := ().__class__)", "eval"),
    ("global statement", "global x\nx = 1", "exec"),
    ("yield", "(yield 1)", "eval"),
    ("with statement", "with open('x') as f:\n    pass", "exec"),
    ("attribute of task data object", "persons.__class__", "eval"),
    ("non-method attribute of an int", "count.real.__class__", "eval"),
    ("endless loop", "while True:\n    pass", "exec"),
    ("exponent bomb", "9 ** 9 ** 9", "eval"),
    ("attribute assignment", "persons.x = 1", "exec"),
    ("os.environ", "os.environ['SECRET_KEY']", "eval"),
    ("app config via name", "app.config['SECRET_KEY']", "eval"),
]
assert len(ESCAPES) >= 30


def functions(clock):
    secret = SECRET  # a registered function's closure holds a secret: it must stay out of reach

    def with_secret():
        return len(secret)

    return {**functions_for({"task_deadlines": {"x": 3}}, clock), "with_secret": with_secret}


def data():
    return {"persons": [1, 2, 3], "count": 4, "decision": "confirm"}


@pytest.mark.parametrize("technique, source, mode", ESCAPES, ids=[e[0] for e in ESCAPES])
def test_every_escape_technique_is_refused_when_it_runs(technique, source, mode, clock, monkeypatch):
    monkeypatch.setenv("KOOPFLOW_TEST_SECRET", SECRET)
    environment = RestrictedEnvironment(functions(clock))
    run = environment.evaluate if mode == "eval" else environment.execute
    context = data()
    with pytest.raises((ScriptNotAllowed, NameError)) as refused:
        run(source, context)
    assert SECRET not in str(refused.value)
    assert SECRET not in repr(context)


@pytest.mark.parametrize("technique, source, mode", ESCAPES, ids=[e[0] for e in ESCAPES])
def test_every_escape_technique_is_refused_at_start_up(technique, source, mode):
    from workflows.engine.parsing import DiagramInfo, Expression
    info = DiagramInfo("p", "p", "angriff.bpmn", {}, {}, [], [], [Expression("gateway_1", "conditionExpression",
                                                                                mode, source)])
    with pytest.raises(DefinitionError, match=r"^angriff\.bpmn, Element gateway_1 \(conditionExpression\): "):
        check_expressions(info)


def test_the_environment_and_secret_key_cannot_be_read(clock, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", SECRET)
    environment = RestrictedEnvironment(functions(clock))
    attempts = ["optional('SECRET_KEY')", "optional('__builtins__')", "str(working_days_later)",
                "sorted(dict(persons=1))", "with_secret()"]
    results = [environment.evaluate(source, data()) for source in attempts]
    assert all(SECRET not in str(result) for result in results)


def test_ordinary_conditions_scripts_and_registered_functions_work(clock):
    environment = RestrictedEnvironment({"double": lambda n: 2 * n})
    context = {"decision": "confirm", "persons": [{"name": "a", "age": 3}, {"name": "b", "age": 70}],
               "method": "compute", "note": "  Text  "}

    assert environment.evaluate('decision == "confirm" and len(persons) == 2', context) is True
    assert environment.evaluate("double(len(persons))", context) == 4
    assert environment.evaluate('optional("missing", "–")', context) == "–"
    assert environment.evaluate('[p["name"] for p in persons if p.get("age", 0) > 60]', context) == ["b"]
    assert environment.evaluate('f"{len(persons)} Personen" + note.strip().upper()', context) == "2 PersonenTEXT"
    assert environment.evaluate('{"a": decision, "n": optional("note")}', context)["a"] == "confirm"
    environment.execute("total = 0\nfor p in persons:\n    total += p['age']\nfirst, second = persons\n"
                        "names = sorted(p['name'] for p in persons)\nnote = None", context)
    assert (context["total"], context["names"], context["note"]) == (73, ["a", "b"], None)
    assert "double" not in context and "_getattr_" not in context


def test_task_data_cannot_replace_a_guard():
    environment = RestrictedEnvironment({})
    with pytest.raises(ScriptNotAllowed):
        environment.evaluate("x.__class__", {"_getattr_": "anything", "x": 1})
    with pytest.raises(ScriptNotAllowed):
        environment.evaluate("x.gi_frame", {"_getattr_": "anything", "x": (y for y in [])})


def test_a_permitted_method_name_on_anything_but_plain_data_is_refused_when_it_runs():
    environment = RestrictedEnvironment({"f": len})
    for source in ("f.count", "(x for x in []).index", "range(3).count(1)", "{1: 2}.keys().count"):
        with pytest.raises(ScriptNotAllowed):
            environment.evaluate(source, {})


def test_builtins_outside_the_safe_set_do_not_exist():
    with pytest.raises(NameError):
        RestrictedEnvironment({}).evaluate("input()", {})


def test_a_huge_range_is_refused():
    with pytest.raises(ValueError):
        RestrictedEnvironment({}).evaluate("list(range(100000000))", {})


def test_the_registered_names_are_the_functions_a_diagram_gets(clock):
    assert set(functions_for({}, clock)) == FUNCTION_NAMES


def test_compile_error_says_what_was_refused():
    with pytest.raises(ScriptNotAllowed, match=r"Zugriff auf \.format ist in Prozessdiagrammen nicht erlaubt"):
        compile_source("'{}'.format(1)")
    assert called_names("a(b(1)) + c.d()") == {"a", "b"}
