"""Batch schedule with APScheduler 3: by default days 1–5 of each month at 06:00 Europe/Stockholm.

The daemon processes whatever is due all the time; a scheduled batch is the moment applications
for the new month become due (see `queue.hold_until_batch`), and it is recorded once per slot, so
two daemons, a restart or a coalesced misfire never run the same batch twice. A daemon started
after today's slot catches up at once. A batch is recorded finished when nothing is due any more.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine

from robot import logs
from robot.clock import Clock
from robot.config import ScheduleSettings, Settings
from robot.queue import batches

if TYPE_CHECKING:
    from robot.worker.loop import Worker

log = logs.get("robot.daemon")


async def schedule_batches(engine: Engine, settings: Settings, worker: Worker, clock: Clock) -> AsyncIOScheduler:
    """Start the batch schedule for `worker`; catch up on today's slot if the daemon started after it."""

    async def batch(slot: dt.datetime) -> None:
        key = batches.scheduled_key(slot)
        started = await worker.db(batches.start, engine, key, "schedule", worker.worker_id, clock)
        if not started:
            log.info("batch_already_run", batch=key)
            return
        log.info("batch_started", batch=key)
        worker.wake.set()
        asyncio.get_running_loop().create_task(_finish_when_idle(engine, settings, worker, key, clock))

    scheduler = start_scheduler(settings.schedule, batch)
    slot = current_slot(settings.schedule, clock.now())
    if slot is not None:  # started after today's slot: catch up now (recorded once per slot)
        await batch(slot)
    log.info("batch_schedule", next_batch=str(next_slot(settings.schedule, clock.now())))
    return scheduler


async def _finish_when_idle(engine: Engine, settings: Settings, worker: Worker, key: str, clock: Clock) -> None:
    while True:
        await asyncio.sleep(max(1.0, settings.queue.poll_interval_seconds))
        if not await worker.db(worker.anything_due):
            processed = await worker.db(batches.finish, engine, key, clock)
            log.info("batch_finished", batch=key, processed=processed)
            return


def trigger(settings: ScheduleSettings) -> CronTrigger:
    return CronTrigger(
        day=settings.days, hour=settings.hour, minute=settings.minute, timezone=ZoneInfo(settings.timezone)
    )


def start_scheduler(settings: ScheduleSettings, job: Callable[[dt.datetime], Awaitable[None]]) -> AsyncIOScheduler:
    """Start the scheduler on the running asyncio loop; `job` gets the slot it runs for."""
    tz = ZoneInfo(settings.timezone)
    cron = trigger(settings)

    async def run() -> None:
        await job(current_slot(settings, dt.datetime.now(tz)) or dt.datetime.now(tz))

    scheduler = AsyncIOScheduler(timezone=tz)
    scheduler.add_job(
        run,
        cron,
        id="monthly-batch",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=settings.misfire_grace_seconds,
        replace_existing=True,
    )
    scheduler.start()
    return scheduler


def current_slot(settings: ScheduleSettings, now: dt.datetime) -> dt.datetime | None:
    """Today's batch slot if today is a batch day and the slot has passed, else None."""
    tz = ZoneInfo(settings.timezone)
    local = now.astimezone(tz)
    slot = local.replace(hour=settings.hour, minute=settings.minute, second=0, microsecond=0)
    previous = slot - dt.timedelta(days=1)
    fire = trigger(settings).get_next_fire_time(None, previous + dt.timedelta(minutes=1))
    if fire is None or fire != slot or local < slot:
        return None
    return slot


def next_slot(settings: ScheduleSettings, now: dt.datetime) -> dt.datetime | None:
    return trigger(settings).get_next_fire_time(None, now.astimezone(ZoneInfo(settings.timezone)))
