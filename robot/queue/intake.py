"""Putting applications into the queue, idempotently: the same application_id again is one application."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from robot.clock import SYSTEM, Clock
from robot.config import Settings
from robot.formats.application import application_id_of, load_json_object, printable
from robot.formats.period import is_month
from robot.intake.deadlines import deadlines_for
from robot.queue.events import event_row, record
from robot.queue.schema import applications
from robot.queue.states import State

INSERT_CHUNK = 500


@dataclass(frozen=True)
class Document:
    """One document to enqueue: its bytes and where it came from (no personal data in `source`).

    `parsed` is the JSON object when the reader already parsed it; intake then does not parse again.
    """

    raw: bytes
    source: str
    parsed: dict[str, Any] | None = field(default=None, compare=False, repr=False)


@dataclass
class IntakeReport:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    """Already in the queue with the same content: reported and ignored."""
    conflicts: list[str] = field(default_factory=list)
    """Already in the queue with different content: reported and ignored; the first one stands."""

    def merge(self, other: IntakeReport) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.conflicts += other.conflicts


def enqueue(
    engine: Engine, documents: list[Document], settings: Settings, clock: Clock = SYSTEM, actor: str = "intake"
) -> IntakeReport:
    """Store documents that are JSON objects (callers reject anything else first)."""
    report = IntakeReport()
    for start in range(0, len(documents), INSERT_CHUNK):
        report.merge(_enqueue_chunk(engine, documents[start : start + INSERT_CHUNK], settings, clock, actor))
    return report


def _enqueue_chunk(
    engine: Engine, documents: list[Document], settings: Settings, clock: Clock, actor: str
) -> IntakeReport:
    now = clock.now()
    rows: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    report = IntakeReport()
    for doc in documents:
        row = _row(doc, now, settings)
        digest = seen.get(row["application_id"])
        if digest is not None:
            (report.duplicates if digest == row["raw_sha256"] else report.conflicts).append(row["application_id"])
            continue
        seen[row["application_id"]] = row["raw_sha256"]
        rows.append(row)
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


def _row(doc: Document, now: dt.datetime, settings: Settings) -> dict[str, Any]:
    parsed = doc.parsed if doc.parsed is not None else load_json_object(doc.raw)
    app_id = application_id_of(parsed, doc.raw)
    period = parsed.get("period") if isinstance(parsed.get("period"), str) and is_month(parsed["period"]) else None
    submitted = _submitted_at(parsed.get("submitted_at")) or now
    times = deadlines_for(period, now, settings)
    return {
        "application_id": app_id,
        "raw": doc.raw,
        "raw_sha256": hashlib.sha256(doc.raw).hexdigest(),
        "source": doc.source[:255],
        "received_at": now,
        "submitted_at": submitted,
        "period": period,
        "channel": _short_text(parsed.get("channel"), 16),
        "district": _short_text(parsed.get("district"), 100),
        "available_at": times.available_at,
        "deadline": times.deadline,
        "cutoff": times.cutoff,
        "state": State.NEW.value,
        "attempts": 0,
        "waits": 0,
        "fencing_token": 0,
        "updated_at": now,
    }


def _submitted_at(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(dt.UTC) if parsed.tzinfo else None


def _short_text(value: Any, limit: int) -> str | None:
    return printable(value, limit) if isinstance(value, str) and value else None
