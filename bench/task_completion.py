"""Completing a human task through the web page and through the API vs the engine floor.

Two measurements, each against the engine floor of the very same completions:

- **Handover**: offered handovers are prepared through the commands; the LWV's Fachdienst asks
  a question back on each, alternately through the page (logged in with a test client, WSGI,
  no socket: the task page is opened untimed, as a browser would, for its CSRF token; the POST
  up to the redirect is timed) and through the API (``POST /api/v1/tasks/<id>/complete`` with
  a bearer token, JSON). Median of RUNS each.
- **Sequence**: a school-end handover driven from its start to its end, 12 tasks (prepare,
  three question rounds, the confirmation, the approval, the planning, both closings), by the
  people whose tasks they are, through the page or through the API; the time of the 12
  completions summed per case, median over SEQUENCES cases each.

The floor is SpiffWorkflow alone on the case's state as it was before each completion:
deserialise the instance with SpiffWorkflow's own serializer, complete the same task with the
same data, run the engine on, serialise.

    .venv/bin/python bench/task_completion.py

Prints figures only; asserts nothing about them.
"""
from __future__ import annotations

import os
import tempfile
import time
from datetime import datetime
from pathlib import Path

from support.engine_floor import engine_only
from support.figures import machine, median, ms, p95, timed
from support.instance import koopflow_app

from tests.support.api import api_client
from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import (
    CLOSE_LOCAL_JSON,
    CLOSE_SUPRA_JSON,
    CONFIRM_JSON,
    PLANNING_JSON,
    PREPARE_FORM,
    PREPARE_JSON,
    question,
)
from tests.support.pages import CSRF, login
from workflows.cases.instances import diagram_functions
from workflows.cases.starting import start_case
from workflows.clock import BERLIN, FixedClock
from workflows.engine import runtime
from workflows.store.cases import COMPLETED, Case
from workflows.store.definitions import stored_spec
from workflows.store.tasks import HumanTask

RUNS = int(os.environ.get("BENCH_RUNS", 30))
SEQUENCES = int(os.environ.get("BENCH_SEQUENCES", 6))
GOAL = 2.0  # issue 20: page and API ≤ 2 × the engine floor
FORM = {"decision": "question", "question": "Welche Werkstatt ist angefragt?"}
DATA = {"decision": "question", "question": "Welche Werkstatt ist angefragt?"}  # FORM as typed JSON
START = datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN)
USERS = ("lk.sozialamt", "lwv.fachdienst", "lwv.leitung")
# (user, task, JSON data) of the 12 tasks in the order they are done
SEQUENCE = [
    ("lk.sozialamt", "prepare_handover", PREPARE_JSON),
    ("lwv.fachdienst", "review_handover", question("Welche Werkstatt ist angefragt?")),
    ("lk.sozialamt", "answer_question", {"answer": "Die WfbM in Lich."}),
    ("lwv.fachdienst", "review_handover", question("Liegt das Gutachten vor?")),
    ("lk.sozialamt", "answer_question", {"answer": "Ja, seit Februar."}),
    ("lwv.fachdienst", "review_handover", question("Ist der Fahrdienst geklärt?")),
    ("lk.sozialamt", "answer_question", {"answer": "Ja, ab August."}),
    ("lwv.fachdienst", "review_handover", CONFIRM_JSON),
    ("lwv.leitung", "approve_takeover", {"decision": "approve"}),
    ("lwv.fachdienst", "join_participation_planning", PLANNING_JSON),
    ("lwv.fachdienst", "close_supra_local", CLOSE_SUPRA_JSON),
    ("lk.sozialamt", "close_local", CLOSE_LOCAL_JSON),
]

# what the command hands the engine where it is not the form's data: an approval is a decision
ENGINE_DATA = {"approve_takeover": {"approved": True, "approval_comment": "", "approved_by": ["Leitung"]}}


def as_form(data: dict, prefix: str = "") -> dict:
    """JSON data as the page's form posts it: nested fields dotted, a ticked box "true"."""
    form = {}
    for key, value in data.items():
        if isinstance(value, dict):
            form.update(as_form(value, f"{prefix}{key}."))
        elif value is True:
            form[f"{prefix}{key}"] = "true"
        elif value is not False:
            form[f"{prefix}{key}"] = str(value)
    return form


def floor_of(kf, case_id: int, task_id: int, data: dict) -> float:
    """Seconds SpiffWorkflow alone takes to load the case as it is, complete the task with
    ``data``, run on and store."""
    with kf.db.transaction() as session:
        case = session.get(Case, case_id)
        # as SpiffWorkflow alone stores it: with its spec
        state = runtime.joined_state(case.state, stored_spec(session, case.definition_id))
        functions = diagram_functions(session, case, kf.clock)
        spiff_id = session.get(HumanTask, task_id).spiff_task_id
    return engine_only(state, functions, lambda workflow: runtime.complete(workflow, spiff_id, dict(data), kf.clock))


