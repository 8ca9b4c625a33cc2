"""Task completions per second through the HTTP API with 1 and with 2 gunicorn workers on
PostgreSQL, and a check that no completion was lost or doubled.

A throw-away PostgreSQL server is started (tests/support/postgres.py). A template database
gets the demo agreement and users, an API token for the LWV's Fachdienst and TASKS handovers
waiting for the LWV's review; each run works on its own copy. Per run, gunicorn serves
``service:create_app()`` on loopback and a separate load process (this script with ``--load``)
sends ``POST /api/v1/tasks/<id>/complete`` from CLIENTS threads, each task once, until every
task is sent or LOAD_SECONDS have passed. Then the database is asked how many review tasks
were completed and by how many history entries, against the requests answered 200.

To show where the time goes, the CPU time each side used during the load (from /proc: the
gunicorn processes, the PostgreSQL server processes, the load process) is printed per
completion: on a machine with C cores, C divided by their sum bounds the completions per second
whatever the number of workers, and a sync gunicorn worker, which runs the request and then
waits for PostgreSQL to run its statements, cannot pass 1 / (gunicorn + PostgreSQL time) per
completion. From these two bounds the script prints the ratio this machine allows.

    .venv/bin/python bench/throughput.py

Prints figures only; asserts nothing about them. Other processes on the machine share its
cores, so the load average is printed with the figures.
"""
from __future__ import annotations

import http.client
import json
import os
import queue
import resource
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from service.config import Settings  # noqa: E402
from service.runtime import boot  # noqa: E402
from tests.support.flows import offered_handover, open_task  # noqa: E402
from tests.support.postgres import DatabaseMaker, PostgresServer, free_port  # noqa: E402
from workflows.clock import SystemClock  # noqa: E402
from workflows.paths import AGREEMENTS_DIR  # noqa: E402
from workflows.people.accounts import create_api_token, load_all_demo_users  # noqa: E402
from workflows.store.db import Database  # noqa: E402
from workflows.store.history import HistoryEvent  # noqa: E402
from workflows.store.tasks import COMPLETED, HumanTask  # noqa: E402

TASKS = 600
CLIENTS = 6
LOAD_SECONDS = 15.0
WORKER_COUNTS = (1, 2)
GOAL_RATE = 150  # completions/s with 2 workers on PostgreSQL (issue 20)
REVIEW = "Übergabe prüfen"
ANSWER = {"decision": "question", "question": "Welche Werkstatt?"}  # invented
SECRET = "bench-secret"
TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    """Fields of /proc/<pid>/stat after the command name (state, ppid, …)."""
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def family(pid: int) -> list[int]:
    """The process and its children."""
    found = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError):
                pass
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = _stat(pid)
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError):
            pass
    return total / TICKS


def prepare(maker: DatabaseMaker) -> tuple[str, list[int]]:
    """Fill the template: demo users, a token, TASKS offered handovers; (token, review task ids)."""
    settings = Settings(database_url=maker.template_url, secret_key=SECRET)
    kf = boot(settings, SystemClock())
    load_all_demo_users(kf.db, kf.clock, AGREEMENTS_DIR)
    token = create_api_token(kf.db, kf.clock, "lwv.fachdienst")
    task_ids = [open_task(kf, offered_handover(kf), "review_handover") for _ in range(TASKS)]
    kf.db.dispose()
    return token, task_ids


@contextmanager
def gunicorn(database_url: str, workers: int, log: Path):
    port = free_port()
    env = {**os.environ, "KOOPFLOW_DATABASE_URL": database_url, "KOOPFLOW_SECRET_KEY": SECRET}
    with log.open("w") as output:
        server = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}",
                                   "--workers", str(workers), "service:create_app()"],
                                  cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/login", timeout=5).read()
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(f"gunicorn ended: {log.read_text()[-2000:]}") from None
                time.sleep(0.1)
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def load(base: str, token: str, clients: int, seconds: float, task_ids: list[int]) -> dict:
    """The load process: each task completed once, from ``clients`` threads, for at most ``seconds``."""
    host, port = base.removeprefix("http://").split(":")
    todo: queue.Queue[int] = queue.Queue()
    for task_id in task_ids:
        todo.put(task_id)
    statuses: dict[int, int] = {}
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = json.dumps(ANSWER)
    before = resource.getrusage(resource.RUSAGE_SELF)  # not the interpreter's start and imports
    start = time.perf_counter()

    def client() -> None:
        while time.perf_counter() - start < seconds:
            try:
                task_id = todo.get_nowait()
            except queue.Empty:
                return
            connection = http.client.HTTPConnection(host, int(port), timeout=60)
            try:
                connection.request("POST", f"/api/v1/tasks/{task_id}/complete", body, headers)
                statuses[task_id] = connection.getresponse().status
            except OSError:
                statuses[task_id] = 0
            finally:
                connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    return {"elapsed": time.perf_counter() - start, "statuses": statuses, "cpu": cpu}


