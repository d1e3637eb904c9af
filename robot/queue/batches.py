"""Batch runs: one row per scheduled (or manual) batch, so that a batch run twice does nothing twice."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, func, select, update

from robot.clock import SYSTEM, Clock
from robot.queue.db import insert_on_conflict
from robot.queue.schema import batch_runs, events


def start(engine: Engine, key: str, trigger: str, worker_id: str, clock: Clock = SYSTEM) -> bool:
    """Record that batch `key` starts; False if it already ran or runs (on this or another worker)."""
    statement = (
        insert_on_conflict(engine.dialect.name, batch_runs)
        .values(key=key, trigger=trigger, started_at=clock.now(), worker_id=worker_id)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(batch_runs.c.key)
    )
    with engine.begin() as conn:
        return conn.execute(statement).first() is not None


def finish(engine: Engine, key: str, clock: Clock = SYSTEM) -> int:
    """Mark batch `key` finished with the number of applications processed since it started."""
    now = clock.now()
    with engine.begin() as conn:
        started = conn.execute(select(batch_runs.c.started_at).where(batch_runs.c.key == key)).scalar_one()
        processed = conn.execute(
            select(func.count()).select_from(events).where(events.c.kind == "processed", events.c.at >= started)
        ).scalar_one()
        conn.execute(update(batch_runs).where(batch_runs.c.key == key).values(finished_at=now, processed=processed))
    return processed


def latest(engine: Engine) -> dict[str, object] | None:
    with engine.connect() as conn:
        row = conn.execute(select(batch_runs).order_by(batch_runs.c.started_at.desc()).limit(1)).first()
    return dict(row._mapping) if row else None


def scheduled_key(slot: dt.datetime) -> str:
    """The key of a scheduled batch: its slot in local time, e.g. 2026-12-01T06:00+01:00."""
    return "scheduled:" + slot.isoformat(timespec="minutes")
