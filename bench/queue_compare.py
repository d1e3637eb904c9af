"""The robot's full application beside procrastinate's empty job, on one PostgreSQL, in one run (issue 23).

    .venv/bin/python -m bench.queue_compare                          # 3 000 of each, 3 rounds, 2 workers each
    .venv/bin/python -m bench.queue_compare --applications 1000 --rounds 1 --json figures.json

Needs the `bench` extra (`pip install -e '.[bench]'`: procrastinate). Rounds alternate: robot,
procrastinate, robot, procrastinate, … each on a fresh database on the same server, dropped afterwards.

The robot: the generated applications are all enqueued first (`robot enqueue`, not timed), with the
SSBTEK simulator in its own process at 0 ms per call; then 2 `robot run --no-schedule --no-inbox`
workers start and the clock runs until every application has its outcome (register questions,
decoding, the chain, the hash-chained verdict), each checked to have exactly one verdict.
Procrastinate: its schema and the same number of empty jobs deferred in batches (not timed); then
2 procrastinate workers (`bench/procrastinate_app.py`: an async task that does nothing, procrastinate's
default concurrency of 1 per worker unless `--procrastinate-concurrency`) and the clock runs until
every job has succeeded.

Two rates each. `per s`: items over the time from the workers' start (their imports, the robot's
ruleset and activity file) to the look, every 0.05 s, that finds nothing left. `steady per s`: the
items written after the first write, over the time from the first write to the last (the verdicts'
`created_at`, a commit batch's; procrastinate's `succeeded` events), so without start-up or the
last look. The workers' CPU per item comes from their rusage (start-up included).

`--one-daemon`: the robot's workers are one `robot run --processes 2` (one start-up, two forked workers);
its rusage includes the children it reaped (Linux).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import importlib.util
import json
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench.harness import (
    ROOT,
    ChildUsage,
    Workspace,
    machine,
    robot_clock,
    state_counts,
    unfinished,
    verdicts_per_application,
    wait_with_rusage,
)
from bench.pipeline import fresh_database

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/postgres"
WORKERS = 2
POLL_SECONDS = 0.05
INSTALL_HINT = "pip install -e '.[bench]'"


@dataclass
class RoundResult:
    queue: str
    round: int
    items: int
    seconds: float
    """From the workers' start to the look that found nothing left."""
    per_second: float
    first_write_seconds: float
    """From the workers' start to the first item written: start-up, and the first batch for the robot."""
    steady_per_second: float
    """The items written after the first write, over the time from the first write to the last."""
    worker_cpu_ms_per_item: float
    outcomes: dict[str, int]
    checked: bool
    """Robot: every application has exactly one verdict; procrastinate: every job succeeded."""
    note: str = ""


def measured(
    queue: str, round_no: int, n: int, started: float, finished: float, writes: tuple[Any, Any, int],
    usages: list[ChildUsage], outcomes: dict[str, int], checked: bool,
    offset: dt.timedelta = dt.timedelta(0), note: str = "",
) -> RoundResult:  # fmt: skip
    """One round's figures from its clock (`started`, `finished`), its `writes` (the first and last write's
    timestamps, and how many were written at the first) and its workers' usage."""
    first, last, at_first = writes
    return RoundResult(
        queue=queue,
        round=round_no,
        items=n,
        seconds=round(finished - started, 3),
        per_second=round(n / (finished - started), 1),
        first_write_seconds=round(first_write_after(started, first, offset), 3),
        steady_per_second=steady_rate(n, first, last, at_first),
        worker_cpu_ms_per_item=round(1000 * sum(u.cpu_seconds for u in usages) / n, 3),
        outcomes=outcomes,
        checked=checked,
        note=note,
    )


