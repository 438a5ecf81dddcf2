"""A bounded load test on loopback: gunicorn with several sync workers on a throwaway
PostgreSQL database, client threads posting orders, one worker killed with SIGKILL mid-load;
then the database is audited against the answers.

Three phases in one run, on the same server and the same documents:
  1. baseline: POST /api/bench/fixed (the token check and a fixed body: nothing checked or stored)
  2. POST /api/v1/checks (the order is checked; nothing is stored)
  3. POST /api/v1/orders (checked and stored), with a worker killed once a third is answered

The audit: every 201 is an order row with the Rx number it answered; a request whose connection
the kill cut is looked up by its patient's tag (each request's patient is named uniquely), and
rows = 201s + cut requests found stored; no Rx number or request stored twice; no half-saved
order (each has its patient, prescriber, check and "created" event); Rx numbers gapless.

Only 127.0.0.1, a bounded number of requests and a deadline: it stops by itself.
Run: .venv/bin/python bench/load_gunicorn.py [--requests 2000] [--threads 16] [--workers 4]
     [--max-seconds 90] [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/NAME]
(without --database-url it creates a throwaway database on 127.0.0.1:5432 and drops it).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.bench_api import _api_token, _free_port, _wait  # noqa: E402
from bench.orders import order_documents  # noqa: E402

PG_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")
WARM_UP = 64  # requests to each endpoint that stores nothing, before measuring
FIRST_RX = 100001  # the migration starts the counter at 100000
PHASES = (
    ("baseline POST /api/bench/fixed", "/api/bench/fixed"),
    ("POST /api/v1/checks", "/api/v1/checks"),
    ("POST /api/v1/orders", "/api/v1/orders"),
)


@dataclass
class Answer:
    index: int
    status: int | None  # None: the connection was cut before an answer came
    seconds: float
    body: dict[str, Any] | None = None
    error: str = ""


@dataclass
class Phase:
    name: str
    answers: list[Answer] = field(default_factory=list)
    wall_seconds: float = 0.0
    killed: list[int] = field(default_factory=list)
    workers_after: int = 0

    def summary(self) -> dict[str, Any]:
        answered = [a for a in self.answers if a.status is not None]
        times = sorted(a.seconds * 1000 for a in answered) or [0.0]

        def pct(p: float) -> float:
            return times[min(len(times) - 1, round(p / 100 * (len(times) - 1)))]

        statuses: dict[str, int] = {}
        for a in self.answers:
            key = str(a.status) if a.status is not None else "cut"
            statuses[key] = statuses.get(key, 0) + 1
        return {
            "requests": len(self.answers),
            "statuses": dict(sorted(statuses.items())),
            "rps": len(answered) / self.wall_seconds if self.wall_seconds else 0.0,
            "p50_ms": pct(50),
            "p90_ms": pct(90),
            "p99_ms": pct(99),
            "max_ms": times[-1],
            "mean_ms": statistics.fmean(times),
            "killed_pids": self.killed,
            "workers_after": self.workers_after,
        }


def tag(index: int) -> str:
    """A last name no other request has: letters only, as a name may be written."""
    letters = ""
    n = index
    while True:
        n, r = divmod(n, 26)
        letters = chr(ord("a") + r) + letters
        if n == 0:
            break
    return "Load" + letters


def documents(count: int) -> list[bytes]:
    bodies = []
    for index, document in enumerate(order_documents(count)):
        document["patient"]["last_name"] = tag(index)
        bodies.append(json.dumps(document).encode())
    return bodies


def workers_of(master: int) -> list[int]:
    """The pids whose parent is the gunicorn master (its workers)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its closing paren.
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:
            children.append(int(entry.name))
    return sorted(children)


