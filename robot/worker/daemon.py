"""The daemon (`robot run`) and the one-off batch (`robot batch`).

Refuses to start on an unmigrated database or invalid rules. SIGTERM and SIGINT stop claiming;
work in hand is finished and written, or released back to the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
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
from robot.intake.inbox import scan_inbox
from robot.queue import batches, migrate
from robot.queue.outcomes import Outcome
from robot.worker.loop import Worker, WorkerStats
from robot.worker.processing import Processor

log = logs.get("robot.worker.daemon")


class NotReady(Exception):
    """The daemon cannot start; the message says why and what to do."""


def check_schema(engine: Engine) -> None:
    state = migrate.status(engine)
    if not state.up_to_date:
        current = state.current or "empty"
        raise NotReady(
            f"the database schema is not up to date (database: {current}, code: {state.head}); run `robot db upgrade` first"
        )


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
) -> WorkerStats:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, _on_signal, stop, sig)
    processor = Processor(rt.settings, rt.ruleset, rt.source, rt.stickprov, rt.clock)
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
    if schedule:
        scheduler = await _schedule(rt, worker)
    if batch_key:
        batches.start(rt.engine, batch_key, "cli", rt.worker_id, rt.clock)
    try:
        stats = await worker.run(stop, until_idle=until_idle)
    finally:
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
    )
    return stats


def _on_signal(stop: asyncio.Event, sig: signal.Signals) -> None:
    if stop.is_set():
        return
    log.warning("shutdown_requested", signal=sig.name, detail="no new claims; finishing or releasing work in hand")
    stop.set()


async def _watch_inbox(rt: Runtime, worker: Worker, stop: asyncio.Event) -> None:
    interval = rt.settings.intake.scan_interval_seconds
    while not stop.is_set():
        try:
            report = await worker.db(scan_inbox, rt.engine, rt.settings, rt.clock)
            if report.intake.accepted:
                worker.wake.set()
        except Exception as exc:  # the watcher must survive anything a folder can throw at it
            log.error("inbox_scan_failed", error=type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


async def _schedule(rt: Runtime, worker: Worker):  # type: ignore[no-untyped-def]
    from robot.worker.scheduler import current_slot, next_slot, start_scheduler

    async def batch(slot: dt.datetime) -> None:
        key = batches.scheduled_key(slot)
        started = await worker.db(batches.start, rt.engine, key, "schedule", rt.worker_id, rt.clock)
        if not started:
            log.info("batch_already_run", batch=key)
            return
        log.info("batch_started", batch=key)
        worker.wake.set()
        asyncio.get_running_loop().create_task(_finish_when_idle(rt, worker, key))

    scheduler = start_scheduler(rt.settings.schedule, batch)
    slot = current_slot(rt.settings.schedule, rt.clock.now())
    if slot is not None:  # started after today's slot: catch up now (recorded once per slot)
        await batch(slot)
    log.info("batch_schedule", next_batch=str(next_slot(rt.settings.schedule, rt.clock.now())))
    return scheduler


async def _finish_when_idle(rt: Runtime, worker: Worker, key: str) -> None:
    while True:
        await asyncio.sleep(max(1.0, rt.settings.queue.poll_interval_seconds))
        if not await worker.db(worker.anything_due):
            processed = await worker.db(batches.finish, rt.engine, key, rt.clock)
            log.info("batch_finished", batch=key, processed=processed)
            return
