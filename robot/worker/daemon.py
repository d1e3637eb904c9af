"""The daemon (`robot run`) and the one-off batch (`robot batch`): the worker with its companions.

Starts the worker loop, the inbox watcher, the batch schedule and the outbox deliverer (decision
records to the case system), and stops them together.
SIGTERM and SIGINT stop claiming; work in hand is finished and written, or released back to the
queue. (The CLI refuses to start it on an unmigrated database or invalid rules.)

A companion's modules are imported when it starts (the case system's adapters, the scheduler, the
inbox's intake, the HTTP endpoint's server): a worker that runs without one does not load them.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from robot import logs
from robot.adapters.register_source import RegisterSource
from robot.chain.ruleset import Ruleset
from robot.chain.stickprov import StickprovInput
from robot.clock import SYSTEM, Clock
from robot.config import Settings
from robot.observability.server import serving
from robot.outbox.deliverer import Deliverer
from robot.outbox.recipient import target_for
from robot.queue import batches
from robot.queue.outcomes import Outcome
from robot.worker.loop import Worker
from robot.worker.processing import Processor, household_from_verdicts
from robot.worker.retry import RetryPolicy
from robot.worker.stats import WorkerStats

log = logs.get("robot.daemon")


@dataclass
class Runtime:
    engine: Engine
    settings: Settings
    ruleset: Ruleset
    source: RegisterSource
    stickprov: StickprovInput
    worker_id: str
    clock: Clock = SYSTEM


async def run_worker(
    rt: Runtime,
    *,
    until_idle: bool,
    watch_inbox: bool,
    schedule: bool,
    batch_key: str | None = None,
    on_written: Callable[[Outcome], None] | None = None,
    stop: asyncio.Event | None = None,
    serve_http: bool = False,
    deliver: bool = True,
) -> WorkerStats:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, _on_signal, stop, sig)
    processor = Processor(
        RetryPolicy.from_settings(rt.settings.queue), rt.ruleset, rt.source, rt.stickprov, rt.clock,
        household_from_verdicts(rt.engine),
    )  # fmt: skip
    worker = Worker(rt.engine, rt.settings, processor, rt.worker_id, rt.clock, on_written)
    background: list[asyncio.Task[None]] = []
    scheduler = None
    log.info(
        "worker_started",
        worker_id=rt.worker_id,
        ruleset=rt.ruleset.identifier,
        register_source=rt.source.name,
        database=rt.engine.dialect.name,
        mode="until_idle" if until_idle else "continuous",
    )
    if watch_inbox:
        background.append(asyncio.create_task(_watch_inbox(rt, worker, stop)))
        if rt.settings.casesystem:
            background.append(asyncio.create_task(_watch_casesystem(rt, worker, stop)))
    deliverer_stop = asyncio.Event()
    delivering = asyncio.create_task(_deliver_decisions(rt, deliverer_stop)) if deliver else None
    if schedule:
        from robot.worker.scheduler import schedule_batches

        scheduler = await schedule_batches(rt.engine, rt.settings, worker, rt.clock)
    if batch_key:
        batches.start(rt.engine, batch_key, "cli", rt.worker_id, rt.clock)
    try:
        # /metrics, /healthz, /readyz on ROBOT_HTTP_HOST:ROBOT_HTTP_PORT while the daemon runs (robot run)
        async with serving(rt.engine, rt.settings, rt.clock) if serve_http else contextlib.nullcontext():
            stats = await worker.run(stop, until_idle=until_idle)
    finally:
        if delivering is not None:
            deliverer_stop.set()  # the record in hand is finished and marked, then it stops
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(delivering, timeout=rt.settings.output.lease_seconds / 2)
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        await rt.source.aclose()
    if batch_key:
        batches.finish(rt.engine, batch_key, rt.clock)
    log.info(
        "worker_stopped",
        worker_id=rt.worker_id,
        processed=stats.processed,
        recommendations=stats.recommendations,
        manual=stats.manual,
        retry_wait=stats.retry_wait,
        technical_failures=stats.technical_failures,
        released=stats.released,
        cpu_seconds={stage: round(s, 3) for stage, s in stats.cpu_seconds.items()},
    )
    return stats


async def _watch_casesystem(rt: Runtime, worker: Worker, stop: asyncio.Event) -> None:
    """Poll the case system for new errands (ROBOT_CASESYSTEM) every `poll_interval_seconds`."""
    from robot.intake.casesystem import poll_casesystem

    while not stop.is_set():
        try:
            report = await poll_casesystem(rt.engine, rt.settings, rt.clock)
            if report.queued:
                worker.wake.set()
        except Exception as exc:  # the case system may be away; the next poll tries again
            log.error("casesystem_poll_failed", error=type(exc).__name__, detail=str(exc)[:200])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=rt.settings.caremanagement.poll_interval_seconds)


async def deliver_remaining(rt: Runtime) -> None:
    """One more delivery pass after a batch, so that its verdicts reach the case system before it exits."""
    target = target_for(rt.settings)
    if target is None:
        return
    try:
        await Deliverer(rt.engine, rt.settings.output, target, rt.worker_id, rt.clock).deliver_pending()
    finally:
        await target.aclose()


async def _deliver_decisions(rt: Runtime, stop: asyncio.Event) -> None:
    target = target_for(rt.settings)
    try:
        await Deliverer(rt.engine, rt.settings.output, target, rt.worker_id, rt.clock).run(stop)
    finally:
        if target is not None:
            await target.aclose()


def _on_signal(stop: asyncio.Event, sig: signal.Signals) -> None:
    if stop.is_set():
        return
    log.warning("shutdown_requested", signal=sig.name, detail="no new claims; finishing or releasing work in hand")
    stop.set()


async def _watch_inbox(rt: Runtime, worker: Worker, stop: asyncio.Event) -> None:
    from robot.intake.inbox import scan_inbox

    interval = rt.settings.intake.scan_interval_seconds
    while not stop.is_set():
        try:
            report = await worker.db(scan_inbox, rt.engine, rt.settings, rt.clock)
            if report.queued:
                worker.wake.set()
        except Exception as exc:  # the watcher must survive anything a folder can throw at it
            log.error("inbox_scan_failed", error=type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
