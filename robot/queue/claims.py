"""Claims and leases: who is working on what, until when, under which fencing token.

A claim takes up to n due applications in deadline order, sets a lease (owner and expiry) and
increments the fencing token. A result is only written while its token is still current, so a
worker that lost its lease (paused, partitioned, killed) can never write. Expired leases go back
to NEW; due retries go back to NEW. On PostgreSQL claims use FOR UPDATE SKIP LOCKED, so several
workers share the queue; on SQLite the claim runs in a BEGIN IMMEDIATE transaction.

A claim decides nothing, so it appends to no hash chain and never waits for a chain's head (which
a commit holds): its `claimed` event is written with what ends the claim, in that transaction —
the result (`outcomes.commit`), a release, or the rescue of an expired lease — with the time of
the claim (the application's `updated_at`, which nothing else moves while it is in progress).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, Engine, Integer, Select, Update, bindparam, exists, literal, or_, select, update

from robot.clock import SYSTEM, Clock
from robot.queue.db import read
from robot.queue.events import SYSTEM as SYSTEM_ACTOR
from robot.queue.events import event_row, record
from robot.queue.schema import applications as A
from robot.queue.states import State, require
from robot.queue.transition import change

LEASE = (A.c.id == bindparam("pk"), A.c.fencing_token == bindparam("token"))
"""Where-clause for the lease (`pk`, `token`) a worker claimed an application with."""
STILL_HELD = (*LEASE, A.c.state == State.IN_PROGRESS.value)
"""Where-clause for an application still in progress under that lease."""


@dataclass(frozen=True)
class Claimed:
    pk: int
    application_id: str
    raw: bytes
    token: int
    attempt: int
    waits: int
    period: str | None
    deadline: dt.datetime
    cutoff: dt.datetime
    claimed_at: dt.datetime | None = None

    @property
    def key(self) -> tuple[int, int]:
        return self.pk, self.token


def claim(engine: Engine, worker_id: str, n: int, lease_seconds: float, clock: Clock = SYSTEM) -> list[Claimed]:
    now = clock.now()
    require(State.NEW, State.IN_PROGRESS)  # the table is asked on every claim, the statement built once
    params = {"now": now, "n": n, "worker_id": worker_id, "lease_expires_at": now + dt.timedelta(seconds=lease_seconds)}
    with engine.begin() as conn:
        rows = conn.execute(_claim_statement(), params).all()
    rows.sort(key=lambda r: (r.deadline, r.submitted_at, r.id))
    return [
        Claimed(
            r.id, r.application_id, r.raw, r.fencing_token, r.attempts, r.waits, r.period, r.deadline, r.cutoff, now
        )
        for r in rows
    ]


@functools.cache
def _claim_statement() -> Update:
    """The claim, built once with its values as parameters (`now`, `n`, `worker_id`, `lease_expires_at`): building
    it cost more CPU than running it on SQLite, once per claim."""
    is_new, to_in_progress = change(State.NEW, State.IN_PROGRESS)
    now = _now()
    # Locked and limited once, before the update (MATERIALIZED): a subquery the update rescans, as PostgreSQL
    # plans it over a table without statistics, skips the rows the update already changed and locks more.
    due = (
        select(A.c.id)
        .where(is_new, A.c.available_at <= now)
        .order_by(A.c.deadline, A.c.submitted_at, A.c.id)
        .limit(bindparam("n", type_=Integer))
        .with_for_update(skip_locked=True)
        .cte("due")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    return (
        update(A)
        .where(A.c.id.in_(select(due.c.id)), is_new)
        .values(
            **to_in_progress,
            lease_owner=bindparam("worker_id", type_=A.c.lease_owner.type),
            lease_expires_at=bindparam("lease_expires_at", type_=A.c.lease_expires_at.type),
            fencing_token=A.c.fencing_token + 1,
            attempts=A.c.attempts + 1,
            updated_at=now,
        )
        .returning(
            A.c.id,
            A.c.application_id,
            A.c.raw,
            A.c.fencing_token,
            A.c.attempts,
            A.c.waits,
            A.c.period,
            A.c.deadline,
            A.c.cutoff,
            A.c.submitted_at,
        )
    )


def _claimed_event(row: Any) -> dict[str, Any]:
    """The `claimed` event of a claim that ends without a result (`row`: id, lease_owner, attempts, updated_at)."""
    return event_row(row.updated_at, "claimed", row.lease_owner or SYSTEM_ACTOR, row.id, State.NEW,
                     State.IN_PROGRESS, attempt=row.attempts)  # fmt: skip


_HELD = (A.c.id, A.c.lease_owner, A.c.attempts, A.c.updated_at)


def renew(
    engine: Engine, worker_id: str, held: list[tuple[int, int]], lease_seconds: float, clock: Clock = SYSTEM
) -> int:
    """Extend the leases of applications still in hand; returns how many were still ours."""
    if not held:
        return 0
    until = clock.now() + dt.timedelta(seconds=lease_seconds)
    with engine.begin() as conn:
        result = conn.execute(_renew_statement(), [{"pk": pk, "token": token, "until": until} for pk, token in held])
    return result.rowcount


@functools.cache
def _renew_statement() -> Update:
    """The renewal (every third of a lease, on every worker), built once like the claim."""
    return update(A).where(*STILL_HELD).values(lease_expires_at=bindparam("until", type_=A.c.lease_expires_at.type))


def release(engine: Engine, worker_id: str, held: list[tuple[int, int]], clock: Clock = SYSTEM) -> int:
    """Give applications back unprocessed (graceful shutdown); the attempt does not count."""
    if not held:
        return 0
    now = clock.now()
    in_progress, to_new = change(State.IN_PROGRESS, State.NEW)
    statement = (
        update(A)
        .where(*LEASE, in_progress)
        .values(**to_new, lease_owner=None, lease_expires_at=None, attempts=A.c.attempts - 1, updated_at=now)
    )
    with engine.begin() as conn:
        released = 0
        events = []
        for pk, token in held:
            claim = conn.execute(select(*_HELD).where(*LEASE, in_progress), {"pk": pk, "token": token}).first()
            if claim is not None and conn.execute(statement, {"pk": pk, "token": token}).rowcount:
                released += 1
                events += [
                    _claimed_event(claim),
                    event_row(now, "released", worker_id, pk, State.IN_PROGRESS, State.NEW),
                ]
        record(conn, events)
    return released


def rescue_expired(engine: Engine, clock: Clock = SYSTEM) -> int:
    """Expired leases (a killed or stuck worker) go back to NEW."""
    now = clock.now()
    require(State.IN_PROGRESS, State.NEW)
    expired, statement = _rescue_statements(engine.dialect.name == "postgresql")
    with engine.begin() as conn:
        rows = conn.execute(expired, {"now": now}).all()
        if rows:
            conn.execute(statement, [{"pk": r.id, "now": now} for r in rows])
        record(
            conn,
            [
                e
                for r in rows
                for e in (
                    _claimed_event(r),
                    event_row(
                        now, "lease_expired", SYSTEM_ACTOR, r.id, State.IN_PROGRESS, State.NEW, attempt=r.attempts
                    ),
                )
            ],
        )
    return len(rows)


def promote_due_retries(engine: Engine, clock: Clock = SYSTEM) -> int:
    """RETRY_WAIT → NEW for applications whose next attempt is due."""
    now = clock.now()
    require(State.RETRY_WAIT, State.NEW)
    with engine.begin() as conn:
        rows = conn.execute(_promote_statement(), {"now": now}).all()
        record(conn, [event_row(now, "retry_due", SYSTEM_ACTOR, r.id, State.RETRY_WAIT, State.NEW) for r in rows])
    return len(rows)


def anything_due(engine: Engine, clock: Clock = SYSTEM) -> bool:
    """Anything to do now: due NEW or RETRY_WAIT applications, or some in progress (here or elsewhere)."""
    with read(engine) as conn:
        return bool(conn.execute(_due_query(), {"now": clock.now()}).scalar())


# The sweep's statements (every poll interval, on every worker), built once like the claim's.


def _now() -> BindParameter[dt.datetime]:
    return bindparam("now", type_=A.c.updated_at.type)


@functools.cache
def _rescue_statements(postgresql: bool) -> tuple[Select[Any], Update]:
    in_progress, to_new = change(State.IN_PROGRESS, State.NEW)
    expired = select(*_HELD).where(in_progress, A.c.lease_expires_at < _now()).order_by(A.c.id)
    if postgresql:
        expired = expired.with_for_update(skip_locked=True)
    statement = (
        update(A)
        .where(A.c.id == bindparam("pk"), in_progress)
        .values(**to_new, lease_owner=None, lease_expires_at=None, updated_at=_now())
    )
    return expired, statement


@functools.cache
def _promote_statement() -> Update:
    waiting, to_new = change(State.RETRY_WAIT, State.NEW)
    return update(A).where(waiting, A.c.next_attempt_at <= _now()).values(**to_new, updated_at=_now()).returning(A.c.id)


@functools.cache
def _due_query() -> Select[Any]:
    """Whether any application is due or in progress: one EXISTS per state, each read from its own index and
    stopped at the first row (a count of them read every such row, every poll interval of a scheduled batch, on
    every worker). The states are written into the SQL: with them as parameters PostgreSQL's generic plan, the one
    a prepared statement settles on, expects an EXISTS to stop early and scans the table."""
    now = _now()
    return select(
        or_(
            exists().where(A.c.state == _state(State.NEW), A.c.available_at <= now),
            exists().where(A.c.state == _state(State.RETRY_WAIT), A.c.next_attempt_at <= now),
            exists().where(A.c.state == _state(State.IN_PROGRESS)),
        )
    )


def _state(state: State) -> BindParameter[str]:
    return literal(state.value, A.c.state.type, literal_execute=True)
