"""The Posteingang page (plain, filtered, sorted), the Vorgänge list (plain, filtered,
searched) and the API task list at 1k, 10k and 100k cases.

One real handover is offered through the commands; its ``cases`` row is copied in bulk, and
every copy gets three task rows: two done and one open, each in a group inbox (the open
tasks spread over the agreement's org units, so the LWV's Fachdienst has about a tenth of
them in its inbox, and every fiftieth of those is assigned to Lea Fachdienst; on every
twentieth she has set a Wiedervorlage, half of them due, half still ahead). One database
per size; then Lea Fachdienst opens her Posteingang (GET /inbox, logged in, WSGI test
client) and her system reads the first page of the API task list (GET /api/v1/tasks with
her token), RUNS times each, the sizes interleaved: median, p95, and the ratio
largest/smallest. Each copy has a subject and search terms (one of 500 surnames and a birth
date; the oldest five share a surname no other has, so that search finds five at every size), a due date spread over 400 days around the clock's today (so about half are overdue)
and a school end, so every filter matches a steady share of the cases.

    .venv/bin/python bench/inbox.py

Prints figures only; asserts nothing about them.
"""
from __future__ import annotations

import os
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select
from support.figures import machine, median, ms, p95, sizes, timed
from support.instance import koopflow_app

from tests.support.flows import actor, offered_handover
from tests.support.pages import CSRF, login
from workflows.cases.case_list import CaseFilter
from workflows.cases.saved_filters import save_filter
from workflows.clock import BERLIN, FixedClock
from workflows.people.accounts import create_api_token
from workflows.store.case_search import CaseSearchTerm
from workflows.store.cases import Case
from workflows.store.follow_ups import TaskFollowUp
from workflows.store.organisation import OrgUnit
from workflows.store.tasks import COMPLETED, OPEN, HumanTask, HumanTaskGroup
from workflows.store.users import user_by_username

SIZES = sizes("1000,10000,100000")  # BENCH_SIZES overrides; results.md is for these
RUNS = int(os.environ.get("BENCH_RUNS", "40"))  # fewer on a busy machine
CHUNK = 2_000
RARE = 5  # the oldest five copies are about "Selten": a name that matches as often at every size
# her first 40 open tasks carry a Wiedervorlage of hers (some due, some still ahead): a person's
# follow-ups do not grow with the cases in the system
FOLLOW_UPS = 40
INBOX_OWNER = "lwv.fachdienst"
START = datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN)
cases, tasks, groups, terms = Case.__table__, HumanTask.__table__, HumanTaskGroup.__table__, CaseSearchTerm.__table__
follow_ups = TaskFollowUp.__table__
# (label, method, URL, form): what Lea Fachdienst asks for, each timed like the plain page
REQUESTS = (
    ("GET /inbox", "GET", "/inbox", None),
    ("/inbox overdue", "GET", "/inbox?overdue=1", None),
    ("/inbox unassigned + process", "GET", "/inbox?scope=unassigned&process=handover_school_end", None),
    ("/inbox due by + sort since", "GET", "/inbox?due_by=2027-03-31&sort=since", None),
    ("/inbox sort case number", "GET", "/inbox?sort=case", None),
    ("/inbox assigned to me", "GET", "/inbox?scope=mine", None),
    ("/inbox my follow-ups", "GET", "/inbox?scope=followups", None),
    ("GET /cases", "GET", "/cases", None),
    ("/cases school end + status", "GET", "/cases?school_end_before=2027-12-31&status=running", None),
    ("POST /cases/search name", "POST", "/cases/search", {"q": "nachname7"}),
    ("POST /cases/search rare name", "POST", "/cases/search", {"q": "selten"}),
    ("POST /cases/search birth date", "POST", "/cases/search", {"q": "03.05.2009"}),
    ("GET /api/v1/tasks", "API", "/api/v1/tasks", None),
    # her colleague has saved two Vorgänge filters: the Posteingang counts each one's cases
    ("GET /inbox + 2 saved filters' counts", "COLLEAGUE", "/inbox", None),
)
COLLEAGUE = "lwv.fachdienst2"


