"""Gallring: removing the personal data of closed cases, leaving anonymised records whose chains still verify.

A case is closed when nothing about it waits for a handläggare: its recommendation is decided
and its manual item (if any) resolved; it closed at the later of the two. `purge` blanks, for
every application whose case closed before a date:

    applications      raw document, its SHA-256, source (file name), last error
    verdicts          verdict JSON, recorded inputs (register data), amount       (chained: hash kept)
    events            details                                                      (chained: hash kept)
    manual_items      reason texts, proposal and decided amounts, note
    recommendations   amount, note

and keeps ids, dates, states, outcomes, reason codes, stickprov flags, resolutions, district and
channel, who acted, and the rule version: what the control report's counts need, without a
person or an amount. A chained row keeps its content hash and gets the hash of what was removed
(`personal_hash`), so `robot db verify` still walks the whole chain and counts the row as purged.
The append-only triggers allow exactly this update and nothing else (appendonly.py); a row whose
content no longer matches its hash is not purged (that would hide the change). docs/security.md
says the same for a dataskyddsombud.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, select, update

from robot.queue import ledger
from robot.queue.events import event_row, record
from robot.queue.schema import application_persons as P
from robot.queue.schema import applications as A
from robot.queue.schema import manual_items as M
from robot.queue.schema import recommendations as R
from robot.queue.states import ManualStatus, RecommendationStatus, State

CHUNK = 500


@dataclass
class PurgeReport:
    before: dt.datetime
    applications: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    """Chained rows purged, per table."""


class TamperedRow(Exception):
    """A row to purge no longer matches its hash: purging it would hide the change."""


def closed_before(engine: Engine, before: dt.datetime) -> list[int]:
    """Applications not yet purged whose case closed before `before` (oldest first)."""
    query = (
        select(A.c.id, M.c.status, M.c.resolved_at, R.c.status.label("rec_status"), R.c.decided_at)
        .outerjoin(M, M.c.application_pk == A.c.id)
        .outerjoin(R, R.c.application_pk == A.c.id)
        .where(A.c.purged_at.is_(None), A.c.state.in_([State.DONE.value, State.MANUAL.value]))
        .order_by(A.c.id)
    )
    found = []
    with engine.connect() as conn:
        for row in conn.execute(query):
            if row.status not in (None, ManualStatus.RESOLVED.value) or row.rec_status == RecommendationStatus.PENDING:
                continue
            closed = max((t for t in (row.resolved_at, row.decided_at) if t is not None), default=None)
            if closed is not None and closed < before:
                found.append(row.id)
    return found


def purge(engine: Engine, before: dt.datetime, actor: str, now: dt.datetime) -> PurgeReport:
    """Remove the personal data of every case closed before `before`, a chunk of cases per transaction."""
    report = PurgeReport(before)
    pks = closed_before(engine, before)
    for start in range(0, len(pks), CHUNK):
        chunk = pks[start : start + CHUNK]
        with engine.begin() as conn:
            counts = {chain.name: _purge_chained(conn, chain, chunk, now) for chain in ledger.CHAINS}
            _blank_case(conn, chunk, now)
            record(conn, [event_row(now, "purged", actor, before=before.isoformat(), applications=len(chunk), **counts)])
        report.applications += len(chunk)
        for name, n in counts.items():
            report.rows[name] = report.rows.get(name, 0) + n
    return report


def _blank_case(conn: Connection, pks: list[int], now: dt.datetime) -> None:
    conn.execute(
        update(A).where(A.c.id.in_(pks)).values(raw=b"", raw_sha256="", source="", last_error=None, purged_at=now)
    )
    conn.execute(
        update(M)
        .where(M.c.application_pk.in_(pks))
        .values(reasons_json="[]", proposal_amount=None, resolution_amount=None, note=None)
    )
    conn.execute(update(R).where(R.c.application_pk.in_(pks)).values(amount=None, note=None))
    conn.execute(delete(P).where(P.c.application_pk.in_(pks)))


def _purge_chained(conn: Connection, chain: ledger.Chain, pks: list[int], now: dt.datetime) -> int:
    table = chain.table
    if chain.case is None:
        return 0
    rows = conn.execute(
        select(table).where(table.c[chain.case].in_(pks), table.c.purged_at.is_(None)).order_by(table.c.id)
    ).all()
    if not rows:
        return 0
    updates: list[dict[str, Any]] = []
    for row in rows:
        personal = chain.personal_hash(row._mapping)
        if chain.content_hash(row._mapping, personal) != row.content_hash:
            raise TamperedRow(f"{chain.name} row {row.id} does not match its hash; run `robot db verify`")
        updates.append({"_id": row.id, "_personal": personal})
    blanks = {c: ("" if not table.c[c].nullable else None) for c in chain.personal}
    conn.execute(
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values(**blanks, personal_hash=bindparam("_personal"), purged_at=now),
        updates,
    )
    return len(updates)
