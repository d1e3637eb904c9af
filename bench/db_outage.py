"""Database outage: PostgreSQL goes away in the middle of a batch and comes back.

    .venv/bin/python -m bench.db_outage --database postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python -m bench.db_outage --database … --mode server     # stop and start the whole server (root)

`--mode connections` (the default, safe beside other users of the server) refuses new connections
to the batch's database and terminates the open ones for the outage; `--mode server` stops the
PostgreSQL cluster with pg_ctlcluster and starts it again. The workers must wait, retry and finish:
every application with exactly one verdict.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.harness import Workspace, state_counts, verdicts_per_application, wait_with_rusage
from bench.pipeline import fresh_database
from robot.adapters.ssbtek.simulator import FaultInjection, ssbtek_simulator

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass
class OutageReport:
    mode: str
    applications: int
    workers: int
    outage_seconds: float
    processed_before_outage: int
    database_errors_logged: int
    verdicts: int
    without_verdict: int
    several_verdicts: int
    worker_exit_codes: list[int]
    seconds: float

    @property
    def ok(self) -> bool:
        return (
            self.verdicts == self.applications
            and not self.without_verdict
            and not self.several_verdicts
            and all(c == 0 for c in self.worker_exit_codes)
            and 0 < self.processed_before_outage < self.applications
        )

    def lines(self) -> list[str]:
        return [
            f"mode: {self.mode}; applications: {self.applications}; workers: {self.workers}",
            f"outage: {self.outage_seconds:.0f} s, after {self.processed_before_outage} applications; "
            f"database errors waited out (log lines): {self.database_errors_logged}",
            f"verdicts: {self.verdicts}; without: {self.without_verdict}; more than one: {self.several_verdicts}; "
            f"worker exit codes: {self.worker_exit_codes}; time: {self.seconds:.0f} s",
            f"result: {'PASS' if self.ok else 'FAIL'}",
        ]


def _cluster() -> tuple[str, str]:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[0]
    return version, "main"


def run(
    database_url: str = DEFAULT_URL,
    applications: int = 3000,
    workers: int = 2,
    outage_seconds: float = 8.0,
    mode: str = "connections",
) -> OutageReport:
    started = time.monotonic()
    url, drop = fresh_database(database_url)
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with Workspace.create(database_url=url) as ws:
            ws.generate(applications)
            env = {"ROBOT_WORKER_CONCURRENCY": "16", "ROBOT_QUEUE_LEASE_SECONDS": "5",
                   "ROBOT_QUEUE_POLL_INTERVAL_SECONDS": "0.2"}  # fmt: skip
            assert ws.robot("db", "upgrade").returncode == 0
            assert ws.robot("enqueue", str(ws.apps_dir)).returncode == 0
            eng = ws.engine()
            with ssbtek_simulator(ws.register_file, FaultInjection(latency_ms=50)) as sim:
                env.update(sim.env)
                logs = [ws.root / f"worker-{i}.log" for i in range(workers)]
                procs = [
                    ws.spawn("run", "--until-idle", "--no-schedule", "--no-inbox", log=logs[i],
                             ROBOT_WORKER_ID=f"outage-{i}", **env)
                    for i in range(workers)
                ]  # fmt: skip
                while sum(state_counts(eng).get(s, 0) for s in ("DONE", "MANUAL")) < applications // 5:
                    time.sleep(0.2)
                before = sum(state_counts(eng).get(s, 0) for s in ("DONE", "MANUAL"))
                eng.dispose()
                _outage(admin, name, outage_seconds, mode)
                codes = [wait_with_rusage(p).code for p in procs]
            counts = verdicts_per_application(eng)
            errors = sum(
                1 for log in logs for line in log.read_text(encoding="utf-8").splitlines()
                if line.startswith("{") and json.loads(line).get("event") == "database_unavailable"
            )  # fmt: skip
            eng.dispose()
    finally:
        admin.dispose()
        drop()
    return OutageReport(
        mode=mode,
        applications=applications,
        workers=workers,
        outage_seconds=outage_seconds,
        processed_before_outage=before,
        database_errors_logged=errors,
        verdicts=sum(counts.values()),
        without_verdict=sum(1 for c in counts.values() if c == 0),
        several_verdicts=sum(1 for c in counts.values() if c > 1),
        worker_exit_codes=codes,
        seconds=time.monotonic() - started,
    )


def _outage(admin, name: str, seconds: float, mode: str) -> None:  # type: ignore[no-untyped-def]
    if mode == "server":
        version, cluster = _cluster()
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "stop", "-m", "fast"], check=True
        )
        time.sleep(seconds)
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "start"], check=True)
        return
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
        end = time.monotonic() + seconds
        while time.monotonic() < end:  # keep throwing out anyone who got in
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
            time.sleep(0.5)
        conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.db_outage", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", default=DEFAULT_URL, help="a PostgreSQL URL; a fresh database is made on its server"
    )
    parser.add_argument("--applications", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--outage-seconds", type=float, default=8.0)
    parser.add_argument("--mode", choices=["connections", "server"], default="connections")
    args = parser.parse_args()
    report = run(args.database, args.applications, args.workers, args.outage_seconds, args.mode)
    print("\n".join(report.lines()))
    raise SystemExit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
