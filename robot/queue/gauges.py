"""What the metrics read at each scrape besides `status.queue_status`: the outbox's backlog.

The outbox (issue 12) is built in parallel; until its table is here this reads zeros. It expects a
table `outbox` whose undelivered records have `delivered_at` NULL and whose `created_at` is when the
record was written; the one function below is the only place that knows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, MetaData, Table, func, inspect, select

from robot.clock import SYSTEM, Clock
from robot.queue.db import read

OUTBOX_TABLE = "outbox"


@dataclass(frozen=True)
class OutboxBacklog:
    pending: int
    oldest_age_seconds: float
    """How long the oldest undelivered record has waited; 0 when none waits."""


def outbox_backlog(engine: Engine, clock: Clock = SYSTEM) -> OutboxBacklog:
    """Records not yet delivered and the age of the oldest; zeros when the database has no outbox (yet)."""
    with read(engine) as conn:
        if not inspect(conn).has_table(OUTBOX_TABLE):
            return OutboxBacklog(0, 0.0)
        table = Table(OUTBOX_TABLE, MetaData(), autoload_with=conn)
        if not {"delivered_at", "created_at"} <= set(table.c.keys()):
            return OutboxBacklog(0, 0.0)
        pending, oldest = conn.execute(
            select(func.count(), func.min(table.c.created_at)).where(table.c.delivered_at.is_(None))
        ).one()
    if oldest is None:
        return OutboxBacklog(pending, 0.0)
    if oldest.tzinfo is None:  # SQLite keeps no time zone; the robot writes UTC
        oldest = oldest.replace(tzinfo=dt.UTC)
    return OutboxBacklog(pending, max(0.0, (clock.now() - oldest).total_seconds()))
