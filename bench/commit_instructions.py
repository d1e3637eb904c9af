"""The commit alone as instructions (valgrind's callgrind): what writing one application's result costs the worker.

    .venv/bin/python -m bench.commit_instructions                       # 640 applications, SQLite, batches of 128
    .venv/bin/python -m bench.commit_instructions --batch 6             # as results trickle in
    .venv/bin/python -m bench.commit_instructions --database postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python -m bench.commit_instructions --root ../other-checkout   # another checkout's robot/

As `bench.commit_path`, but counted rather than timed: one process claims every application in batches and
evaluates them (no HTTP), then commits them batch by batch (`queue.outcomes.commit`); the same process once
more without the commits, on a fresh copy of the same database. Per application = the difference ÷ N.
This process's instructions only: SQLite's engine is in it, a PostgreSQL server is not.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bench.harness import Workspace
from bench.instructions import total_instructions


def _admin(url: str) -> Engine:
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _fresh(template: str, url: str | None, run_dir: Path) -> str:
    """A fresh copy of the prepared database; its URL."""
    if url is None:
        shutil.copy(template, run_dir / "run.db")
        return f"sqlite:///{run_dir / 'run.db'}"
    engine = _admin(url)
    with engine.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "robot_bench_commit_run" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "robot_bench_commit_run" TEMPLATE "{template}"'))
    engine.dispose()
    return make_url(url).set(database="robot_bench_commit_run").render_as_string(hide_password=False)


def measure(root: Path, applications: int, batch: int, database_url: str | None) -> float:
    compileall.compile_dir(root / "robot", quiet=1)
    with Workspace.create() as ws, tempfile.TemporaryDirectory(prefix="robot-commit-") as tmp:
        ws.generate(applications)
        if database_url:
            admin = _admin(database_url)
            with admin.connect() as conn:
                conn.execute(text('DROP DATABASE IF EXISTS "robot_bench_commit" WITH (FORCE)'))
                conn.execute(text('CREATE DATABASE "robot_bench_commit"'))
            ws.database_url = (
                make_url(database_url).set(database="robot_bench_commit").render_as_string(hide_password=False)
            )
        for args in (("db", "upgrade"), ("enqueue", str(ws.apps_dir))):
            done = ws.robot(*args)
            if done.returncode:
                raise SystemExit(done.stderr)
        template = "robot_bench_commit" if database_url else str(ws.data_dir / "robot.db")
        counts = {}
        try:
            for mode in ("none", "commit"):
                url = _fresh(template, database_url, Path(tmp))
                out = Path(tmp) / f"callgrind.{mode}"
                # An hour on: the applications enqueued above are due (each process's clock starts at CLOCK_START).
                env = os.environ | {"PYTHONHASHSEED": "0", "ROBOT_CLOCK_STARTED_AT": repr(time.time() - 3600),
                                    "PYTHONPATH": str(root)}  # fmt: skip
                proc = subprocess.run(
                    ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__,
                     "--child", mode, url, str(ws.register_file), str(batch)],
                    cwd=root, env=env, capture_output=True, text=True,
                )  # fmt: skip
                if proc.returncode:
                    raise SystemExit(proc.stderr[-800:])
                counts[mode] = total_instructions(out)
        finally:
            if database_url:
                with _admin(database_url).connect() as conn:
                    for name in ("robot_bench_commit_run", "robot_bench_commit"):
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return (counts["commit"] - counts["none"]) / applications


def child(mode: str, url: str, register_file: str, batch: int) -> None:
    """Claim everything, evaluate it, and (mode `commit`) commit it: what runs under valgrind."""
    from bench.harness import robot_clock
    from robot.chain.engine import evaluate
    from robot.chain.inputs import Circumstances
    from robot.chain.ruleset import load_ruleset
    from robot.chain.stickprov import StickprovInput
    from robot.formats.application import parse_application
    from robot.formats.register import Register
    from robot.queue import claims
    from robot.queue.db import make_engine
    from robot.queue.outcomes import VerdictOutcome, commit
    from robot.swedish.dates import today

    engine = make_engine(url)
    ruleset = load_ruleset(Path.cwd() / "rules")
    register = Register.model_validate_json(Path(register_file).read_bytes(), strict=True)
    clock = robot_clock()
    circumstances = Circumstances(as_of=today(clock))
    batches = []
    while claimed := claims.claim(engine, "bench", batch, 600, clock):
        outcomes = []
        for c in claimed:
            parsed = parse_application(c.raw)
            adults = tuple(a.personnummer for _, a in parsed.application.adults()) if parsed.application else ()
            evaluation = evaluate(
                parsed, register, ruleset, StickprovInput(key=b"bench-key"), circumstances=circumstances
            )
            outcomes.append(VerdictOutcome(c, evaluation, ruleset, None, 1, adults))
        batches.append(outcomes)
    written = sum(len(commit(engine, b, "bench", clock).written) for b in batches) if mode == "commit" else 0
    if mode == "commit" and written != sum(map(len, batches)):
        raise SystemExit(f"{written} of {sum(map(len, batches))} written")
    engine.dispose()


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return
    parser = argparse.ArgumentParser(prog="python -m bench.commit_instructions", description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=640)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (databases are created on that server)")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="the checkout whose robot/ is counted (default: this one)")  # fmt: skip
    args = parser.parse_args()
    per_app = measure(args.root.resolve(), args.applications, args.batch, args.database)
    where = "PostgreSQL" if args.database else "SQLite"
    print(f"{args.applications} applications, {where}, batches of {args.batch}, {args.root}: "
          f"{per_app:,.0f} instructions per application committed")  # fmt: skip


if __name__ == "__main__":
    main()