class Builder:
    """Adds copies of one case with its task rows, in bulk, numbering on from what is there."""

    def __init__(self, kf):
        self.kf = kf
        with kf.db.engine.begin() as connection:
            self.case = dict(connection.execute(select(cases).limit(1)).mappings().one())
            self.units = sorted(connection.execute(select(OrgUnit.id, OrgUnit.agency_id)).all())
        with kf.db.transaction() as session:
            self.owner = user_by_username(session, INBOX_OWNER).id
        self.owner_unit = "lwv-fachdienst-lk-giessen"
        self.count = 1
        self.follow_ups = 0

    def add(self, count: int) -> None:
        with self.kf.db.engine.begin() as connection:
            next_case = connection.scalar(select(func.max(cases.c.id))) + 1
            next_task = (connection.scalar(select(func.max(tasks.c.id))) or 0) + 1
        for start in range(0, count, CHUNK):
            case_rows, task_rows, group_rows, term_rows, follow_up_rows = [], [], [], [], []
            for n in range(start, min(count, start + CHUNK)):
                case_id, number = next_case + n, self.count + n
                birth = date(2008, 1, 1) + timedelta(days=number % 730)
                surname = "Selten" if number <= RARE else f"Nachname{number % 500}"
                case_rows.append({**self.case, "id": case_id, "case_number": f"BENCH-{number:07d}",
                                  "subject": f"{surname}, Vorname, {birth:%d.%m.%Y}",
                                  "school_end_on": date(2027, 7, 31) + timedelta(days=365 * (number % 2))})
                term_rows += [{"case_id": case_id, "term": surname.lower()},
                              {"case_id": case_id, "term": "vorname"}, {"case_id": case_id, "term": birth.isoformat()}]
                for k, state in enumerate((COMPLETED, COMPLETED, OPEN)):
                    task_id = next_task + 3 * n + k
                    unit, agency = self.units[(number + k) % len(self.units)]
                    due = date(2027, 3, 1) + timedelta(days=number % 400 - 200)
                    assigned = state == OPEN and unit == self.owner_unit and number % 50 == 0
                    task_rows.append({
                        "id": task_id, "case_id": case_id, "spiff_task_id": f"{task_id:036d}",
                        "bpmn_id": "review_handover", "name": "Übergabe prüfen", "lane_role": "supra_local_case_office",
                        "agency_id": agency, "form_name": "handover_review", "state": state,
                        "assignee_id": self.owner if assigned else None, "due_on": due, "due_sort": due,
                        "created_at": START + timedelta(minutes=number), "completed_at": None if state == OPEN else START,
                        "completed_by_id": None})
                    if state == OPEN and unit == self.owner_unit and self.follow_ups < FOLLOW_UPS:
                        self.follow_ups += 1
                        follow_up_rows.append({"task_id": task_id, "user_id": self.owner, "note": None,
                                               "due_on": date(2027, 3, 1) + timedelta(days=(number % 40) - 20),
                                               "created_at": START})
                    group_rows.append({"task_id": task_id, "org_unit_id": unit, "is_open": state == OPEN,
                                       "due_sort": due, "created_at": START + timedelta(minutes=number),
                                       "case_number": f"BENCH-{number:07d}"})
            with self.kf.db.engine.begin() as connection:
                connection.execute(insert(cases), case_rows)
                connection.execute(insert(tasks), task_rows)
                connection.execute(insert(groups), group_rows)
                connection.execute(insert(terms), term_rows)
                if follow_up_rows:
                    connection.execute(insert(follow_ups), follow_up_rows)
        self.count += count


