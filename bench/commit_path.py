"""The commit alone: writing verdicts (hash-chained) and their state changes, CPU per application.

    .venv/bin/python -m bench.commit_path                          # 3 000 applications, SQLite, batches of 128
    .venv/bin/python -m bench.commit_path --database postgresql://postgres@127.0.0.1:5432/postgres

The applications are enqueued with `robot enqueue`, claimed in batches as a worker claims them, and
evaluated in this process against the generated register (no HTTP); then only `queue.outcomes.commit`
is timed, batch by batch, on this thread's CPU: the hashing before the transaction, SQLAlchemy, the
driver and (SQLite) the database engine itself, which runs in this thread. On a local PostgreSQL the
server's own CPU during the commits is shown beside it (all its processes, from /proc: run nothing
else against the server meanwhile). Each round starts from a fresh database.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bench.harness import Workspace, postgres_cpu_seconds, robot_clock
from bench.pipeline import fresh_database
from robot.chain.engine import evaluate
from robot.chain.inputs import Circumstances
from robot.chain.ruleset import load_ruleset
from robot.chain.stickprov import StickprovInput
from robot.formats.application import parse_application
from robot.formats.register import Register
from robot.queue import claims
from robot.queue.outcomes import VerdictOutcome, commit
from robot.swedish.dates import today

RULES = Path(__file__).resolve().parent.parent / "rules"


def one_round(ws: Workspace, database_url: str | None, batch: int) -> tuple[float, float | None, int]:
    """CPU seconds of every commit (this thread's, the PostgreSQL server's), and the applications committed."""
    import shutil

    shutil.rmtree(ws.data_dir, ignore_errors=True)
    ws.database_url, drop = fresh_database(database_url)
    try:
        for args in (("db", "upgrade"), ("enqueue", str(ws.apps_dir))):
            done = ws.robot(*args)
            if done.returncode:
                raise SystemExit(done.stderr)
        engine = ws.engine()
        ruleset = load_ruleset(RULES)
        register = Register.model_validate_json(ws.register_file.read_bytes(), strict=True)
        stickprov = StickprovInput(key=b"bench-key")
        clock = robot_clock()
        circumstances = Circumstances(as_of=today(clock))
        cpu, server = 0.0, None
        count = 0
        while True:
            claimed = claims.claim(engine, "bench", batch, 600, clock)
            if not claimed:
                break
            outcomes = []
            for c in claimed:
                parsed = parse_application(c.raw)
                app = parsed.application
                adults = tuple(a.personnummer for _, a in app.adults()) if app else ()
                evaluation = evaluate(parsed, register, ruleset, stickprov, circumstances=circumstances)
                outcomes.append(VerdictOutcome(c, evaluation, ruleset, None, 1, adults))
            # The server's CPU is read outside this thread's timed span: reading /proc is not the commit's work.
            server_started = postgres_cpu_seconds() if database_url else None
            started = time.thread_time()
            report = commit(engine, outcomes, "bench", clock)
            cpu += time.thread_time() - started
            server_now = postgres_cpu_seconds() if server_started is not None else None
            if server_started is not None and server_now is not None:
                server = (server or 0.0) + server_now - server_started
            count += len(report.written)
        engine.dispose()
        return cpu, server, count
    finally:
        drop()


def run(applications: int, rounds: int, batch: int, database_url: str | None) -> None:
    with Workspace.create() as ws:
        ws.generate(applications)
        per_app, server_per_app = [], []
        for _ in range(rounds):
            cpu, server, count = one_round(ws, database_url, batch)
            assert count == applications, f"{count} of {applications} committed"
            per_app.append(cpu / count * 1000)
            if server is not None:
                server_per_app.append(server / count * 1000)
    where = "PostgreSQL" if database_url else "SQLite"
    print(f"{applications} applications, {where}, batches of {batch}, {rounds} rounds")
    print(f"commit CPU: {statistics.median(per_app):.3f} ms per application (median; rounds: "
          f"{', '.join(f'{x:.3f}' for x in per_app)})")  # fmt: skip
    if server_per_app:
        print(f"PostgreSQL server CPU during the commits: {statistics.median(server_per_app):.3f} ms per application "
              f"(median; rounds: {', '.join(f'{x:.3f}' for x in server_per_app)})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.commit_path", description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (a fresh database is created on that server)")
    args = parser.parse_args()
    run(args.applications, args.rounds, args.batch, args.database)


if __name__ == "__main__":
    main()
