"""The benchmark: the month's batch end to end, beside the sequential baseline and the compute-only limit.

    .venv/bin/python -m bench.pipeline                       # 10 000 applications, SQLite, 2 workers, latency 50 and 0 ms
    .venv/bin/python -m bench.pipeline --applications 100000 --latency-ms 50 --workers 2 \\
        --database postgresql://postgres@127.0.0.1:5432/postgres     # scale, on PostgreSQL

Each pipeline run starts from an empty database: `robot enqueue` takes the generated files (intake)
while `robot run` worker processes claim what has arrived, fetch register data from the SSBTEK
simulator (in its own process, with the given latency per call), run the chain and store the
verdicts; the clock stops when every application has its outcome. The
sequential baseline is the same pipeline one application at a time (on a sample, extrapolated); the
compute-only limit is the chain alone on in-memory data in this process: no database, no HTTP.

The workers' CPU is shown per application by stage, from what each worker counts on its threads
(its `worker_stopped` log line): the register path (the event loop's CPU but the chain's: HTTP,
decoding, merging, scheduling), the chain (reading the application and evaluating it), the claims
and the commits (the database thread), the written results' counts, metrics and log lines (the
event loop), upkeep, and the rest (start-up: imports, the ruleset, the activity file).

`--one-daemon` starts one `robot run --processes N` instead of N `robot run` processes: one start-up, N forked
workers. Its CPU is the daemon's wait4 rusage, which on Linux includes the children it reaped; its peak RSS
the largest child's VmHWM, read before the stop (a child's VmHWM counts the pages it shares with the others).
The workers' PSS, summed before the stop, shows what they hold together in either mode.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bench.generate import Generated
from bench.harness import (
    Workspace,
    children_of,
    machine,
    machine_busy_seconds,
    percentile,
    process_cpu_seconds,
    pss,
    state_counts,
    unfinished,
    verdicts_per_application,
    vm_hwm,
    wait_with_rusage,
)
from robot.adapters.ssbtek.simulator import FaultInjection, ssbtek_simulator
from robot.chain.engine import evaluate
from robot.chain.inputs import Circumstances
from robot.chain.ruleset import load_ruleset
from robot.chain.stickprov import StickprovInput
from robot.formats.application import parse_application
from robot.formats.register import Register
from robot.queue.schema import verdicts
from robot.swedish.dates import today

RULES = Path(__file__).resolve().parent.parent / "rules"


@dataclass
class PipelineResult:
    name: str
    applications: int
    latency_ms: float
    workers: int
    concurrency: int
    database: str
    seconds: float
    intake_seconds: float
    processing_seconds: float
    per_second: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    peak_rss_mb_intake: float
    peak_rss_mb_worker: float
    worker_cpu_ms_per_application: float
    peak_rss_mb_workers: list[float]
    peak_rss_mb_simulator: float
    pss_mb_workers: float
    """The worker processes' PSS summed just before the stop (one daemon: the parent and its children)."""
    intake_cpu_ms_per_application: float
    simulator_cpu_ms_per_application: float
    machine_busy_cpu_ms_per_application: float
    """Every process on the machine (PostgreSQL included; other users too on a shared machine)."""
    outcomes: dict[str, int]
    exactly_one_verdict: bool
    worker_cpu_ms_by_stage: dict[str, float]
    postgres_samples: dict[str, float]
    """PostgreSQL only (`LockSampler`): how often the run's connections held a chain head idle or waited on a lock."""
    """Per application, every worker together: register_path, chain, claim, commit, upkeep, start-up and other."""


def compute_only(apps: list[Generated], register_file: Path, seconds: float = 10.0) -> dict[str, Any]:
    """The chain alone: parse and evaluate each application against in-memory register data."""
    ruleset = load_ruleset(RULES)
    register = Register.model_validate_json(register_file.read_bytes(), strict=True)
    stickprov = StickprovInput(key=b"bench-key")
    circumstances = Circumstances(as_of=today())
    raws = [a.raw() for a in apps[:10_000]]
    done = 0
    start = time.perf_counter()
    while True:
        for raw in raws:
            evaluate(parse_application(raw), register, ruleset, stickprov, circumstances=circumstances)
            done += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds or done >= max(3 * len(raws), len(apps)):
            break
    return {"applications": done, "seconds": round(elapsed, 3), "per_second": round(done / elapsed, 1)}


