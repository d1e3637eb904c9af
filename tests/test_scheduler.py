"""The monthly batch schedule: slots, catch-up after a late start, and a batch that runs only once."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from robot.adapters.register_source import FileRegisterSource
from robot.chain.stickprov import StickprovInput
from robot.clock import FixedClock
from robot.config import ScheduleSettings
from robot.daemon import Runtime, run_worker
from robot.queue import batches
from robot.queue.schema import batch_runs
from robot.scheduler import current_slot, next_slot
from tests.builders import application
from tests.queue_helpers import put, states

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.mark.parametrize(
    ("local", "slot"),
    [
        (dt.datetime(2026, 12, 1, 7, 0), dt.datetime(2026, 12, 1, 6, 0)),
        (dt.datetime(2026, 12, 5, 23, 59), dt.datetime(2026, 12, 5, 6, 0)),
        (dt.datetime(2026, 12, 1, 5, 59), None),
        (dt.datetime(2026, 12, 6, 7, 0), None),
        (dt.datetime(2026, 11, 23, 12, 0), None),
    ],
)
def test_todays_slot_exists_only_on_batch_days_after_the_batch_time(local, slot):
    found = current_slot(ScheduleSettings(), local.replace(tzinfo=STOCKHOLM))
    assert found == (slot.replace(tzinfo=STOCKHOLM) if slot else None)


def test_the_next_batch_follows_the_configured_days_and_time():
    settings = ScheduleSettings(days="1-3", hour=5, minute=30)
    after_the_last = dt.datetime(2026, 12, 3, 6, 0, tzinfo=STOCKHOLM)
    assert next_slot(settings, after_the_last) == dt.datetime(2027, 1, 1, 5, 30, tzinfo=STOCKHOLM)


def test_a_batch_slot_is_recorded_once(engine):
    key = batches.scheduled_key(dt.datetime(2026, 12, 1, 6, 0, tzinfo=STOCKHOLM))
    assert batches.start(engine, key, "schedule", "w1")
    assert not batches.start(engine, key, "schedule", "w2"), "a second daemon does not run the same batch"


def test_a_daemon_started_late_on_a_batch_day_catches_up_once(engine, settings, ruleset, tmp_path):
    import json

    from tests.builders import register

    reg = tmp_path / "register.json"
    reg.write_text(json.dumps(register()), encoding="utf-8")
    settings.queue.hold_until_batch = True
    clock = FixedClock(dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC))
    put(engine, settings, clock, application())
    clock.at = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)  # 09:00 in Stockholm, after the 06:00 slot

    def runtime() -> Runtime:
        return Runtime(engine, settings, ruleset, FileRegisterSource(reg), StickprovInput(rate_override=0.0), "w", clock)

    for _ in range(2):  # a restart later the same day
        asyncio.run(run_worker(runtime(), until_idle=True, watch_inbox=False, schedule=True))
    assert states(engine) == {"TEST-2026-12-000001": "DONE"}
    with engine.connect() as conn:
        runs = conn.execute(select(batch_runs.c.key, batch_runs.c.trigger)).all()
    assert runs == [("scheduled:2026-12-01T06:00+01:00", "schedule")]