def libpq(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as psycopg's and procrastinate's connection string."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def settle_server(url: str) -> None:
    """CHECKPOINT before a round's clock starts, so that no round pays for the writes of the one before it
    (the robot's rounds write about 60 MB; the server's next checkpoint fell into procrastinate's rounds).
    Needs a superuser or pg_checkpoint; without either the round runs unsettled."""
    import psycopg

    with contextlib.suppress(psycopg.Error), psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def steady_rate(items: int, first: dt.datetime | None, last: dt.datetime | None, at_first: int) -> float:
    """Items written after the first write per second between the first write and the last (0 if unmeasurable)."""
    if first is None or last is None or last <= first:
        return 0.0
    return round((items - at_first) / (last - first).total_seconds(), 1)


def robot_round(ws: Workspace, round_no: int, n: int, database: str, concurrency: int,
                one_daemon: bool = False) -> RoundResult:  # fmt: skip
    from robot.adapters.ssbtek.simulator import FaultInjection, ssbtek_simulator
    from robot.queue.schema import verdicts

    name = f"robot-{round_no}"
    ws.database_url, drop = fresh_database(database)
    try:
        env = {"ROBOT_WORKER_CONCURRENCY": str(concurrency), "ROBOT_SSBTEK_CONCURRENCY": str(concurrency)}
        for step in (("db", "upgrade"), ("enqueue", str(ws.apps_dir))):
            done = ws.robot(*step, **env)
            if done.returncode:
                raise SystemExit(f"robot {' '.join(step)} failed: {done.stderr[-2000:]}")
        eng = ws.engine()
        if unfinished(eng) != n:
            raise SystemExit(f"robot enqueue queued {unfinished(eng)} of {n} applications")
        with ssbtek_simulator(ws.register_file, FaultInjection(latency_ms=0), in_subprocess=True) as sim:
            env.update(sim.env)
            settle_server(ws.database_url)
            started = time.perf_counter()
            one = ("--processes", str(WORKERS)) if one_daemon else ()
            with running(
                ws.spawn("run", "--no-schedule", "--no-inbox", *one, log=ws.root / f"{name}-worker-{i}.log",
                         ROBOT_WORKER_ID=f"{name}-{i}", **env)
                for i in range(1 if one_daemon else WORKERS)
            ) as procs:  # fmt: skip
                finished = drained(lambda: unfinished(eng), procs, f"{ws.root}/{name}-worker-*.log")
                usages = stop(procs)
        if any(u.code for u in usages):
            raise SystemExit(f"a robot worker failed; see {ws.root}/{name}-*.log")
        with eng.connect() as conn:
            first, last = conn.execute(select(func.min(verdicts.c.created_at), func.max(verdicts.c.created_at))).one()
            at_first = conn.execute(select(func.count()).where(verdicts.c.created_at == first)).scalar_one()
        counts = verdicts_per_application(eng)
        outcomes = state_counts(eng)
        eng.dispose()
    finally:
        drop()
    return measured("robot", round_no, n, started, finished, (first, last, at_first), usages, outcomes,
                    checked=len(counts) == n and set(counts.values()) == {1}, offset=robot_clock().offset)  # fmt: skip


def procrastinate_worker(conninfo: str, concurrency: int, name: str, logs: Path) -> subprocess.Popen[bytes]:
    with open(logs / f"{name}.log", "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bench.procrastinate_app", conninfo, "--concurrency", str(concurrency), "--name", name],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip


@contextlib.contextmanager
def running(workers: Iterable[subprocess.Popen[bytes]]) -> Iterator[list[subprocess.Popen[bytes]]]:
    """The worker processes, killed on the way out if a failure left them running."""
    procs = list(workers)
    try:
        yield procs
    finally:
        for p in procs:
            if p.returncode is None and p.poll() is None:
                p.kill()
                p.wait()


def drained(left: Callable[[], int], procs: list[subprocess.Popen[bytes]], logs: str) -> float:
    """Looks every POLL_SECONDS until nothing is `left`; returns the perf_counter then. A worker must not exit first."""
    while left():
        if any(p.poll() is not None for p in procs):
            raise SystemExit(f"a worker exited before its queue was drained; see {logs}")
        time.sleep(POLL_SECONDS)
    return time.perf_counter()


def stop(procs: list[subprocess.Popen[bytes]]) -> list[ChildUsage]:
    """SIGTERM (both queues' workers stop gracefully on it), then each one's exit code and rusage."""
    for p in procs:
        p.send_signal(signal.SIGTERM)
    return [wait_with_rusage(p) for p in procs]


def first_write_after(started: float, first: dt.datetime | None, offset: dt.timedelta = dt.timedelta(0)) -> float:
    """Seconds from `started` (this process's perf_counter) to a stored timestamp `first`.

    Procrastinate's timestamps are PostgreSQL's (the real time); the robot's run on the bench's shared
    clock (`harness.robot_clock`), the real time plus `offset`."""
    if first is None:
        return 0.0
    if first.tzinfo is None:
        first = first.replace(tzinfo=dt.UTC)
    wall_at_start = time.time() - (time.perf_counter() - started)
    return (first - offset).timestamp() - wall_at_start


def procrastinate_round(root: Path, round_no: int, n: int, database: str, concurrency: int) -> RoundResult:
    import psycopg

    from bench.procrastinate_app import prepare

    url, drop = fresh_database(database)
    assert url is not None
    conninfo = libpq(url)
    try:
        asyncio.run(prepare(conninfo, n))
        settle_server(url)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            left = "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
            started = time.perf_counter()
            with running(
                procrastinate_worker(conninfo, concurrency, f"procrastinate-{round_no}-{i}", root)
                for i in range(WORKERS)
            ) as procs:  # fmt: skip
                finished = drained(lambda: conn.execute(left).fetchone()[0], procs,
                                   f"{root}/procrastinate-{round_no}-*.log")  # fmt: skip
                usages = stop(procs)
            statuses = dict(conn.execute("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY 1").fetchall())
            succeeded = "FROM procrastinate_events WHERE type = 'succeeded'"
            first, last = conn.execute(f"SELECT min(at), max(at) {succeeded}").fetchone()
            at_first = conn.execute(f"SELECT count(*) {succeeded} AND at = %s", (first,)).fetchone()[0]
    finally:
        drop()
    if any(u.code for u in usages):
        raise SystemExit(f"a procrastinate worker failed; see {root}/procrastinate-{round_no}-*.log")
    return measured("procrastinate", round_no, n, started, finished, (first, last, at_first), usages, statuses,
                    checked=statuses == {"succeeded": n}, note=f"concurrency {concurrency} per worker")  # fmt: skip


FIGURES = ("per_second", "steady_per_second", "worker_cpu_ms_per_item", "seconds", "first_write_seconds")


def medians(results: list[RoundResult]) -> dict[str, dict[str, float]]:
    """Per queue, the median of each figure over its rounds."""
    out: dict[str, dict[str, float]] = {}
    for queue in dict.fromkeys(r.queue for r in results):
        mine = [r for r in results if r.queue == queue]
        out[queue] = {f: round(statistics.median(getattr(r, f) for r in mine), 3) for f in FIGURES}
    return out


def ratios(med: dict[str, dict[str, float]]) -> dict[str, float | None]:
    """Robot ÷ procrastinate, for the rate with start-up and the steady rate."""
    robot, other = med.get("robot"), med.get("procrastinate")
    if not robot or not other:
        return {"per_second": None, "steady_per_second": None}
    return {f: round(robot[f] / other[f], 2) if other[f] else None for f in ("per_second", "steady_per_second")}


HEADER = f"{'round':>5}  {'queue':<14}{'items':>7}{'total s':>9}{'per s':>8}{'1st write s':>12}{'steady per s':>13}{'CPU ms/item':>12}  check"


def format_row(r: RoundResult) -> str:
    return (f"{r.round:>5}  {r.queue:<14}{r.items:>7}{r.seconds:>9.2f}{r.per_second:>8.0f}{r.first_write_seconds:>12.2f}"
            f"{r.steady_per_second:>13.0f}{r.worker_cpu_ms_per_item:>12.3f}  {'ok' if r.checked else 'FAILED'}")  # fmt: skip


def format_summary(results: list[RoundResult]) -> list[str]:
    """The medians per queue under the rounds' header, and the ratio robot ÷ procrastinate."""
    med = medians(results)
    rounds = {queue: sum(r.queue == queue for r in results) for queue in med}
    header = HEADER.removesuffix("  check")
    lines = [f"medians over {', '.join(f'{k} {q}' for q, k in rounds.items())} round(s):", header, "-" * len(header)]
    for queue, m in med.items():
        items = statistics.median(r.items for r in results if r.queue == queue)
        lines.append(f"{'med':>5}  {queue:<14}{items:>7.0f}{m['seconds']:>9.2f}{m['per_second']:>8.0f}"
                     f"{m['first_write_seconds']:>12.2f}{m['steady_per_second']:>13.0f}{m['worker_cpu_ms_per_item']:>12.3f}")  # fmt: skip
    r = ratios(med)
    if r["per_second"] is not None:
        lines.append("")
        lines.append(f"robot ÷ procrastinate: {r['per_second']:.2f} with the workers' start-up, "
                     f"{r['steady_per_second'] or 0:.2f} from the first write to the last (issue 23 asks ≥ 1.5)")  # fmt: skip
    return lines


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.queue_compare", description=__doc__.split("\n")[0])
    parser.add_argument("--applications", type=int, default=3000, help="applications, and as many empty jobs")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each, alternated (robot first)")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="a PostgreSQL server (fresh databases on it)")
    parser.add_argument("--concurrency", type=int, default=128, help="the robot's applications in flight per worker")
    parser.add_argument("--procrastinate-concurrency", type=int, default=1,
                        help="procrastinate's jobs in flight per worker (default 1: procrastinate's own default)")  # fmt: skip
    parser.add_argument("--one-daemon", action="store_true",
                        help=f"the robot as one `robot run --processes {WORKERS}` instead of {WORKERS} runs")  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the workspace (logs) for inspection")
    args = parser.parse_args(argv)
    if args.applications < 2 or args.rounds < 1:
        parser.error("--applications must be at least 2 and --rounds at least 1")
    if not make_url(args.database).drivername.startswith("postgresql"):
        parser.error("--database must be a PostgreSQL URL")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if importlib.util.find_spec("procrastinate") is None:
        print(f"bench.queue_compare needs procrastinate: {INSTALL_HINT}", file=sys.stderr)
        raise SystemExit(2)
    results: list[RoundResult] = []
    with Workspace.create(keep=args.keep) as ws:
        print(f"machine: {machine()}")
        print(f"workspace: {ws.root}")
        ws.generate(args.applications)
        print(f"{args.applications} applications and empty jobs, {args.rounds} round(s) each alternated, "
              f"{WORKERS} workers each{' (the robot: one daemon, forked)' if args.one_daemon else ''}, robot concurrency {args.concurrency}, procrastinate concurrency "
              f"{args.procrastinate_concurrency}, SSBTEK simulator at 0 ms")  # fmt: skip
        print(HEADER)
        print("-" * len(HEADER))
        for round_no in range(1, args.rounds + 1):
            results.append(robot_round(ws, round_no, args.applications, args.database, args.concurrency,
                                       args.one_daemon))  # fmt: skip
            print(format_row(results[-1]), flush=True)
            results.append(procrastinate_round(ws.root, round_no, args.applications, args.database,
                                               args.procrastinate_concurrency))  # fmt: skip
            print(format_row(results[-1]), flush=True)
    print()
    for line in format_summary(results):
        print(line)
    if args.json:
        med = medians(results)
        args.json.write_text(json.dumps({"machine": machine(), "settings": vars(args) | {"json": str(args.json)},
                                         "rounds": [asdict(r) for r in results], "medians": med,
                                         "ratio_robot_to_procrastinate": ratios(med)}, indent=2, default=str))  # fmt: skip


if __name__ == "__main__":
    main()