class Instance:
    """One database of ``size`` cases with Lea Fachdienst logged in and her API token."""

    def __init__(self, directory: Path, size: int):
        directory.mkdir()
        self.size, self.file = size, directory / "bench.db"
        self.app, self.kf = koopflow_app(directory, FixedClock(START))
        offered_handover(self.kf)
        builder = Builder(self.kf)
        self.built, _ = timed(lambda: builder.add(size - builder.count))
        with self.kf.db.engine.begin() as connection:
            self.mine = connection.scalar(select(func.count()).select_from(groups).where(
                groups.c.org_unit_id == builder.owner_unit, groups.c.is_open.is_(True)))
            self.open = connection.scalar(select(func.count()).select_from(tasks).where(tasks.c.state == OPEN))
        self.browser = login(self.app, INBOX_OWNER).client
        colleague = actor(self.kf, COLLEAGUE)
        save_filter(self.kf.db, self.kf.clock, colleague, "Laufende", CaseFilter(status="running"))
        save_filter(self.kf.db, self.kf.clock, colleague, "Frau Selten", CaseFilter(q="selten"))
        self.colleague = login(self.app, COLLEAGUE).client
        self.api = self.app.test_client()
        self.token = {"Authorization": f"Bearer {create_api_token(self.kf.db, self.kf.clock, INBOX_OWNER)}"}
        self.csrf = CSRF.search(self.browser.get("/cases").text).group(1)
        self.samples = {label: [] for label, *_ in REQUESTS}

    def request(self, label: str):
        _label, method, url, form = next(r for r in REQUESTS if r[0] == label)
        if method == "API":
            return self.api.get(url, headers=self.token)
        if method == "POST":
            return self.browser.post(url, data={"csrf_token": self.csrf, **form})
        if method == "COLLEAGUE":
            return self.colleague.get(url)
        return self.browser.get(url)

    def measure(self, label: str) -> None:
        seconds, response = timed(lambda: self.request(label))
        assert response.status_code == 200, (label, response.status_code)
        self.samples[label].append(seconds)


def main() -> None:
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="koopflow-bench-") as tmp:
        instances = [Instance(Path(tmp) / str(size), size) for size in SIZES]
        for instance in instances:  # warm each one's caches first
            for label, *_ in REQUESTS:
                instance.request(label)
        for _ in range(RUNS):  # interleaved, so a busy moment of the machine hits every size alike
            for instance in instances:
                for label, *_ in REQUESTS:
                    instance.measure(label)
        rows_on_page = len(instances[0].request("GET /api/v1/tasks").get_json()["tasks"])
        results = {i.size: {"built": i.built, "open": i.open, "mine": i.mine, **i.samples,
                            "mb": os.path.getsize(i.file) / 1e6} for i in instances}
        for instance in instances:
            instance.kf.db.dispose()

    print("# Posteingang: the inbox page and the API task list by number of cases\n")
    print(f"{machine()}; Lea Fachdienst's first page ({rows_on_page} rows); one database per size, the requests "
          f"to them interleaved; median and p95 of {RUNS} requests each.\n")
    print("| cases | open tasks | in her group inbox | DB size |")
    print("|---:|---:|---:|---:|")
    for size, r in results.items():
        print(f"| {size:,} | {r['open']:,} | {r['mine']:,} | {r['mb']:,.0f} MB |")
    print(f"\n| request | {' | '.join(f'{size:,} median | p95' for size in results)} | ratio median | ratio p95 |")
    print(f"|---|{'---:|---:|' * len(results)}---:|---:|")
    small, large = results[SIZES[0]], results[SIZES[-1]]
    for label, *_ in REQUESTS:
        figures = " | ".join(f"{ms(median(r[label]))} | {ms(p95(r[label]))}" for r in results.values())
        print(f"| {label} | {figures} | {median(large[label]) / median(small[label]):.2f} "
              f"| {p95(large[label]) / p95(small[label]):.2f} |")
    print(f"\nRatio {SIZES[-1]:,}/{SIZES[0]:,} cases: goal ≤ 1.3 for the Posteingang (plain and filtered); "
          f"p95 goal < 50 ms.")
    build_time = sum(r["built"] for r in results.values())
    print(f"\nBulk insert of {sum(SIZES):,} cases and {3 * sum(SIZES):,} task rows: {build_time:.1f} s; "
          f"whole run {time.perf_counter() - began:.1f} s.")


if __name__ == "__main__":
    main()
