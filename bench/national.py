"""National scale: a million applications through several workers on PostgreSQL, then the month's report.

    # the full run (about 1.5 GB of files in the workspace; run it on an idle machine):
    .venv/bin/python -m bench.national --applications 1000000 --workers 4 --latency-ms 50 \\
        --database postgresql://postgres@127.0.0.1:5432/postgres
    # a proof of the same on 20 000:
    .venv/bin/python -m bench.national --applications 20000 --workers 4 --latency-ms 50 \\
        --database postgresql://postgres@127.0.0.1:5432/postgres

The applications come from `--households` distinct generated households (their register stays the
size of a large municipality's, so the simulator holds it in memory), each sent again under other
municipalities' application ids: 1 000 000 applications are 50 municipalities × 20 000 households.
The pipeline is `bench.pipeline`'s: `robot enqueue` (intake) while the workers claim, ask the SSBTEK
simulator at the given latency, run the chain and store the verdicts. Then `robot report` for the
month, its time and peak memory. Prints applications per hour, the peak memory of every process,
where the CPU goes per application, and the pipeline's share of the compute-only limit.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench.generate import Generator
from bench.harness import PERIOD, Workspace, machine, wait_with_rusage
from bench.pipeline import compute_only, fresh_database, run_pipeline

FOLDER = 10_000
"""Application files per sub-folder of the workspace."""


def write_applications(ws: Workspace, n: int, households: int) -> list:
    """n application files from `households` distinct ones (ids per municipality); returns the households."""
    generator = Generator(PERIOD, seed=1)
    distinct = list(generator.applications(min(n, households), "H"))
    ws.register_file.write_text(json.dumps(generator.register, ensure_ascii=False), encoding="utf-8")
    for i in range(n):
        municipality, household = divmod(i, len(distinct))
        document = dict(distinct[household].document)
        document["application_id"] = f"K{municipality:03d}-{PERIOD}-{household:06d}"
        folder = ws.apps_dir / f"{i // FOLDER:04d}"
        if i % FOLDER == 0:
            folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{document['application_id']}.json").write_bytes(json.dumps(document, ensure_ascii=False).encode())
    return distinct


def report_run(ws: Workspace) -> dict[str, float]:
    """`robot report` for the month in its own process: seconds and peak memory."""
    started = time.perf_counter()
    proc = ws.spawn("report", "--month", PERIOD, "--out", str(ws.root / "report"), log=ws.root / "report.log")
    usage = wait_with_rusage(proc)
    if usage.code:
        raise SystemExit(f"robot report failed ({usage.code}); see {ws.root / 'report.log'}")
    return {"seconds": round(time.perf_counter() - started, 1), "peak_rss_mb": round(usage.peak_rss / 2**20, 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.national", description=__doc__.split("\n")[0])
    parser.add_argument("--applications", type=int, default=20_000)
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=128, help="applications in flight per worker")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (a fresh database on that server)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the workspace (files, logs) for inspection")
    args = parser.parse_args(argv)
    n = args.applications

    with Workspace.create(keep=args.keep) as ws:
        print(f"machine: {machine()}\nworkspace: {ws.root}")
        t = time.perf_counter()
        households = write_applications(ws, n, args.households)
        print(f"wrote {n} applications ({len(households)} distinct households) in {time.perf_counter() - t:.0f} s")
        limit = compute_only(households, ws.register_file)
        # The database outlives the pipeline run for the report: the run below gets it, and drops it at the end.
        url, drop = fresh_database(args.database)
        try:
            result = run_pipeline(ws, "national", n, args.latency_ms, args.workers, args.concurrency, url,
                                  ws.apps_dir, poll_seconds=2.0, keep_database=True)  # fmt: skip
            report = report_run(ws)
        finally:
            drop()

    share = 100 * result.per_second / limit["per_second"]
    cpu = {
        "workers (claim, SSBTEK client, chain, commit)": result.worker_cpu_ms_per_application,
        "SSBTEK simulator (stands in for SSBTEK)": result.simulator_cpu_ms_per_application,
        "intake (robot enqueue)": result.intake_cpu_ms_per_application,
        "everything else on the machine (the database server, …)": round(
            result.machine_busy_cpu_ms_per_application
            - result.worker_cpu_ms_per_application
            - result.simulator_cpu_ms_per_application
            - result.intake_cpu_ms_per_application,
            2,
        ),
    }
    print()
    print(f"{n} applications, {args.workers} workers × {args.concurrency} in flight, SSBTEK simulator at "
          f"{args.latency_ms:g} ms, {'PostgreSQL' if args.database else 'SQLite'}")  # fmt: skip
    print(f"  total {result.seconds:.0f} s: {result.per_second:.0f} applications/s = "
          f"{3600 * result.per_second:,.0f} applications/hour".replace(",", " "))  # fmt: skip
    print(f"  processing time p50 / p95 / max: {result.p50_ms:.0f} / {result.p95_ms:.0f} / {result.max_ms:.0f} ms;"
          f" exactly one verdict each: {result.exactly_one_verdict}")  # fmt: skip
    print(f"  compute-only limit (the chain alone, one process): {limit['per_second']:.0f}/s; the pipeline "
          f"reaches {share:.0f} % of it")  # fmt: skip
    print("  peak RSS per process (MB): intake " + f"{result.peak_rss_mb_intake}, workers "
          + ", ".join(str(r) for r in result.peak_rss_mb_workers) + f", simulator {result.peak_rss_mb_simulator}")
    print(f"  CPU per application (ms), {result.machine_busy_cpu_ms_per_application} in all:")
    for what, ms in cpu.items():
        print(f"    {ms:>6.2f}  {what}")
    print(f"  monthly report ({n} applications): {report['seconds']} s, peak RSS {report['peak_rss_mb']} MB")
    print(f"  outcomes: {json.dumps(result.outcomes)}")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "compute_only": limit, "pipeline": result.__dict__,
                                         "cpu_ms_per_application": cpu, "report": report}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
