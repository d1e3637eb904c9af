"""The register path alone: the worker's register source asking the SSBTEK simulator, CPU per call.

    .venv/bin/python -m bench.register_path                        # 3 000 applications, 128 in flight, 3 rounds

The source is the one `robot run` makes (`adapters.sources.make_register_source`: SSBTEK v11 composed with
the activity file), the simulator runs in its own process with no latency; the applications' register
requests are built as the worker builds them. Only this process's CPU during the fetches is counted (the
simulator's is not): building questions, HTTP, decoding answers, merging. One SSBTEK call per adult.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from pathlib import Path

from bench.harness import Workspace
from robot.adapters.register_source import RegisterRequest
from robot.adapters.ssbtek.simulator import FaultInjection, ssbtek_simulator
from robot.chain.ruleset import load_ruleset
from robot.formats.application import parse_application

RULES = Path(__file__).resolve().parent.parent / "rules"


async def _fetch_all(source, requests: list[RegisterRequest], in_flight: int) -> float:  # type: ignore[no-untyped-def]
    """The thread's CPU seconds to fetch every request, at most `in_flight` at once."""
    slots = asyncio.Semaphore(in_flight)

    async def one(request: RegisterRequest) -> None:
        async with slots:
            await source.fetch(request)

    cpu = time.thread_time()
    await asyncio.gather(*(one(r) for r in requests))
    return time.thread_time() - cpu


def run(applications: int, rounds: int, in_flight: int) -> None:
    with Workspace.create() as ws:
        generated = ws.generate(applications)
        ruleset = load_ruleset(RULES)
        requests = []
        for g in generated:
            app = parse_application(g.raw()).application
            assert app is not None
            adults = tuple(adult.personnummer for _, adult in app.adults())
            requests.append(
                RegisterRequest(app.application_id, app.period, adults, ruleset.required_authorities(app.period))
            )
        calls = sum(len(r.persons) for r in requests)
        with ssbtek_simulator(ws.register_file, FaultInjection(latency_ms=0), in_subprocess=True) as sim:
            os.environ.update(ws.env(**sim.env))
            from robot.adapters.sources import make_register_source
            from robot.config import load_settings

            async def main() -> list[float]:
                source = make_register_source(load_settings())
                try:
                    await _fetch_all(source, requests[: min(200, len(requests))], in_flight)  # warm-up
                    return [await _fetch_all(source, requests, in_flight) for _ in range(rounds)]
                finally:
                    await source.aclose()

            seconds = asyncio.run(main())
    per_app = [s / applications * 1000 for s in seconds]
    per_call = [s / calls * 1000 for s in seconds]
    print(f"{applications} applications, {calls} SSBTEK calls, {in_flight} in flight, {rounds} rounds")
    print(f"register path CPU: {statistics.median(per_app):.3f} ms per application, "
          f"{statistics.median(per_call):.3f} ms per call (median; rounds per call: "
          f"{', '.join(f'{x:.3f}' for x in per_call)})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.register_path", description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--in-flight", type=int, default=128)
    args = parser.parse_args()
    run(args.applications, args.rounds, args.in_flight)


if __name__ == "__main__":
    main()