def warm_up(base: str, token: str) -> None:
    """A few reads first, so every worker has its first request behind it."""
    def read() -> None:
        request = urllib.request.Request(f"{base}/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
        urllib.request.urlopen(request, timeout=30).read()

    threads = [threading.Thread(target=read) for _ in range(CLIENTS * 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def in_database(url: str, task_ids: list[int]) -> tuple[set[int], Counter]:
    """Review tasks completed, and history entries of their completion per case."""
    database = Database(url)
    try:
        with database.transaction() as session:
            done = set(session.scalars(select(HumanTask.id).where(HumanTask.id.in_(task_ids),
                                                                  HumanTask.state == COMPLETED)))
            entries = Counter(dict(session.execute(
                select(HistoryEvent.case_id, func.count()).where(HistoryEvent.kind == "task.completed",
                                                                HistoryEvent.task_name == REVIEW)
                .group_by(HistoryEvent.case_id)).all()))
    finally:
        database.dispose()
    return done, entries


def run(maker: DatabaseMaker, server: PostgresServer, workers: int, token: str, task_ids: list[int],
        directory: Path) -> dict:
    url = maker.create()
    postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
    try:
        with gunicorn(url, workers, directory / f"gunicorn-{workers}.log") as (base, master):
            warm_up(base, token)
            app_cpu, db_cpu = cpu_seconds(family(master)), cpu_seconds(family(postmaster))
            loader = subprocess.run([sys.executable, __file__, "--load", base, token, str(CLIENTS), str(LOAD_SECONDS)],
                                    input="\n".join(map(str, task_ids)), capture_output=True, text=True, check=True)
            app_cpu, db_cpu = cpu_seconds(family(master)) - app_cpu, cpu_seconds(family(postmaster)) - db_cpu
        result = json.loads(loader.stdout)
        statuses = {int(k): v for k, v in result["statuses"].items()}
        done, entries = in_database(url, task_ids)
    finally:
        maker.drop(url)
    ok = {task_id for task_id, status in statuses.items() if status == 200}
    return {
        "workers": workers, "sent": len(statuses), "ok": len(ok), "elapsed": result["elapsed"],
        "rate": len(ok) / result["elapsed"], "other": Counter(s for s in statuses.values() if s != 200),
        "completed": len(done), "lost": len(ok - done), "unreported": len(done - ok),
        "doubled": sum(1 for count in entries.values() if count > 1), "entries": sum(entries.values()),
        "cpu": {"app": app_cpu, "db": db_cpu, "client": result["cpu"]},
    }


def main() -> None:
    directory = Path(tempfile.mkdtemp(prefix="koopflow-bench-"))
    server = PostgresServer().start()
    try:
        maker = DatabaseMaker(server.url(), prefix="koopflow_bench").prepare()
        began = time.perf_counter()
        token, task_ids = prepare(maker)
        prepared = time.perf_counter() - began
        results = [run(maker, server, workers, token, task_ids, directory) for workers in WORKER_COUNTS]
        maker.close()
    finally:
        server.stop()
    report(results, prepared)


def report(results: list[dict], prepared: float) -> None:
    print("## throughput: task completions per second, 1 vs 2 gunicorn workers (PostgreSQL)\n")
    print(f"{TASKS} offered handovers (prepared in {prepared:.0f} s); each run: `POST /api/v1/tasks/<id>/complete` "
          f"from {CLIENTS} client threads in a separate process on loopback, each task once, at most "
          f"{LOAD_SECONDS:.0f} s; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end.\n")
    print("| gunicorn workers | requests sent | answered 200 | other answers | seconds | completions/s "
          "| review tasks completed in DB | lost | doubled | completion entries |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        other = ", ".join(f"{status}: {count}" for status, count in sorted(r["other"].items())) or "none"
        print(f"| {r['workers']} | {r['sent']} | {r['ok']} | {other} | {r['elapsed']:.1f} | {r['rate']:.1f} "
              f"| {r['completed']} | {r['lost']} | {r['doubled']} | {r['entries']} |")
    print("\nCPU time per completion during the load (ms), cores kept busy, and the most this machine "
          "allows: min(workers / (gunicorn + PostgreSQL), cores / sum):\n")
    print("| gunicorn workers | gunicorn | PostgreSQL | load process | sum | cores busy | ceiling (completions/s) |")
    print("|---|---|---|---|---|---|---|")
    ceilings = []
    for r in results:
        per = {side: 1000 * seconds / max(r["ok"], 1) for side, seconds in r["cpu"].items()}
        total = sum(per.values())
        busy = sum(r["cpu"].values()) / r["elapsed"]
        ceilings.append(min(1000 * r["workers"] / (per["app"] + per["db"]), 1000 * os.cpu_count() / total))
        print(f"| {r['workers']} | {per['app']:.1f} | {per['db']:.1f} | {per['client']:.1f} | {total:.1f} "
              f"| {busy:.2f} | {ceilings[-1]:.0f} |")
    print(f"\nratio these ceilings allow on {os.cpu_count()} cores: {ceilings[1] / ceilings[0]:.2f}")
    ratio = results[1]["rate"] / results[0]["rate"]
    print(f"\nratio 2 workers / 1 worker: {ratio:.2f} (goal ≥ 1.7)")
    print(f"2 workers: {results[1]['rate']:.0f} completions/s; ratio to the goal {results[1]['rate'] / GOAL_RATE:.2f} "
          f"(goal ≥ 1: ≥ {GOAL_RATE} completions/s, issue 20)")
    intact = all(r["lost"] == 0 and r["doubled"] == 0 and r["unreported"] == 0 and r["entries"] == r["ok"]
                 for r in results)
    print(f"nothing lost or doubled (every 200 is one completion in the DB, no other completions): "
          f"{'yes' if intact else 'NO'}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--load"]:
        base, token, clients, seconds = sys.argv[2:6]
        ids = [int(line) for line in sys.stdin.read().split()]
        print(json.dumps(load(base, token, int(clients), float(seconds), ids)))
    else:
        main()
