"""What ops ask first: how much is where, and what has waited longest."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, Select, func, select

from robot.clock import SYSTEM, Clock
from robot.queue.batches import latest
from robot.queue.db import read
from robot.queue.schema import applications as A
from robot.queue.schema import manual_items, recommendations
from robot.queue.states import ManualStatus, RecommendationStatus, State


def queue_status(engine: Engine, clock: Clock = SYSTEM) -> dict[str, Any]:
    now = clock.now()
    with read(engine) as conn:
        states = {s.value: 0 for s in State}
        for state, count in conn.execute(select(A.c.state, func.count()).group_by(A.c.state)):
            states[state] = count
        due_new = conn.execute(_due(now)).scalar_one()
        held = conn.execute(
            select(func.count(), func.min(A.c.available_at)).where(A.c.state == State.NEW.value, A.c.available_at > now)
        ).one()
        oldest = conn.execute(
            select(A.c.application_id, A.c.received_at, A.c.state)
            .where(A.c.state.in_([State.NEW.value, State.RETRY_WAIT.value, State.IN_PROGRESS.value]))
            .order_by(A.c.received_at, A.c.id)
            .limit(1)
        ).first()
        manual = {s.value: 0 for s in ManualStatus}
        for status, count in conn.execute(select(manual_items.c.status, func.count()).group_by(manual_items.c.status)):
            manual[status] = count
        overdue = conn.execute(
            select(func.count()).where(
                manual_items.c.status != ManualStatus.RESOLVED.value, manual_items.c.deadline < now
            )
        ).scalar_one()
        recs = {s.value: 0 for s in RecommendationStatus}
        for status, count in conn.execute(
            select(recommendations.c.status, func.count()).group_by(recommendations.c.status)
        ):
            recs[status] = count
    last = latest(engine)
    return {
        "at": now.isoformat(timespec="seconds"),
        "applications": sum(states.values()),
        "states": states,
        "due_now": due_new,
        "held_for_batch": {"count": held[0], "from": _iso(held[1])},
        "oldest_waiting": None
        if oldest is None
        else {
            "application_id": oldest.application_id,
            "state": oldest.state,
            "received_at": _iso(oldest.received_at),
            "waiting_minutes": int((now - oldest.received_at).total_seconds() // 60),
        },
        "manual_queue": {
            "open": manual["open"],
            "claimed": manual["claimed"],
            "resolved": manual["resolved"],
            "size": manual["open"] + manual["claimed"],
            "overdue": overdue,
        },
        "recommendations": recs,
        "last_batch": None
        if last is None
        else {k: _iso(v) if isinstance(v, dt.datetime) else v for k, v in last.items()},
    }


def due_now(engine: Engine, clock: Clock = SYSTEM) -> int:
    """How many applications are due now (`queue_status`'s `due_now`): what a run starts with, in one query."""
    with read(engine) as conn:
        return conn.execute(_due(clock.now())).scalar_one()


def _due(now: dt.datetime) -> Select[tuple[int]]:
    return select(func.count()).where(A.c.state == State.NEW.value, A.c.available_at <= now)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None
