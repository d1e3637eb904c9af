"""The outbox as stored: `beslut/1` records, where each stands, every delivery attempt, the deliverer's lease.

A record is written by the handläggare action it describes, inside that action's transaction
(`add_decision`), together with its delivery row (pending). Records are never changed (append-only
triggers); a correction is a new record naming the old one in `supersedes`, which is unique, so
a record is corrected at most once and the corrections of an application form one line.

Delivery is strictly in record order, by one deliverer at a time: the holder of the lease
`decisions` (`take_lease`). Every result it writes (`delivered`, `failed`) renews the lease and
is written only while its token is current, so a deliverer that lost the lease writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from robot.queue import ledger
from robot.queue.db import read
from robot.queue.events import event_row, record
from robot.queue.page import Page
from robot.queue.schema import applications as A
from robot.queue.schema import decision_deliveries as D
from robot.queue.schema import decisions as B
from robot.queue.schema import delivery_attempts as T
from robot.queue.schema import outbox_leases as L

LEASE = "decisions"
PENDING, DELIVERED = "pending", "delivered"


@dataclass(frozen=True)
class NewDecision:
    """A record as its action writes it; `body` is the `beslut/1` JSON, exactly as it will be delivered."""

    event_id: str
    decision: str
    basis: str
    amount: int | None
    decided_by: str
    decided_at: dt.datetime
    supersedes: str | None
    body: str


@dataclass(frozen=True)
class StoredDecision:
    pk: int
    event_id: str
    application_id: str
    decision: str
    basis: str
    amount: int | None
    decided_by: str
    decided_at: dt.datetime
    supersedes: str | None
    body: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str | None
    delivered_at: dt.datetime | None
    target: str | None


@dataclass(frozen=True)
class Attempt:
    at: dt.datetime
    target: str
    result: str
    detail: str | None
    deliverer: str
    duration_ms: int


_RECORDS = (
    select(B, A.c.application_id, D.c.status, D.c.attempts, D.c.next_attempt_at, D.c.last_error, D.c.delivered_at,
           D.c.target)
    .join(A, A.c.id == B.c.application_pk)
    .join(D, D.c.decision_pk == B.c.id)
)  # fmt: skip


def add_decision(conn: Connection, application_pk: int, new: NewDecision) -> None:
    """Write a record and its pending delivery, in the caller's transaction (the action's own)."""
    [pk] = ledger.append(conn, B, [{
        "event_id": new.event_id, "application_pk": application_pk, "decision": new.decision, "basis": new.basis,
        "amount": new.amount, "decided_by": new.decided_by, "decided_at": new.decided_at,
        "supersedes": new.supersedes, "body": new.body,
    }])  # fmt: skip
    conn.execute(insert(D).values(decision_pk=pk, status=PENDING, attempts=0))


def add_correction(engine: Engine, application_pk: int, new: NewDecision, **details: Any) -> bool:
    """A record that corrects `new.supersedes`, with its event; False if that one was corrected meanwhile."""
    with engine.begin() as conn:
        taken = conn.execute(select(func.count()).where(B.c.supersedes == new.supersedes)).scalar_one()
        if taken:
            return False
        add_decision(conn, application_pk, new)
        record(conn, [event_row(new.decided_at, "decision_corrected", new.decided_by, application_pk, **details)])
    return True


ROBOT_BASIS = "robot"
"""The basis of a `forslag/1` record (the robot's verdict for a case system): in the outbox, never a decision."""


def for_application(engine: Engine, application_id: str) -> list[StoredDecision]:
    """Every decision record (`beslut/1`) of an application, oldest first; the robot's `forslag/1` are not decisions."""
    where = [A.c.application_id == application_id, B.c.basis != ROBOT_BASIS]
    with read(engine) as conn:
        return [_stored(r) for r in conn.execute(_RECORDS.where(*where).order_by(B.c.id))]


def by_event_id(engine: Engine, event_id: str) -> StoredDecision | None:
    """A decision record (`beslut/1`) by its event id; None also for the robot's `forslag/1`."""
    with read(engine) as conn:
        row = conn.execute(_RECORDS.where(B.c.event_id == event_id, B.c.basis != ROBOT_BASIS)).first()
    return _stored(row) if row else None


def listing(engine: Engine, status: str | None, limit: int) -> Page[StoredDecision]:
    """Records with `status` (pending or delivered; None: all), in delivery order (pending) or newest first."""
    where = [D.c.status == status] if status else []
    order = B.c.id if status == PENDING else B.c.id.desc()
    with read(engine) as conn:
        rows = [_stored(r) for r in conn.execute(_RECORDS.where(*where).order_by(order).limit(limit))]
        total = conn.execute(select(func.count()).select_from(D).where(*where)).scalar_one()
    return Page(rows, total)


def attempts(engine: Engine, pk: int, limit: int = 20) -> list[Attempt]:
    """The latest delivery attempts of one record, newest first."""
    with read(engine) as conn:
        rows = conn.execute(select(T).where(T.c.decision_pk == pk).order_by(T.c.id.desc()).limit(limit))
        return [Attempt(r.at, r.target, r.result, r.detail, r.deliverer, r.duration_ms) for r in rows]


def delivered_attempts(engine: Engine) -> dict[str, int]:
    """event_id → how many deliveries were recorded for it (more than one: delivered again after a takeover)."""
    with read(engine) as conn:
        rows = conn.execute(
            select(B.c.event_id, func.count(T.c.id))
            .join(T, T.c.decision_pk == B.c.id)
            .where(T.c.result == DELIVERED)
            .group_by(B.c.event_id)
        )
        return dict(rows.all())


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_age_seconds: float
    """How long the oldest undelivered record has waited since the decision; 0 when none waits."""


def backlog(engine: Engine, now: dt.datetime) -> Backlog:
    """Records not yet delivered and the age of the oldest (what the metrics read at each scrape)."""
    with read(engine) as conn:
        pending, oldest = conn.execute(
            select(func.count(), func.min(B.c.decided_at))
            .select_from(D.join(B, B.c.id == D.c.decision_pk))
            .where(D.c.status == PENDING)
        ).one()
    return Backlog(pending, 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds()))


