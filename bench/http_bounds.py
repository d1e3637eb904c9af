"""`robot batch` against hostile SSBTEK servers: peak memory and time, per way of misbehaving (issue 16.5).

    .venv/bin/python -m bench.http_bounds                     # 64 applications in flight against each server

Before the bounds, the endless-headers server drove `robot batch` to 4.8 GB in 20 s. Each row here is
a fresh workspace: 64 applications queued, `robot batch` with ROBOT_SSBTEK_URL at a local server from
`bench/hostile.py` (default limits; the deadline per call 5 s instead of 30 to keep the run short),
its peak resident memory sampled while it runs. Every application should end waiting for SSBTEK
(RETRY_WAIT), none lost, none with a verdict.
"""

from __future__ import annotations

import argparse
import time

from bench.harness import Workspace, state_counts, wait_with_rusage
from bench.hostile import hostile_server

CASES = ("endless_headers", "long_header", "huge_body", "endless_chunks", "slow_drip")


def run_case(behaviour: str, n: int) -> dict[str, object]:
    with Workspace.create() as ws, hostile_server(behaviour, drip_seconds=0.2) as url:
        ws.generate(n)
        env = {"ROBOT_SSBTEK_URL": url, "ROBOT_SSBTEK_DEADLINE_SECONDS": "5", "ROBOT_SSBTEK_RETRIES": "1",
               "ROBOT_SSBTEK_BACKOFF_INITIAL_SECONDS": "0.05", "ROBOT_WORKER_CONCURRENCY": str(n)}  # fmt: skip
        for step in (("db", "upgrade"), ("enqueue", str(ws.apps_dir))):
            done = ws.robot(*step, **env)
            if done.returncode:
                raise SystemExit(f"robot {' '.join(step)}: {done.stderr}")
        started = time.perf_counter()
        usage = wait_with_rusage(ws.spawn("batch", log=ws.root / "batch.log", **env))
        seconds = time.perf_counter() - started
        engine = ws.engine()
        states = state_counts(engine)
        engine.dispose()
    return {"behaviour": behaviour, "seconds": seconds, "peak_rss_mb": usage.peak_rss / 2**20, "exit": usage.code,
            "states": states}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.http_bounds", description=__doc__.split("\n")[0])
    parser.add_argument("--applications", type=int, default=64)
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    args = parser.parse_args(argv)
    rows = [run_case(case, args.applications) for case in args.cases]
    header = f"{'server':<17}{'robot batch s':>14}{'peak RSS MB':>13}{'exit':>6}  queue afterwards"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['behaviour']:<17}{r['seconds']:>14.1f}{r['peak_rss_mb']:>13.0f}{r['exit']:>6}  {r['states']}")


if __name__ == "__main__":
    main()
