"""What the metrics read at each scrape besides `status.queue_status`: the outbox's backlog.

The outbox (issue 12) is built in parallel: its records are `decisions` (`decided_at`) and their state
`decision_deliveries` (`status` "pending" until delivered). Until those tables are in this database the
backlog reads zeros; this one function is the only place the metrics know them by name (once the
outbox is merged, it can read the outbox's own summary instead).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, MetaData, Table, func, inspect, select

from robot.clock import SYSTEM, Clock
from robot.queue.db import read

RECORDS, DELIVERIES, PENDING = "decisions", "decision_deliveries", "pending"


@dataclass(frozen=True)
class OutboxBacklog:
    pending: int
    oldest_age_seconds: float
    """How long the oldest undelivered record has waited since the decision; 0 when none waits."""


def outbox_backlog(engine: Engine, clock: Clock = SYSTEM) -> OutboxBacklog:
    """Records not yet delivered and the age of the oldest; zeros when the database has no outbox (yet)."""
    with read(engine) as conn:
        present = inspect(conn)
        if not (present.has_table(RECORDS) and present.has_table(DELIVERIES)):
            return OutboxBacklog(0, 0.0)
        meta = MetaData()
        records, deliveries = (Table(name, meta, autoload_with=conn) for name in (RECORDS, DELIVERIES))
        pending, oldest = conn.execute(
            select(func.count(), func.min(records.c.decided_at))
            .select_from(deliveries.join(records, records.c.id == deliveries.c.decision_pk))
            .where(deliveries.c.status == PENDING)
        ).one()
    if oldest is None:
        return OutboxBacklog(pending, 0.0)
    if oldest.tzinfo is None:  # SQLite keeps no time zone; the robot writes UTC
        oldest = oldest.replace(tzinfo=dt.UTC)
    return OutboxBacklog(pending, max(0.0, (clock.now() - oldest).total_seconds()))
