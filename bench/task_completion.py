"""Completing a human task through the web pages vs the engine floor.

Offered handovers are prepared through the commands; then the LWV's Fachdienst, logged in
with a test client (WSGI, no socket), opens each review task's page (untimed, as a browser
would: that is where the CSRF token comes from) and sends the form asking a question back
(timed: the POST, up to the redirect to the case). The floor is SpiffWorkflow alone on the
same case's state as it was before that POST: deserialise the instance with SpiffWorkflow's
own serializer, complete the same task with the same data, run the engine on, serialise.
Median of RUNS each, and the ratio.

    .venv/bin/python bench/task_completion.py

Prints figures only; asserts nothing about them.
"""
from __future__ import annotations

import tempfile
import time
from datetime import datetime
from pathlib import Path

from support.engine_floor import engine_only
from support.figures import machine, median, ms, p95, timed
from support.instance import koopflow_app

from tests.support.flows import offered_handover, open_task
from tests.support.pages import CSRF, login
from workflows.cases.instances import diagram_functions
from workflows.clock import BERLIN, FixedClock
from workflows.engine import runtime
from workflows.store.cases import Case
from workflows.store.definitions import stored_spec
from workflows.store.tasks import HumanTask

RUNS = 30
FORM = {"decision": "question", "question": "Welche Werkstatt ist angefragt?"}
DATA = {"decision": "question", "question": "Welche Werkstatt ist angefragt?"}  # FORM as typed JSON
START = datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN)


def floor(kf, state: bytes, functions: dict, spiff_id: str) -> float:
    """Seconds SpiffWorkflow alone takes to load, complete the same task, run on and store."""
    return engine_only(state, functions, lambda workflow: runtime.complete(workflow, spiff_id, dict(DATA), kf.clock))


def main() -> None:
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="koopflow-bench-") as tmp:
        app, kf = koopflow_app(Path(tmp), FixedClock(START))
        cases = [offered_handover(kf) for _ in range(RUNS + 1)]
        fachdienst = login(app, "lwv.fachdienst")
        http, engine, size = [], [], 0
        for case_id in cases:
            task_id = open_task(kf, case_id, "review_handover")
            with kf.db.transaction() as session:
                case = session.get(Case, case_id)
                # as SpiffWorkflow alone stores it: with its spec
                state = runtime.joined_state(case.state, stored_spec(session, case.definition_id))
                functions = diagram_functions(session, case, kf.clock)
                spiff_id = session.get(HumanTask, task_id).spiff_task_id
            size = len(state)
            engine.append(floor(kf, state, functions, spiff_id))
            page = fachdienst.client.get(f"/tasks/{task_id}")
            token = CSRF.search(page.text).group(1)
            seconds, response = timed(lambda: fachdienst.client.post(
                f"/tasks/{task_id}", data={"csrf_token": token, **FORM}))
            assert response.status_code == 302, response.status_code
            http.append(seconds)
        open_task(kf, cases[-1], "answer_question")  # the page really asked the question
        kf.db.dispose()
    http, engine = http[1:], engine[1:]  # the first of each warms caches
    print("# Task completion: the web page vs the engine floor\n")
    print(f"{machine()}; the LWV asks a question back on an offered handover (state {size / 1000:.1f} kB); "
          f"median and p95 of {len(http)} completions, each on its own case.\n")
    print("| | median | p95 |")
    print("|---|---:|---:|")
    print(f"| POST /tasks/<id> (WSGI, logged in, CSRF) | {ms(median(http))} | {ms(p95(http))} |")
    print(f"| floor: SpiffWorkflow load, complete, run on, dump | {ms(median(engine))} | {ms(p95(engine))} |")
    print(f"\nRatio page/floor (median): {median(http) / median(engine):.2f} (goal ≤ 2)\n")
    print(f"Whole run {time.perf_counter() - began:.1f} s.")


if __name__ == "__main__":
    main()