def fresh_database(url: str | None) -> tuple[str | None, Any]:
    """For PostgreSQL: a new database for this run on the same server (and a function that drops it)."""
    if not url:
        return None, lambda: None
    base = make_url(url)
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    name = f"robot_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def run_pipeline(
    ws: Workspace,
    name: str,
    n: int,
    latency_ms: float,
    workers: int,
    concurrency: int,
    database_url: str | None,
    apps_dir: Path,
    extra_env: dict[str, str] | None = None,
    poll_seconds: float = 0.25,
    keep_database: bool = False,
    one_daemon: bool = False,
) -> PipelineResult:
    """With `keep_database`, `database_url` is used as it is and left for the caller (else a fresh one, dropped).

    The clock stops at the first look (every `poll_seconds`) that finds every application done; a look
    counts only the applications still in the queue (`harness.unfinished`).
    """
    import shutil

    shutil.rmtree(ws.data_dir, ignore_errors=True)
    if keep_database:
        ws.database_url, drop = database_url, lambda: None
    else:
        ws.database_url, drop = fresh_database(database_url)
    try:
        env = {"ROBOT_WORKER_CONCURRENCY": str(concurrency), "ROBOT_SSBTEK_CONCURRENCY": str(concurrency),
               **(extra_env or {})}  # fmt: skip
        upgrade = ws.robot("db", "upgrade")
        if upgrade.returncode:
            raise SystemExit(upgrade.stderr)
        with ssbtek_simulator(ws.register_file, FaultInjection(latency_ms=latency_ms), in_subprocess=True) as sim:
            env.update(sim.env)
            assert sim.process is not None
            sim_cpu = process_cpu_seconds(sim.process.pid)
            busy = machine_busy_seconds()
            started = time.perf_counter()
            # Intake and processing overlap, as with the daemon's inbox: workers claim what has arrived.
            intake = ws.spawn("enqueue", str(apps_dir), log=ws.root / f"{name}-enqueue.log", **env)
            if one_daemon:
                logs = [ws.root / f"{name}-daemon.log"]
                procs = [ws.spawn("run", "--no-schedule", "--no-inbox", "--processes", str(workers), log=logs[0],
                                  ROBOT_WORKER_ID=name, **env)]  # fmt: skip
            else:
                logs = [ws.root / f"{name}-worker-{i}.log" for i in range(workers)]
                procs = [
                    ws.spawn("run", "--no-schedule", "--no-inbox", log=logs[i], ROBOT_WORKER_ID=f"{name}-{i}", **env)
                    for i in range(workers)
                ]  # fmt: skip
            sampler = LockSampler(ws.database_url) if ws.database_url else None
            intake_usage = wait_with_rusage(intake)
            queued = time.perf_counter()
            if intake_usage.code:
                raise SystemExit(f"robot enqueue failed ({intake_usage.code}); see {ws.root / f'{name}-enqueue.log'}")
            eng = ws.engine()
            while unfinished(eng):
                time.sleep(poll_seconds)
            finished = time.perf_counter()
            locks = sampler.stop() if sampler else {}
            busy = machine_busy_seconds() - busy
            sim_cpu = process_cpu_seconds(sim.process.pid) - sim_cpu
            sim_rss = vm_hwm(sim.process.pid)
            alive_peaks = [vm_hwm(p.pid) for p in procs]  # now, while all live: they are waited for one by one
            held = [p.pid for p in procs] + ([pid for p in procs for pid in children_of(p.pid)] if one_daemon else [])
            pss_total = sum(pss(pid) for pid in held)
            if one_daemon:  # the children's peaks, not the parent's (its start-up only)
                alive_peaks = [vm_hwm(pid) for pid in children_of(procs[0].pid)]
            for p in procs:
                p.send_signal(signal.SIGTERM)
            results = [wait_with_rusage(p) for p in procs]
        if any(r.code for r in results):
            raise SystemExit(f"a worker failed; see {ws.root}/{name}-*.log")
        with eng.connect() as conn:
            durations = [r[0] for r in conn.execute(select(verdicts.c.duration_ms))]
        counts = verdicts_per_application(eng)
        states = state_counts(eng)
        eng.dispose()
    finally:
        drop()
    total = finished - started
    # One daemon: its children's peaks (sampled before the stop); else each worker's, sampled and at its end.
    peaks = alive_peaks if one_daemon else [max(r.peak_rss, a) for r, a in zip(results, alive_peaks, strict=True)]
    return PipelineResult(
        name=name,
        applications=n,
        latency_ms=latency_ms,
        workers=workers,
        concurrency=concurrency,
        database="postgresql" if database_url else "sqlite",
        seconds=round(total, 2),
        intake_seconds=round(queued - started, 2),
        processing_seconds=round(finished - queued, 2),
        per_second=round(n / total, 1),
        p50_ms=percentile(durations, 0.50),
        p95_ms=percentile(durations, 0.95),
        max_ms=max(durations, default=0),
        peak_rss_mb_intake=round(intake_usage.peak_rss / 2**20, 1),
        peak_rss_mb_worker=round(max(peaks) / 2**20, 1),
        worker_cpu_ms_per_application=round(1000 * sum(r.cpu_seconds for r in results) / max(n, 1), 2),
        peak_rss_mb_workers=[round(p / 2**20, 1) for p in peaks],
        peak_rss_mb_simulator=round(sim_rss / 2**20, 1),
        pss_mb_workers=round(pss_total / 2**20, 1),
        intake_cpu_ms_per_application=round(1000 * intake_usage.cpu_seconds / max(n, 1), 2),
        simulator_cpu_ms_per_application=round(1000 * sim_cpu / max(n, 1), 2),
        machine_busy_cpu_ms_per_application=round(1000 * busy / max(n, 1), 2),
        outcomes=states,
        exactly_one_verdict=len(counts) == n and set(counts.values()) == {1} if counts else n == 0,
        postgres_samples=locks,
        worker_cpu_ms_by_stage=stage_cpu(logs, sum(r.cpu_seconds for r in results), n),
    )