def summary(engine: Engine, now: dt.datetime, alert_after: dt.timedelta) -> dict[str, Any]:
    """Counts for ops: pending, delivered, overdue (pending longer than `alert_after`), the oldest pending."""
    with read(engine) as conn:
        counts = dict(conn.execute(select(D.c.status, func.count()).group_by(D.c.status)).all())
        overdue = conn.execute(
            select(func.count())
            .select_from(D.join(B, B.c.id == D.c.decision_pk))
            .where(D.c.status == PENDING, B.c.decided_at < now - alert_after)
        ).scalar_one()
        oldest = conn.execute(_RECORDS.where(D.c.status == PENDING).order_by(B.c.id).limit(1)).first()
        lease = conn.execute(select(L).where(L.c.name == LEASE)).first()
    head = _stored(oldest) if oldest else None
    return {
        "pending": counts.get(PENDING, 0),
        "delivered": counts.get(DELIVERED, 0),
        "overdue": overdue,
        "alert_after_minutes": round(alert_after.total_seconds() / 60, 1),
        "oldest_pending": None
        if head is None
        else {
            "event_id": head.event_id,
            "application_id": head.application_id,
            "decided_at": head.decided_at.isoformat(timespec="seconds"),
            "waiting_minutes": int((now - head.decided_at).total_seconds() // 60),
            "attempts": head.attempts,
            "last_error": head.last_error,
            "next_attempt_at": head.next_attempt_at.isoformat(timespec="seconds") if head.next_attempt_at else None,
        },
        "deliverer": None
        if lease is None or lease.owner is None or lease.expires_at < now
        else {"owner": lease.owner, "lease_until": lease.expires_at.isoformat(timespec="seconds")},
    }


def retry_now(engine: Engine, event_ids: list[str] | None, actor: str, now: dt.datetime) -> int:
    """Pending records (all, or those named) are tried at the next pass instead of after their backoff."""
    where = [D.c.status == PENDING, D.c.next_attempt_at.is_not(None)]
    if event_ids:
        where.append(D.c.decision_pk.in_(select(B.c.id).where(B.c.event_id.in_(event_ids)).scalar_subquery()))
    with engine.begin() as conn:
        changed = conn.execute(update(D).where(*where).values(next_attempt_at=None)).rowcount
        if changed:
            record(conn, [event_row(now, "outbox_retry", actor, count=changed)])
    return changed


# The deliverer --------------------------------------------------------------------------------


def take_lease(engine: Engine, owner: str, seconds: float, now: dt.datetime) -> int | None:
    """The deliverer's lease if it is free, expired or already `owner`'s: its new fencing token, else None."""
    with engine.begin() as conn:
        return conn.execute(
            update(L)
            .where(L.c.name == LEASE, (L.c.owner.is_(None)) | (L.c.expires_at < now) | (L.c.owner == owner))
            .values(owner=owner, token=L.c.token + 1, expires_at=now + dt.timedelta(seconds=seconds))
            .returning(L.c.token)
        ).scalar()


def renew_lease(engine: Engine, owner: str, token: int, seconds: float, now: dt.datetime) -> bool:
    with engine.begin() as conn:
        return _renew(conn, owner, token, seconds, now)


def release_lease(engine: Engine, owner: str, token: int) -> None:
    with engine.begin() as conn:
        conn.execute(update(L).where(L.c.name == LEASE, L.c.owner == owner, L.c.token == token).values(owner=None))


def next_pending(engine: Engine, limit: int) -> list[StoredDecision]:
    """The first `limit` pending records, in the order they were written."""
    with read(engine) as conn:
        rows = conn.execute(_RECORDS.where(D.c.status == PENDING).order_by(B.c.id).limit(limit))
        return [_stored(r) for r in rows]


def pending_count(engine: Engine) -> int:
    with read(engine) as conn:
        return conn.execute(select(func.count()).select_from(D).where(D.c.status == PENDING)).scalar_one()


@dataclass(frozen=True)
class Lease:
    owner: str
    token: int
    seconds: float


def delivered(
    engine: Engine, lease: Lease, pk: int, target: str, now: dt.datetime, duration_ms: int, detail: str
) -> bool:
    """Record a delivery (and renew the lease); False, with nothing written, if the lease was lost."""
    with engine.begin() as conn:
        if not _renew(conn, lease.owner, lease.token, lease.seconds, now):
            return False
        conn.execute(
            update(D)
            .where(D.c.decision_pk == pk)
            .values(status=DELIVERED, delivered_at=now, target=target[:255], attempts=D.c.attempts + 1,
                    last_error=None, next_attempt_at=None)
        )  # fmt: skip
        _attempt(conn, pk, now, target, DELIVERED, detail, lease.owner, duration_ms)
    return True


def failed(engine: Engine, lease: Lease, pk: int, target: str, now: dt.datetime, duration_ms: int, error: str) -> bool:
    """Record a try the target did not take; False, with nothing written, if the lease was lost."""
    with engine.begin() as conn:
        if not _renew(conn, lease.owner, lease.token, lease.seconds, now):
            return False
        conn.execute(
            update(D)
            .where(D.c.decision_pk == pk, D.c.status == PENDING)
            .values(attempts=D.c.attempts + 1, last_error=error[:400])
        )
        _attempt(conn, pk, now, target, "failed", error, lease.owner, duration_ms)
    return True


def postpone(engine: Engine, lease: Lease, pk: int, until: dt.datetime, now: dt.datetime) -> bool:
    """The record (and every record after it) waits until `until`; False if the lease was lost."""
    with engine.begin() as conn:
        if not _renew(conn, lease.owner, lease.token, lease.seconds, now):
            return False
        conn.execute(update(D).where(D.c.decision_pk == pk, D.c.status == PENDING).values(next_attempt_at=until))
    return True


def _renew(conn: Connection, owner: str, token: int, seconds: float, now: dt.datetime) -> bool:
    return bool(
        conn.execute(
            update(L)
            .where(L.c.name == LEASE, L.c.owner == owner, L.c.token == token)
            .values(expires_at=now + dt.timedelta(seconds=seconds))
        ).rowcount
    )


def _attempt(
    conn: Connection, pk: int, at: dt.datetime, target: str, result: str, detail: str | None, who: str, ms: int
) -> None:
    conn.execute(
        insert(T).values(decision_pk=pk, at=at, target=target[:255], result=result,
                         detail=(detail or "")[:400] or None, deliverer=who[:120], duration_ms=ms)
    )  # fmt: skip


def _stored(row: Any) -> StoredDecision:
    return StoredDecision(
        row.id, row.event_id, row.application_id, row.decision, row.basis, row.amount, row.decided_by,
        row.decided_at, row.supersedes, row.body, row.status, row.attempts, row.next_attempt_at, row.last_error,
        row.delivered_at, row.target,
    )  # fmt: skip
