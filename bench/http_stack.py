"""The register clients' HTTP stacks side by side: applications/s and CPU per call at 0 and 50 ms latency.

    .venv/bin/python -m bench.http_stack                          # 3 rounds of 3 000 applications per stack and latency
    .venv/bin/python -m bench.http_stack --applications 5000 --rounds 5 --concurrency 64

Every stack serves the same `SoapRegisterSource` (the SOAP question and the parsing of the answer
are the same), against the SSBTEK simulator in its own process, with `--concurrency` applications in
flight, 30 % of them with two adults:

    handwritten    the hand-written HTTP/1.1 transport used until now (bench/reference/), the baseline
    aiohttp        robot.adapters.http.ServiceHttp, the robot's stack now
    httpx-httpcore httpx's own transport (httpcore) with limits tuned to the concurrency
    httpx-aiohttp  httpx over aiohttp's transport (only when the httpx-aiohttp package is installed)

Stacks take turns within each round, so a busy machine slows all of them alike; the table shows each
one's median over the rounds. CPU per call is this process's CPU (the client side) over the calls.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx
import structlog

from robot.adapters.http import Answer, Exchange
from robot.adapters.register_source import RegisterRequest
from robot.adapters.ssbtek.client import SoapRegisterSource
from robot.adapters.ssbtek.simulator import FaultInjection, load_register, ssbtek_simulator
from robot.config import Settings

REGISTER = Path(__file__).resolve().parent.parent / "samples" / "register.json"
BASELINE = "handwritten"


class HttpxExchange:
    """An httpx transport as an `Exchange`: at most `concurrency` calls at once, the whole answer read."""

    def __init__(self, transport: httpx.AsyncBaseTransport, concurrency: int, timeout: float = 20.0):
        self.transport = transport
        self.slots = asyncio.Semaphore(concurrency)
        self.timeout = httpx.Timeout(timeout).as_dict()

    async def post(self, url: str, headers: Mapping[str, str], body: bytes) -> Answer:
        async with self.slots:
            request = httpx.Request("POST", url, headers=headers, content=body)
            request.extensions["timeout"] = self.timeout
            response = await self.transport.handle_async_request(request)
            return Answer(response.status_code, await response.aread())

    async def aclose(self) -> None:
        await self.transport.aclose()


def stacks(concurrency: int) -> dict[str, Callable[[], Exchange | None]]:
    """Each stack's exchange factory; None means the robot's own (aiohttp)."""
    from bench.reference.handwritten_transport import KeepAliveTransport

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=10)
    found: dict[str, Callable[[], Exchange | None]] = {
        BASELINE: lambda: HttpxExchange(KeepAliveTransport(max_idle_connections=concurrency), concurrency),
        "aiohttp": lambda: None,
        "httpx-httpcore": lambda: HttpxExchange(httpx.AsyncHTTPTransport(limits=limits), concurrency),
    }
    try:
        from httpx_aiohttp import AiohttpTransport

        found["httpx-aiohttp"] = lambda: HttpxExchange(AiohttpTransport(limits=limits), concurrency)
    except ImportError:
        pass
    return found


async def measure(url: str, exchange: Exchange | None, persons: list[str], n: int, concurrency: int) -> dict:
    source = SoapRegisterSource(Settings(ssbtek={"url": url, "concurrency": concurrency}), exchange=exchange)
    gate = asyncio.Semaphore(concurrency)
    calls = 0

    async def application(i: int) -> None:
        nonlocal calls
        adults = (persons[i % len(persons)],)
        if i * 7919 % 100 < 30:
            adults += (persons[(i + 1) % len(persons)],)
        async with gate:
            await source.fetch(RegisterRequest(f"BENCH-{i}", "2026-12", adults, frozenset()))
        calls += len(set(adults))

    try:
        await asyncio.gather(*(application(i) for i in range(min(300, n))))  # warm up: connections, caches
        calls = 0
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(application(i) for i in range(n)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        await source.aclose()
    return {"applications_per_s": n / wall, "calls_per_s": calls / wall, "cpu_ms_per_call": 1000 * cpu / calls}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.http_stack", description=__doc__.split("\n")[0])
    parser.add_argument("--applications", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=64, help="applications in flight")
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[0.0, 50.0])
    args = parser.parse_args(argv)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    register = load_register(REGISTER)
    persons = sorted(register.persons)
    factories = stacks(args.concurrency)
    print(f"{os.cpu_count()} cores; {args.applications} applications × {args.rounds} rounds per stack and latency, "
          f"{args.concurrency} in flight; simulator in its own process")  # fmt: skip
    rows = []
    for latency in args.latency_ms:
        results: dict[str, list[dict]] = {name: [] for name in factories}
        with ssbtek_simulator(register, FaultInjection(latency_ms=latency), in_subprocess=True) as sim:
            for _ in range(args.rounds):
                for name, factory in factories.items():
                    results[name].append(
                        asyncio.run(measure(sim.url, factory(), persons, args.applications, args.concurrency))
                    )
        base = statistics.median(r["applications_per_s"] for r in results[BASELINE])
        for name, runs in results.items():
            rate = statistics.median(r["applications_per_s"] for r in runs)
            cpu = statistics.median(r["cpu_ms_per_call"] for r in runs)
            calls = statistics.median(r["calls_per_s"] for r in runs)
            rows.append((latency, name, rate, calls, cpu, 100 * rate / base))
    print()
    header = f"{'latency':>8}  {'stack':<15}{'apps/s':>9}{'calls/s':>9}{'CPU ms/call':>13}{'vs ' + BASELINE:>16}"
    print(header)
    print("-" * len(header))
    for latency, name, rate, calls, cpu, share in rows:
        print(f"{latency:>6g} ms  {name:<15}{rate:>9.0f}{calls:>9.0f}{cpu:>13.2f}{share:>15.0f}%")


if __name__ == "__main__":
    main()