class LockSampler:
    """Samples the run's PostgreSQL connections every 10 ms while it runs (pg_stat_activity).

    `head_held_idle`: of the samples of busy connections (not idle), the share idle in a transaction
    whose last statement locked a chain head (`ledger_heads … FOR UPDATE`): Python work under the lock.
    `lock_wait`: the share of instants at which some connection waited for a lock (another's head, a row).
    """

    QUERY = text(
        "SELECT state, wait_event_type, query FROM pg_stat_activity "
        "WHERE datname = :database AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
    )

    def __init__(self, url: str):
        self.engine = create_engine(url, isolation_level="AUTOCOMMIT")
        self.database = make_url(url).database
        self.instants = self.busy = self.head_idle = self.waiting = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with self.engine.connect() as conn:
            while not self._stop.wait(0.01):
                rows = conn.execute(self.QUERY, {"database": self.database}).all()
                self.instants += 1
                self.waiting += any(r.wait_event_type == "Lock" for r in rows)
                for r in rows:
                    if r.state == "idle":
                        continue
                    self.busy += 1
                    q = (r.query or "").upper()
                    self.head_idle += r.state == "idle in transaction" and "LEDGER_HEADS" in q and "FOR UPDATE" in q

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        self.engine.dispose()
        return {
            "instants": self.instants,
            "head_held_idle": round(self.head_idle / max(self.busy, 1), 3),
            "lock_wait": round(self.waiting / max(self.instants, 1), 3),
        }


STAGES = ("register_path", "chain", "claim", "commit", "result_logs", "upkeep")