def load(
    port: int,
    path: str,
    bodies: list[bytes],
    token: str,
    threads: int,
    deadline: float,
    kill_after: int | None = None,
    master: int | None = None,
) -> Phase:
    """Send each body once from `threads` threads, stopping at the deadline; with
    `kill_after`, SIGKILL one worker of `master` once that many answers have come."""
    phase = Phase(path)
    numbers = itertools.count()
    lock = threading.Lock()
    answered = threading.Event()

    def send(index: int) -> Answer:
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": f"load-{index}",
        }
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("POST", path, bodies[index], headers)
            response = connection.getresponse()
            data = response.read()
            seconds = time.perf_counter() - started
            body = json.loads(data) if response.status == 201 else None
            return Answer(index, response.status, seconds, body)
        except (OSError, http.client.HTTPException) as exc:
            return Answer(index, None, time.perf_counter() - started, error=type(exc).__name__)
        finally:
            connection.close()

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                index = next(numbers)
            if index >= len(bodies):
                return
            answer = send(index)
            with lock:
                phase.answers.append(answer)
                if kill_after is not None and len(phase.answers) >= kill_after:
                    answered.set()

    def killer() -> None:
        while not answered.wait(0.01):
            if time.monotonic() >= deadline or all(not t.is_alive() for t in pool):
                return
        victims = workers_of(master) if master else []
        if victims:
            os.kill(victims[0], signal.SIGKILL)
            phase.killed.append(victims[0])

    pool = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    watcher = threading.Thread(target=killer, daemon=True) if kill_after is not None else None
    if watcher:
        watcher.start()
    for thread in pool:
        thread.join(max(0.0, deadline - time.monotonic()) + 35)
    phase.wall_seconds = time.perf_counter() - started
    if watcher:
        answered.set()
        watcher.join(5)
    phase.answers.sort(key=lambda a: a.index)
    return phase


