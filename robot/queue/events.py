"""The event log: every state change and every handläggare action, with its actor. Append-only, hash-chained."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection

from robot.queue import ledger
from robot.queue.schema import events

SYSTEM = "system"


def event_row(
    at: dt.datetime,
    kind: str,
    actor: str,
    application_pk: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    **details: Any,
) -> dict[str, Any]:
    """One event. `details` must hold no personal data: ids, codes and counts only."""
    return {
        "at": at,
        "application_pk": application_pk,
        "kind": kind,
        "actor": actor,
        "from_state": from_state,
        "to_state": to_state,
        "details": _encode_details(details) if details else None,
    }


_encode_details = ledger.one_shot(json.JSONEncoder(ensure_ascii=False, sort_keys=True))
"""`json.dumps(…, ensure_ascii=False, sort_keys=True)` without building an encoder for each event."""


def record(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Append to the event log in the caller's transaction (last in it: events come last in the ledger's order)."""
    ledger.append(conn, events, rows)
