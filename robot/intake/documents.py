"""A document to enqueue, and what intake makes of it before the queue stores it.

Only what the queue needs to order and route an application is read here (its id, period,
submission time, channel and district); the format is checked later, by the chain's intag step,
so a JSON object that breaks the format is still queued and becomes a manual item naming the
fields at fault.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from robot.config import Settings
from robot.formats.application import (
    EARLIEST_SUBMISSION,
    LATEST_SUBMISSION,
    application_id_of,
    load_json_object,
    printable,
)
from robot.formats.period import is_month
from robot.intake.deadlines import Deadlines, deadlines_for
from robot.queue.intake import NewApplication


@dataclass(frozen=True)
class Document:
    """One document to enqueue: its bytes and where it came from (no personal data in `source`).

    `parsed` is the JSON object when the reader already parsed it; intake then does not parse again.
    """

    raw: bytes
    source: str
    parsed: dict[str, Any] | None = field(default=None, compare=False, repr=False)


def prepare(
    doc: Document, now: dt.datetime, settings: Settings, times_for: Callable[[str | None], Deadlines] | None = None
) -> NewApplication:
    """The application to store for a document that is a JSON object (callers reject anything else first).

    `times_for` gives a period's deadlines (`deadlines_for` at `now`), for a caller that keeps them per period.
    """
    parsed = doc.parsed if doc.parsed is not None else load_json_object(doc.raw)
    period = parsed.get("period") if isinstance(parsed.get("period"), str) and is_month(parsed["period"]) else None
    times = times_for(period) if times_for is not None else deadlines_for(period, now, settings)
    return NewApplication(
        application_id=application_id_of(parsed, doc.raw),
        raw=doc.raw,
        raw_sha256=hashlib.sha256(doc.raw).hexdigest(),
        source=doc.source[:255],
        received_at=now,
        submitted_at=_submitted_at(parsed.get("submitted_at")) or now,
        period=period,
        channel=_short_text(parsed.get("channel"), 16),
        district=_short_text(parsed.get("district"), 100),
        available_at=times.available_at,
        deadline=times.deadline,
        cutoff=times.cutoff,
    )


def _submitted_at(value: Any) -> dt.datetime | None:
    """The submission time for ordering, or None where it is unusable (the chain names the field)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None or not EARLIEST_SUBMISSION <= parsed < LATEST_SUBMISSION:
            return None
        return parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError):  # not ISO 8601; an offset that leaves the calendar (year 1, 9999)
        return None


def _short_text(value: Any, limit: int) -> str | None:
    return printable(value, limit) if isinstance(value, str) and value else None
