"""The register path alone: the worker's register source asking the SSBTEK simulator, CPU per call.

    .venv/bin/python -m bench.register_path                        # 3 000 applications, 128 in flight, 3 rounds

The source is the one `robot run` makes (`adapters.sources.make_register_source`: SSBTEK v11 composed with
the activity file), the simulator runs in its own process with no latency; the applications' register
requests are built as the worker builds them. This process's CPU during the fetches is the figure: building
questions, HTTP, decoding answers, merging. One SSBTEK call per adult. The simulator's process's CPU (user +
system, from /proc) over the same fetches is reported apart: it shares the benchmarks' machine with the robot.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Iterable
from pathlib import Path

from bench.generate import Generated
from bench.harness import Workspace
from robot.adapters.register_source import RegisterRequest
from robot.adapters.ssbtek.simulator import FaultInjection, ssbtek_simulator
from robot.chain.ruleset import load_ruleset
from robot.formats.application import parse_application

RULES = Path(__file__).resolve().parent.parent / "rules"


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _fetch_all(source, requests: list[RegisterRequest], in_flight: int, pid: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """The thread's and process `pid`'s (the simulator's) CPU seconds to fetch every request, at most
    `in_flight` at once."""
    slots = asyncio.Semaphore(in_flight)

    async def one(request: RegisterRequest) -> None:
        async with slots:
            await source.fetch(request)

    cpu, simulator = time.thread_time(), process_cpu(pid)
    await asyncio.gather(*(one(r) for r in requests))
    return time.thread_time() - cpu, process_cpu(pid) - simulator


def register_requests(generated: Iterable[Generated]) -> list[RegisterRequest]:
    """Each generated application's register request as the worker builds it: its adults, and the authorities
    the shipped rules need for its period."""
    ruleset = load_ruleset(RULES)
    requests = []
    for g in generated:
        app = parse_application(g.raw()).application
        assert app is not None
        adults = tuple(adult.personnummer for _, adult in app.adults())
        requests.append(
            RegisterRequest(app.application_id, app.period, adults, ruleset.required_authorities(app.period))
        )
    return requests


def run(applications: int, rounds: int, in_flight: int) -> None:
    with Workspace.create() as ws:
        requests = register_requests(ws.generate(applications))
        calls = sum(len(r.persons) for r in requests)
        with ssbtek_simulator(ws.register_file, FaultInjection(latency_ms=0), in_subprocess=True) as sim:
            os.environ.update(ws.env(**sim.env))
            from robot.adapters.sources import make_register_source
            from robot.config import load_settings

            assert sim.process is not None
            pid = sim.process.pid

            async def main() -> list[tuple[float, float]]:
                source = make_register_source(load_settings())
                try:
                    await _fetch_all(source, requests[: min(200, len(requests))], in_flight, pid)  # warm-up
                    return [await _fetch_all(source, requests, in_flight, pid) for _ in range(rounds)]
                finally:
                    await source.aclose()

            measured = asyncio.run(main())
    per_app = [s / applications * 1000 for s, _ in measured]
    per_call = [s / calls * 1000 for s, _ in measured]
    simulator = [s / calls * 1000 for _, s in measured]
    print(f"{applications} applications, {calls} SSBTEK calls, {in_flight} in flight, {rounds} rounds")
    print(f"register path CPU: {statistics.median(per_app):.3f} ms per application, "
          f"{statistics.median(per_call):.3f} ms per call (median; rounds per call: "
          f"{', '.join(f'{x:.3f}' for x in per_call)})")  # fmt: skip
    print(f"simulator CPU: {min(simulator):.3f} ms per call (least; rounds: "
          f"{', '.join(f'{x:.3f}' for x in simulator)})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.register_path", description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--in-flight", type=int, default=128)
    args = parser.parse_args()
    run(args.applications, args.rounds, args.in_flight)


if __name__ == "__main__":
    main()
