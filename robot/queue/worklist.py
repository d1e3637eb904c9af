"""The manual queue and the recommendations as a handläggare's worklist: filtered, counted, a page at a time.

Reads only. Sorted by deadline (then by item number), so the page a handläggare opens first shows what
is due first. `casework` reads single items; this is for the lists.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, literal, select

from robot.queue.db import read
from robot.queue.schema import applications as A
from robot.queue.schema import manual_items as M
from robot.queue.schema import recommendations as R
from robot.queue.states import ManualStatus, RecommendationStatus

UNASSIGNED = ""
"""`QueueFilter.assignee` for items nobody has taken."""


@dataclass(frozen=True)
class QueueFilter:
    statuses: tuple[ManualStatus, ...] = (ManualStatus.OPEN, ManualStatus.CLAIMED)
    district: str | None = None
    reason: str | None = None
    """A reason code: items with this reason among theirs."""
    due_before: dt.datetime | None = None
    """Items whose deadline is before this instant."""
    assignee: str | None = None
    """A user id, UNASSIGNED, or None for anyone."""
    stickprov: bool | None = None


@dataclass(frozen=True)
class QueueRow:
    id: int
    application_id: str
    status: str
    deadline: dt.datetime
    district: str | None
    channel: str | None
    period: str | None
    reason_codes: tuple[str, ...]
    stickprov: bool
    proposal_amount: int | None
    assignee: str | None


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    matching: int
    """Items matching the filter, on every page."""
    overdue: int
    """Of those, items past their deadline."""
    statuses: dict[str, int]
    """The whole queue per status (open, claimed, resolved)."""
    districts: list[tuple[str, int]] = field(default_factory=list)
    reasons: list[tuple[str, int]] = field(default_factory=list)
    assignees: list[tuple[str, int]] = field(default_factory=list)
    """Unresolved items per district, reason and assignee: the filter's choices with their counts."""


def queue_page(engine: Engine, wanted: QueueFilter, now: dt.datetime, offset: int, limit: int) -> QueuePage:
    base = select(M.c.id).join(A, A.c.id == M.c.application_pk).where(*_conditions(wanted))
    rows_query = (
        select(
            M.c.id,
            M.c.status,
            M.c.deadline,
            M.c.reason_codes,
            M.c.stickprov,
            M.c.proposal_amount,
            M.c.assignee,
            A.c.application_id,
            A.c.district,
            A.c.channel,
            A.c.period,
        )
        .join(A, A.c.id == M.c.application_pk)
        .where(*_conditions(wanted))
        .order_by(M.c.deadline, M.c.id)
        .offset(offset)
        .limit(limit)
    )
    unresolved = M.c.status != ManualStatus.RESOLVED.value
    with read(engine) as conn:
        matching = conn.execute(select(func.count()).select_from(base.subquery())).scalar_one()
        overdue = conn.execute(
            select(func.count()).select_from(base.where(M.c.deadline < now, unresolved).subquery())
        ).scalar_one()
        rows = [_row(r) for r in conn.execute(rows_query)]
        statuses = {s.value: 0 for s in ManualStatus}
        statuses.update(dict(conn.execute(select(M.c.status, func.count()).group_by(M.c.status)).all()))
        districts = conn.execute(
            select(A.c.district, func.count()).join(M, M.c.application_pk == A.c.id).where(unresolved)
            .group_by(A.c.district).order_by(A.c.district)
        ).all()  # fmt: skip
        reasons: Counter[str] = Counter()
        for codes, n in conn.execute(
            select(M.c.reason_codes, func.count()).where(unresolved).group_by(M.c.reason_codes)
        ):
            for code in _codes(codes):
                reasons[code] += n
        assignees = conn.execute(
            select(M.c.assignee, func.count()).where(unresolved, M.c.assignee.is_not(None))
            .group_by(M.c.assignee).order_by(M.c.assignee)
        ).all()  # fmt: skip
    return QueuePage(
        rows=rows,
        matching=matching,
        overdue=overdue,
        statuses=statuses,
        districts=[(d, n) for d, n in districts if d],
        reasons=sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])),
        assignees=[(a, n) for a, n in assignees],
    )


def _conditions(wanted: QueueFilter) -> list:  # type: ignore[type-arg]
    found = [M.c.status.in_([s.value for s in wanted.statuses])]
    if wanted.district:
        found.append(A.c.district == wanted.district)
    if wanted.reason:
        found.append((literal(",") + M.c.reason_codes + literal(",")).like(f"%,{_plain(wanted.reason)},%", escape="\\"))
    if wanted.due_before is not None:
        found.append(M.c.deadline < wanted.due_before)
    if wanted.assignee == UNASSIGNED:
        found.append(M.c.assignee.is_(None))
    elif wanted.assignee:
        found.append(M.c.assignee == wanted.assignee)
    if wanted.stickprov is not None:
        found.append(M.c.stickprov.is_(wanted.stickprov))
    return found


def _plain(code: str) -> str:
    """A reason code in a LIKE pattern that matches only itself."""
    return code.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _codes(text: str | None) -> tuple[str, ...]:
    return tuple(c for c in (text or "").split(",") if c)


def _row(r) -> QueueRow:  # type: ignore[no-untyped-def]
    return QueueRow(
        r.id, r.application_id, r.status, r.deadline, r.district, r.channel, r.period, _codes(r.reason_codes),
        r.stickprov, r.proposal_amount, r.assignee,
    )  # fmt: skip


@dataclass(frozen=True)
class RecommendationRow:
    id: int
    application_id: str
    amount: int
    status: str
    district: str | None
    period: str | None
    deadline: dt.datetime
    decided_by: str | None


def recommendation_page(
    engine: Engine, status: RecommendationStatus, offset: int, limit: int
) -> tuple[list[RecommendationRow], int]:
    """Recommendations with `status`, the earliest deadline first, and how many there are in all."""
    where = R.c.status == status.value
    query = (
        select(
            R.c.id, R.c.amount, R.c.status, R.c.decided_by, A.c.application_id, A.c.district, A.c.period, A.c.deadline
        )
        .join(A, A.c.id == R.c.application_pk)
        .where(where)
        .order_by(A.c.deadline, R.c.id)
        .offset(offset)
        .limit(limit)
    )
    with read(engine) as conn:
        total = conn.execute(select(func.count()).select_from(R).where(where)).scalar_one()
        rows = [
            RecommendationRow(
                r.id, r.application_id, r.amount, r.status, r.district, r.period, r.deadline, r.decided_by
            )
            for r in conn.execute(query)
        ]
    return rows, total
