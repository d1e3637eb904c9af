"""Storing new applications, idempotently: the same application_id again is one application.

Intake (`robot/intake/`) reads and prepares the documents; this module only writes them. An id
already stored is not stored again: with the same content it is a duplicate, with different
content a conflict (the first one stands); both are recorded in the event log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from robot.queue.events import event_row, record
from robot.queue.schema import applications
from robot.queue.states import State


@dataclass(frozen=True)
class NewApplication:
    """One application as intake prepared it: the document, where it came from, and when it is due."""

    application_id: str
    raw: bytes
    raw_sha256: str
    source: str
    """Where it came from (`inbox:<file>`, `enqueue:<file>`); no personal data."""
    received_at: dt.datetime
    submitted_at: dt.datetime
    period: str | None
    channel: str | None
    district: str | None
    available_at: dt.datetime
    deadline: dt.datetime
    cutoff: dt.datetime


@dataclass
class Added:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    """Already in the queue with the same content: reported and ignored."""
    conflicts: list[str] = field(default_factory=list)
    """Already in the queue with different content: reported and ignored; the first one stands."""

    def merge(self, other: Added) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.conflicts += other.conflicts


def add(engine: Engine, new: list[NewApplication], actor: str, now: dt.datetime) -> Added:
    """Store the applications in one transaction, each as NEW unless its id is already stored."""
    rows = []
    seen: dict[str, str] = {}
    report = Added()
    for app in new:
        digest = seen.get(app.application_id)
        if digest is not None:
            (report.duplicates if digest == app.raw_sha256 else report.conflicts).append(app.application_id)
            continue
        seen[app.application_id] = app.raw_sha256
        rows.append(
            {**asdict(app), "state": State.NEW.value, "attempts": 0, "waits": 0, "fencing_token": 0, "updated_at": now}
        )
    if not rows:
        return report
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(applications)
        .on_conflict_do_nothing(index_elements=["application_id"])
        .returning(applications.c.id, applications.c.application_id)
    )
    with engine.begin() as conn:
        inserted = {r.application_id: r.id for r in conn.execute(statement, rows)}
        existing_ids = [r["application_id"] for r in rows if r["application_id"] not in inserted]
        existing = {}
        if existing_ids:
            found = conn.execute(
                select(applications.c.application_id, applications.c.id, applications.c.raw_sha256).where(
                    applications.c.application_id.in_(existing_ids)
                )
            )
            existing = {r.application_id: r for r in found}
        events = []
        for row in rows:
            app_id = row["application_id"]
            if app_id in inserted:
                report.accepted.append(app_id)
                events.append(
                    event_row(now, "enqueued", actor, inserted[app_id], None, State.NEW, source=row["source"])
                )
                continue
            prior = existing[app_id]
            same = prior.raw_sha256 == row["raw_sha256"]
            (report.duplicates if same else report.conflicts).append(app_id)
            events.append(
                event_row(
                    now, "duplicate_ignored" if same else "conflict_ignored", actor, prior.id, source=row["source"]
                )
            )
        record(conn, events)
    return report