def audit(database_url: str, orders: Phase) -> dict[str, Any]:
    """The database against the answers: what must hold after a worker died mid-load."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT o.id, o.rx_number, o.document->'patient'->>'last_name' AS name,"
                    " p.id AS patient, pr.id AS prescriber,"
                    " (SELECT count(*) FROM order_checks c WHERE c.order_id = o.id) AS checks,"
                    " (SELECT count(*) FROM order_events e"
                    "   WHERE e.order_id = o.id AND e.kind = 'created') AS created"
                    " FROM orders o"
                    " LEFT JOIN patients p ON p.id = o.patient_id"
                    " LEFT JOIN prescribers pr ON pr.id = o.prescriber_id"
                )
            ).all()
            counter = connection.execute(text("SELECT value FROM rx_counter")).scalar_one()
    finally:
        engine.dispose()
    by_name: dict[str, list[Any]] = {}
    for row in rows:
        by_name.setdefault(row.name, []).append(row)
    by_id = {row.id: row for row in rows}
    created = [a for a in orders.answers if a.status == 201]
    cut = [a for a in orders.answers if a.status is None]
    cut_stored = [a for a in cut if tag(a.index) in by_name]
    problems = []
    for answer in created:
        row = by_id.get(answer.body["id"]) if answer.body else None
        if (
            row is None
            or row.rx_number != answer.body["rx_number"]
            or row.name != tag(answer.index)
        ):
            problems.append(f"the 201 for request {answer.index} has no matching row")
    if len(rows) != len(created) + len(cut_stored):
        problems.append(
            f"{len(rows)} rows for {len(created)} 201s and {len(cut_stored)} cut requests stored"
        )
    twice = {name: len(found) for name, found in by_name.items() if len(found) > 1}
    if twice:
        problems.append(f"requests stored twice: {twice}")
    sent = {tag(a.index) for a in orders.answers}
    if stray := set(by_name) - sent:
        problems.append(f"rows for requests never sent: {sorted(stray)[:5]}")
    numbers = sorted(int(row.rx_number.removeprefix("RX-")) for row in rows)
    if len(set(numbers)) != len(numbers):
        problems.append("duplicated Rx numbers")
    if numbers != list(range(FIRST_RX, FIRST_RX + len(numbers))) or counter != FIRST_RX - 1 + len(
        numbers
    ):
        problems.append(f"Rx numbers not gapless: {len(numbers)} rows, counter at {counter}")
    half = [
        row.rx_number
        for row in rows
        if row.patient is None or row.prescriber is None or not row.checks or row.created != 1
    ]
    if half:
        problems.append(f"half-saved orders: {half[:5]}")
    others = {a.status for a in orders.answers if a.status not in (None, 201)}
    if others:
        problems.append(f"answers other than 201: {sorted(others)}")
    return {
        "rows": len(rows),
        "answered_201": len(created),
        "cut": len(cut),
        "cut_stored": len(cut_stored),
        "cut_not_stored": len(cut) - len(cut_stored),
        "cut_errors": sorted({a.error for a in cut}),
        "rx_counter": counter,
        "problems": problems,
    }


def run(
    database_url: str | None = None,
    requests: int = 2000,
    threads: int = 16,
    workers: int = 4,
    max_seconds: float = 90,
) -> dict[str, Any]:
    """The three phases and the audit; a database is made (and dropped) when none is given."""
    started = time.monotonic()
    own = database_url is None
    name = f"pharmacy_load_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_SERVER + "postgres", isolation_level="AUTOCOMMIT")
    if own:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        database_url = PG_SERVER + name
    assert database_url is not None
    env = os.environ | {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "load-test-only",
        "PYTHONPATH": str(ROOT),
    }
    try:
        token = _api_token(env)
        port = _free_port()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "error",
                "bench.wsgi_bench:app",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            _wait(f"http://127.0.0.1:{port}/api/v1/openapi.json")
            phases = _phases(port, token, server.pid, requests, threads, max_seconds, started)
        finally:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(5)
        return {
            "workers": workers,
            "threads": threads,
            "requests": requests,
            "phases": {p.name: p.summary() for p in phases},
            "audit": audit(database_url, phases[-1]),
            "seconds": time.monotonic() - started,
        }
    finally:
        if own:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _phases(
    port: int,
    token: str,
    master: int,
    requests: int,
    threads: int,
    max_seconds: float,
    started: float,
) -> list[Phase]:
    bodies = documents(requests)
    # Warm every worker (imports, database connections, the checker's caches) on what
    # stores nothing, so the first phase does not pay for starting up.
    for path in ("/api/bench/fixed", "/api/v1/checks"):
        load(port, path, bodies[:WARM_UP], token, threads, time.monotonic() + 10)
    phases = []
    for n, (label, path) in enumerate(PHASES):
        left = max_seconds - (time.monotonic() - started)
        # The baseline and the checks get a fifth of the time left each; the orders the
        # rest, less a few seconds for the audit.
        share = left * 0.2 if n < 2 else left - 5
        storing = path == "/api/v1/orders"
        phase = load(
            port,
            path,
            bodies,
            token,
            threads,
            time.monotonic() + share,
            kill_after=requests // 3 if storing else None,
            master=master if storing else None,
        )
        phase.name = label
        if storing:
            time.sleep(0.5)  # the master starts a worker in place of the killed one
            phase.workers_after = len(workers_of(master))
        phases.append(phase)
    return phases


def report(result: dict[str, Any]) -> str:
    lines = [
        f"gunicorn {result['workers']} sync workers on PostgreSQL, {result['threads']} client "
        f"threads on loopback, {result['requests']} requests a phase, "
        f"{result['seconds']:.1f} s in all",
        f"  {'phase':32} {'req/s':>8} {'p50':>9} {'p90':>9} {'p99':>9} {'max':>9}  answers",
    ]
    for label, s in result["phases"].items():
        lines.append(
            f"  {label:32} {s['rps']:8,.0f} {s['p50_ms']:7.1f}ms {s['p90_ms']:7.1f}ms "
            f"{s['p99_ms']:7.1f}ms {s['max_ms']:7.1f}ms  {s['statuses']}"
        )
    phases = list(result["phases"].values())
    base = phases[0]["rps"] or 1
    lines.append(
        f"  throughput against the baseline: checks {phases[1]['rps'] / base:.2f}, "
        f"orders {phases[2]['rps'] / base:.2f}"
    )
    a = result["audit"]
    lines.append(
        f"  killed worker {phases[2]['killed_pids']} (workers afterwards: "
        f"{phases[2]['workers_after']}); rows {a['rows']} = 201s {a['answered_201']} + cut "
        f"and stored {a['cut_stored']} (cut {a['cut']}: {a['cut_not_stored']} not stored; "
        f"{', '.join(a['cut_errors']) or 'none'}); Rx counter {a['rx_counter']}"
    )
    lines.append(
        "  audit: " + ("every check held" if not a["problems"] else "; ".join(a["problems"]))
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=90)
    parser.add_argument("--database-url")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    result = run(args.database_url, args.requests, args.threads, args.workers, args.max_seconds)
    print(report(result))
    if args.json:
        print(json.dumps(result, indent=2))
    return 1 if result["audit"]["problems"] or not result["phases"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