def by_page(browser, task_id: int, form: dict) -> float:
    page = browser.client.get(f"/tasks/{task_id}")
    token = CSRF.search(page.text).group(1)
    seconds, response = timed(lambda: browser.client.post(f"/tasks/{task_id}", data={"csrf_token": token, **form}))
    assert response.status_code == 302, (response.status_code, response.text[-2000:])
    return seconds


def by_api(client, task_id: int, data: dict) -> float:
    seconds, response = timed(lambda: client.call("POST", f"/api/v1/tasks/{task_id}/complete", data))
    return seconds


def handover(kf, browser, client) -> dict[str, list[float]]:
    times = {"page": [], "api": [], "page floor": [], "api floor": []}
    for number in range(2 * (RUNS + 1)):
        path = "page" if number % 2 == 0 else "api"
        case_id = offered_handover(kf)
        task_id = open_task(kf, case_id, "review_handover")
        times[f"{path} floor"].append(floor_of(kf, case_id, task_id, DATA))
        times[path].append(by_page(browser, task_id, FORM) if path == "page" else by_api(client, task_id, DATA))
        open_task(kf, case_id, "answer_question")  # it really asked the question
    return {name: samples[1:] for name, samples in times.items()}  # the first of each warms caches


def sequence(kf, path: str, browsers: dict, clients: dict) -> tuple[float, float]:
    """(seconds of the 12 completions, seconds of their floors) for one case."""
    case_id = start_case(kf.db, kf.clock, actor(kf, "lk.sozialamt"), "handover_school_end",
                         "landkreis-giessen").case_id
    ours = engine = 0.0
    for username, bpmn_id, data in SEQUENCE:
        task_id = open_task(kf, case_id, bpmn_id)
        engine += floor_of(kf, case_id, task_id, ENGINE_DATA.get(bpmn_id, data))
        if path == "page":
            form = PREPARE_FORM if bpmn_id == "prepare_handover" else as_form(data)
            ours += by_page(browsers[username], task_id, form)
        else:
            ours += by_api(clients[username], task_id, data)
    with kf.db.transaction() as session:
        assert session.get(Case, case_id).status == COMPLETED
    return ours, engine


def main() -> None:
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="koopflow-bench-") as tmp:
        app, kf = koopflow_app(Path(tmp), FixedClock(START))
        browsers = {username: login(app, username) for username in USERS}
        clients = {username: api_client(app, kf, kf.clock, username) for username in USERS}
        single = handover(kf, browsers["lwv.fachdienst"], clients["lwv.fachdienst"])
        runs = {"page": [], "api": []}
        for number in range(2 * (SEQUENCES + 1)):
            path = "page" if number % 2 == 0 else "api"
            runs[path].append(sequence(kf, path, browsers, clients))
        kf.db.dispose()
    runs = {path: samples[1:] for path, samples in runs.items()}
    ratios = []
    print("# Task completion: the web page and the API vs the engine floor\n")
    print(f"{machine()}; load average {load()}.\n")
    print(f"## Handover: the LWV asks a question back on an offered handover\n\nMedian and p95 of {RUNS} "
          "completions per path, each on its own case, page and API alternating.\n")
    print("| | median | p95 | floor median | floor p95 | ratio (median) | goal |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for path, label in (("page", "POST /tasks/<id> (WSGI, logged in, CSRF)"),
                        ("api", "POST /api/v1/tasks/<id>/complete (WSGI, bearer token)")):
        ours, engine = single[path], single[f"{path} floor"]
        ratio = median(ours) / median(engine)
        ratios.append((f"handover, {path}", ratio))
        print(f"| {label} | {ms(median(ours))} | {ms(p95(ours))} | {ms(median(engine))} | {ms(p95(engine))} "
              f"| {ratio:.2f} | ≤ {GOAL:g} |")
    print(f"\n## Sequence: a handover from its start to its end, {len(SEQUENCE)} tasks\n\n"
          f"The 12 completions' time summed per case; median of {SEQUENCES} cases per path.\n")
    print("| | 12 completions, median | per task | floor, median | ratio (median) | goal |")
    print("|---|---:|---:|---:|---:|---:|")
    for path, label in (("page", "page"), ("api", "API")):
        ours = median([sample[0] for sample in runs[path]])
        engine = median([sample[1] for sample in runs[path]])
        ratio = median([sample[0] / sample[1] for sample in runs[path]])
        ratios.append((f"sequence, {path}", ratio))
        print(f"| {label} | {ms(ours)} | {ms(ours / len(SEQUENCE))} | {ms(engine)} | {ratio:.2f} | ≤ {GOAL:g} |")
    print("\nRatios to the engine floor (goal ≤ 2): "
          + "; ".join(f"{name} {ratio:.2f} ({'met' if ratio <= GOAL else 'missed'})" for name, ratio in ratios))
    print(f"\nWhole run {time.perf_counter() - began:.1f} s.")


def load() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
