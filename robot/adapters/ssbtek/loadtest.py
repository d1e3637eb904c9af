"""Load test: the SOAP adapter against the simulator, as the robot would use them.

    .venv/bin/python -m robot.adapters.ssbtek.loadtest --latency-ms 50 --concurrency 64 --applications 5000

The simulator runs in a subprocess (its own core); applications are fetched through
`SoapRegisterSource` with `--concurrency` applications in flight, 30 % of them with two adults
(about 1.3 calls per application). Prints calls/s, applications/s, latency percentiles and the CPU
each side spent per call, as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import time
from pathlib import Path

import structlog

from robot.adapters.register_source import RegisterRequest
from robot.adapters.ssbtek.client import SoapRegisterSource
from robot.adapters.ssbtek.simulator import FaultInjection, load_register, ssbtek_simulator
from robot.config import Settings

DEFAULT_REGISTER = Path(__file__).resolve().parents[3] / "samples" / "register.json"


def _process_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _run(url: str, persons: list[str], applications: int, concurrency: int, two_adult_share: float) -> dict:
    settings = Settings(ssbtek={"url": url, "concurrency": max(concurrency * 2, 1)})
    source = SoapRegisterSource(settings)
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    calls = 0

    async def application(i: int) -> None:
        nonlocal calls
        adults = (persons[i % len(persons)],)
        if (i * 7919 % 100) < two_adult_share * 100:
            adults += (persons[(i + 1) % len(persons)],)
        async with gate:
            started = time.perf_counter()
            await source.fetch(RegisterRequest(f"LOAD-{i}", "2026-12", adults, frozenset()))
            latencies.append(time.perf_counter() - started)
            calls += len(set(adults))

    try:
        await asyncio.gather(*(application(i) for i in range(min(200, applications))))  # warm up
        latencies.clear()
        calls = 0
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(application(i) for i in range(applications)))
        return {
            "wall": time.perf_counter() - wall,
            "client_cpu": time.process_time() - cpu,
            "calls": calls,
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": statistics.quantiles(latencies, n=100)[98] * 1000 if len(latencies) > 1 else 0.0,
        }
    finally:
        await source.aclose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m robot.adapters.ssbtek.loadtest", description=__doc__)
    parser.add_argument("--register", type=Path, default=DEFAULT_REGISTER)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=64, help="applications in flight")
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--two-adult-share", type=float, default=0.3)
    args = parser.parse_args(argv)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))

    register = load_register(args.register)
    persons = sorted(register.persons)
    with ssbtek_simulator(register, FaultInjection(latency_ms=args.latency_ms), in_subprocess=True) as sim:
        assert sim.process is not None
        sim_cpu = _process_cpu_seconds(sim.process.pid)
        result = asyncio.run(_run(sim.url, persons, args.applications, args.concurrency, args.two_adult_share))
        sim_cpu = _process_cpu_seconds(sim.process.pid) - sim_cpu
    wall, calls = result["wall"], result["calls"]
    report = {
        "latency_ms": args.latency_ms,
        "concurrency": args.concurrency,
        "applications": args.applications,
        "calls": calls,
        "applications_per_s": round(args.applications / wall, 1),
        "calls_per_s": round(calls / wall, 1),
        "fetch_p50_ms": round(result["p50_ms"], 1),
        "fetch_p99_ms": round(result["p99_ms"], 1),
        "adapter_cpu_ms_per_call": round(result["client_cpu"] / calls * 1000, 3),
        "simulator_cpu_ms_per_call": round(sim_cpu / calls * 1000, 3),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