def stage_cpu(logs: list[Path], total_cpu_seconds: float, n: int) -> dict[str, float]:
    """CPU ms per application by stage, from the workers' `worker_stopped` lines; the rest is start-up and other."""
    seconds = dict.fromkeys(STAGES, 0.0)
    for path in logs:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if '"worker_stopped"' not in line:
                continue
            with contextlib.suppress(ValueError):
                for stage, s in (json.loads(line).get("cpu_seconds") or {}).items():
                    seconds[stage] = seconds.get(stage, 0.0) + s
    seconds["startup_and_other"] = max(0.0, total_cpu_seconds - sum(seconds.values()))
    return {stage: round(1000 * s / max(n, 1), 3) for stage, s in seconds.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__.split("\n")[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[50.0, 0.0])
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2: one per core here)")
    parser.add_argument("--concurrency", type=int, default=128)
    parser.add_argument(
        "--database", default=None, help="a PostgreSQL URL (a fresh database is created on that server)"
    )
    parser.add_argument("--baseline-sample", type=int, default=200, help="applications in the sequential baseline")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--commit-gather-ms",
        type=float,
        default=None,
        help="the workers' worker.commit_gather_ms (default: the robot's own)",
    )
    parser.add_argument("--one-daemon", action="store_true",
                        help="one `robot run --processes WORKERS` (forked after one start-up) instead of WORKERS runs")  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the workspace (logs, database) for inspection")
    args = parser.parse_args(argv)

    with Workspace.create(keep=args.keep) as ws:
        print(f"machine: {machine()}")
        print(f"workspace: {ws.root}")
        t = time.perf_counter()
        apps = ws.generate(args.applications)
        print(f"generated {len(apps)} applications and their register in {time.perf_counter() - t:.1f} s")

        limit = compute_only(apps, ws.register_file)
        print(f"compute-only limit (the chain alone, in memory, one process): {limit['per_second']:.0f} applications/s")

        baseline = None
        if not args.no_baseline:
            sample_dir = ws.root / "baseline-sample"
            sample_dir.mkdir()
            for app in apps[: args.baseline_sample]:
                (sample_dir / f"{app.application_id}.json").write_bytes(app.raw())
            seq_env = {"ROBOT_QUEUE_CLAIM_BATCH": "1", "ROBOT_WORKER_COMMIT_BATCH": "1"}
            baseline = run_pipeline(ws, "sequential", args.baseline_sample, args.latency_ms[0], 1, 1, args.database,
                                    sample_dir, seq_env)  # fmt: skip
            print(f"sequential baseline ({args.baseline_sample} applications, latency {args.latency_ms[0]:g} ms): "
                  f"{baseline.per_second:.1f} applications/s → {args.applications / baseline.per_second:.0f} s for "
                  f"{args.applications}")  # fmt: skip

        runs = []
        for latency in args.latency_ms:
            gather = (
                {} if args.commit_gather_ms is None else {"ROBOT_WORKER_COMMIT_GATHER_MS": f"{args.commit_gather_ms:g}"}
            )
            result = run_pipeline(ws, f"pipeline-{latency:g}ms", args.applications, latency, args.workers,
                                  args.concurrency, args.database, ws.apps_dir, gather,
                                  one_daemon=args.one_daemon)  # fmt: skip
            runs.append(result)
            print(f"pipeline, latency {latency:g} ms: {result.seconds:.1f} s, {result.per_second:.0f} applications/s "
                  f"({100 * result.per_second / limit['per_second']:.0f} % of the compute-only limit)")  # fmt: skip

    print()
    print(f"settings: {args.applications} applications, {args.workers} worker process(es)"
          f"{' forked by one daemon' if args.one_daemon else ''}, concurrency "
          f"{args.concurrency}, {'PostgreSQL' if args.database else 'SQLite'}, simulator in its own process")  # fmt: skip
    header = f"{'run':<22}{'apps':>8}{'total s':>9}{'intake s':>9}{'apps/s':>9}{'% limit':>8}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'RSS MB':>8}  one verdict each"
    print(header)
    print("-" * len(header))
    for r in ([baseline] if baseline else []) + runs:
        share = 100 * r.per_second / limit["per_second"]
        print(f"{r.name:<22}{r.applications:>8}{r.seconds:>9.1f}{r.intake_seconds:>9.1f}{r.per_second:>9.0f}{share:>7.0f}%"
              f"{r.p50_ms:>8.0f}{r.p95_ms:>8.0f}{r.max_ms:>8.0f}{r.peak_rss_mb_worker:>8.0f}  {r.exactly_one_verdict}")  # fmt: skip
    print(
        f"{'compute-only limit':<22}{limit['applications']:>8}{limit['seconds']:>9.1f}{'':>9}{limit['per_second']:>9.0f}{100:>7}%"
    )
    for r in runs:
        print(f"outcomes ({r.name}): {json.dumps(r.outcomes)}; peak RSS intake {r.peak_rss_mb_intake} MB, worker "
              f"{r.peak_rss_mb_worker} MB, workers' PSS together {r.pss_mb_workers} MB; worker CPU "
              f"{r.worker_cpu_ms_per_application} ms per application")  # fmt: skip
    print()
    limit_ms = 1000 / limit["per_second"]
    stages = list(runs[0].worker_cpu_ms_by_stage) if runs else []
    print("worker CPU per application by stage, ms (all workers; the compute-only limit: the chain alone, one process)")
    print(f"{'run':<22}" + "".join(f"{s:>19}" for s in stages) + f"{'total':>9}")
    for r in runs:
        print(f"{r.name:<22}" + "".join(f"{r.worker_cpu_ms_by_stage[s]:>19.3f}" for s in stages)
              + f"{r.worker_cpu_ms_per_application:>9.2f}")  # fmt: skip
    print(f"{'compute-only limit':<22}{'':>19}{limit_ms:>19.3f}")
    for r in runs:  # the machine's 2 cores are shared: what each part of the run cost per application
        rest = r.machine_busy_cpu_ms_per_application - r.worker_cpu_ms_per_application \
            - r.intake_cpu_ms_per_application - r.simulator_cpu_ms_per_application  # fmt: skip
        print(f"machine CPU per application ({r.name}): {r.machine_busy_cpu_ms_per_application:.2f} ms = workers "
              f"{r.worker_cpu_ms_per_application:.2f} + intake {r.intake_cpu_ms_per_application:.2f} + SSBTEK simulator "
              f"{r.simulator_cpu_ms_per_application:.2f} + the rest (the database server, this bench) {max(rest, 0):.2f}")  # fmt: skip
    for r in runs:
        if r.postgres_samples:
            s = r.postgres_samples
            print(f"PostgreSQL ({r.name}, {s['instants']:.0f} samples): busy connections idle holding a chain head "
                  f"{100 * s['head_held_idle']:.1f} %; some connection waiting for a lock {100 * s['lock_wait']:.1f} % of the time")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "compute_only": limit,
                                         "baseline": asdict(baseline) if baseline else None,
                                         "runs": [asdict(r) for r in runs]}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
