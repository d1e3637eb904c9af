"""Kill test: a batch during which the worker is killed with SIGKILL at random moments and restarted.

    .venv/bin/python -m bench.kill                          # 5 000 applications, 20 kills
    .venv/bin/python -m bench.kill --applications 1000 --kills 5

At the end every application must have exactly one verdict: none lost, none twice.
"""

from __future__ import annotations

import argparse
import random
import signal
import time
from dataclasses import dataclass

from sqlalchemy import func, select

from bench.harness import Workspace, state_counts, verdicts_per_application
from robot.adapters.ssbtek.simulator import FaultInjection, ssbtek_simulator
from robot.queue.schema import events


@dataclass
class KillReport:
    applications: int
    kills: int
    kills_mid_batch: int
    """Kills that came while applications were still waiting (the others hit an idle worker)."""
    restarts: int
    leases_rescued: int
    verdicts: int
    applications_without_verdict: int
    applications_with_several_verdicts: int
    in_progress_at_end: int
    seconds: float

    @property
    def ok(self) -> bool:
        return (
            self.verdicts == self.applications
            and self.applications_without_verdict == 0
            and self.applications_with_several_verdicts == 0
            and self.in_progress_at_end == 0
        )

    def lines(self) -> list[str]:
        return [
            f"applications: {self.applications}",
            f"SIGKILLs: {self.kills} ({self.kills_mid_batch} in the middle of the batch), restarts: {self.restarts}",
            f"expired leases rescued: {self.leases_rescued}",
            f"verdicts: {self.verdicts}; without a verdict: {self.applications_without_verdict}; "
            f"with more than one: {self.applications_with_several_verdicts}; in progress at the end: {self.in_progress_at_end}",
            f"time: {self.seconds:.0f} s",
            f"result: {'PASS' if self.ok else 'FAIL'}",
        ]


def run(
    applications: int = 5000,
    kills: int = 20,
    latency_ms: float = 50.0,
    concurrency: int = 8,
    min_delay: float = 1.5,
    max_delay: float = 3.5,
    seed: int = 7,
    database_url: str | None = None,
) -> KillReport:
    rng = random.Random(seed)
    started = time.monotonic()
    with Workspace.create(database_url=database_url) as ws:
        ws.generate(applications, seed=seed)
        env = {
            "ROBOT_WORKER_CONCURRENCY": str(concurrency),
            "ROBOT_QUEUE_CLAIM_BATCH": str(concurrency),
            "ROBOT_QUEUE_LEASE_SECONDS": "2",
            "ROBOT_QUEUE_POLL_INTERVAL_SECONDS": "0.2",
        }
        assert ws.robot("db", "upgrade").returncode == 0
        assert ws.robot("enqueue", str(ws.apps_dir)).returncode == 0
        eng = ws.engine()
        mid_batch = 0
        with ssbtek_simulator(ws.register_file, FaultInjection(latency_ms=latency_ms)) as sim:
            env.update(sim.env)
            for _ in range(kills):
                proc = ws.spawn("run", "--no-schedule", "--no-inbox", log=ws.root / "worker.log", **env)
                time.sleep(rng.uniform(min_delay, max_delay))
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                if state_counts(eng).get("NEW", 0) > 0:
                    mid_batch += 1
            final = ws.robot("run", "--until-idle", "--no-schedule", "--no-inbox", **env)
            if final.returncode:
                raise RuntimeError(f"the last worker failed: {final.stderr[-2000:]}")
        counts = verdicts_per_application(eng)
        with eng.connect() as conn:
            rescued = conn.execute(select(func.count()).where(events.c.kind == "lease_expired")).scalar_one()
        states = state_counts(eng)
        eng.dispose()
    return KillReport(
        applications=applications,
        kills=kills,
        kills_mid_batch=mid_batch,
        restarts=kills + 1,
        leases_rescued=rescued,
        verdicts=sum(counts.values()),
        applications_without_verdict=sum(1 for c in counts.values() if c == 0),
        applications_with_several_verdicts=sum(1 for c in counts.values() if c > 1),
        in_progress_at_end=states.get("IN_PROGRESS", 0),
        seconds=time.monotonic() - started,
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.kill", description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    report = run(args.applications, args.kills, args.latency_ms, database_url=args.database)
    print("\n".join(report.lines()))
    raise SystemExit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
