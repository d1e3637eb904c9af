"""Manual items and recommendations as stored: reading them, and the updates handläggare actions make.

Only storage here; what an action requires (an actor, a decision with its amount and note) is
checked by `robot.casework` before it calls these. Every update is conditional on the status it
expects, so two handläggare acting at once cannot both succeed: the loser gets False and nothing
is written. Every action is recorded in the event log with its actor, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select, update

from robot.formats.verdict import Reason
from robot.queue.db import read
from robot.queue.events import event_row, record
from robot.queue.outbox import NewDecision, add_decision
from robot.queue.page import Page
from robot.queue.schema import applications as A
from robot.queue.schema import manual_items as M
from robot.queue.schema import recommendations as R
from robot.queue.states import ManualStatus, RecommendationStatus, State
from robot.queue.transition import change


@dataclass(frozen=True)
class ManualItem:
    id: int
    application_id: str
    period: str | None
    status: str
    reasons: list[Reason]
    stickprov: bool
    proposal_amount: int | None
    """The robot's proposal, or None when it could make none."""
    has_verdict: bool
    """False for a technical failure: the robot made no assessment."""
    deadline: Any
    assignee: str | None
    resolution: str | None
    resolution_amount: int | None
    resolved_by: str | None
    note: str | None
    stickprov_correct: bool | None
    created_at: Any

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    @property
    def ref(self) -> str:
        """How a handläggare names it: M12 (a recommendation is R12)."""
        return f"M{self.id}"


@dataclass(frozen=True)
class Recommendation:
    id: int
    application_id: str
    period: str | None
    amount: int
    status: str
    decided_by: str | None
    decided_at: Any
    note: str | None
    created_at: Any

    @property
    def ref(self) -> str:
        return f"R{self.id}"


_ITEMS = select(M, A.c.application_id, A.c.period).join(A, A.c.id == M.c.application_pk)
_RECS = select(R, A.c.application_id, A.c.period).join(A, A.c.id == R.c.application_pk)


def manual_items(engine: Engine, status: ManualStatus | None, assignee: str | None, limit: int) -> Page[ManualItem]:
    """Items with `status` (None: every item not yet resolved), earliest deadline first."""
    where = [M.c.status == status.value if status else M.c.status != ManualStatus.RESOLVED.value]
    if assignee:
        where.append(M.c.assignee == assignee)
    with read(engine) as conn:
        items = [_item(r) for r in conn.execute(_ITEMS.where(*where).order_by(M.c.deadline, M.c.id).limit(limit))]
        total = conn.execute(select(func.count()).select_from(M).where(*where)).scalar_one()
    return Page(items, total)


def manual_item(engine: Engine, *, id: int | None = None, application_id: str | None = None) -> ManualItem | None:
    """An item by its number or by its application's id."""
    query = _ITEMS.where(M.c.id == id) if id is not None else _ITEMS.where(A.c.application_id == application_id)
    with read(engine) as conn:
        row = conn.execute(query).first()
    return None if row is None else _item(row)


def claim_item(
    engine: Engine, item_id: int, actor: str, now: dt.datetime, taken_from: str | None = None, **details: Any
) -> bool:
    """open → claimed by `actor`, or (`taken_from`) claimed by that person → claimed by `actor`.

    False if the item was not as expected. A takeover records both names.
    """
    expected = (
        (M.c.status == ManualStatus.OPEN.value,)
        if taken_from is None
        else (M.c.status == ManualStatus.CLAIMED.value, M.c.assignee == taken_from)
    )
    with engine.begin() as conn:
        row = conn.execute(
            update(M)
            .where(M.c.id == item_id, *expected)
            .values(status=ManualStatus.CLAIMED.value, assignee=actor, claimed_at=now)
            .returning(M.c.application_pk)
        ).first()
        if row is not None:
            if taken_from is not None:
                details["taken_from"] = taken_from
            record(conn, [event_row(now, "manual_claimed", actor, row.application_pk, item=item_id, **details)])
    return row is not None


def release_item(engine: Engine, item_id: int, assignee: str, actor: str, now: dt.datetime) -> bool:
    """claimed by `assignee` → open again; False if the item was not claimed by `assignee`."""
    with engine.begin() as conn:
        row = conn.execute(
            update(M)
            .where(M.c.id == item_id, M.c.status == ManualStatus.CLAIMED.value, M.c.assignee == assignee)
            .values(status=ManualStatus.OPEN.value, assignee=None, claimed_at=None)
            .returning(M.c.application_pk)
        ).first()
        if row is not None:
            record(conn, [event_row(now, "manual_released", actor, row.application_pk, item=item_id, assignee=assignee)])
    return row is not None


def resolve_item(
    engine: Engine,
    item: ManualItem,
    actor: str,
    resolution: str,
    amount: int | None,
    note: str | None,
    stickprov_correct: bool | None,
    new: NewDecision,
    now: dt.datetime,
    **details: Any,
) -> bool:
    """Record the handläggare's decision and its `beslut/1` record; False if the item changed meanwhile
    (resolved, or taken by another), and then nothing is written.

    Someone other than the assignee resolving it is recorded with both names (`assignee`).
    """
    with engine.begin() as conn:
        row = conn.execute(
            update(M)
            .where(M.c.id == item.id, M.c.status == item.status, _same_assignee(item.assignee))
            .values(
                status=ManualStatus.RESOLVED.value,
                assignee=item.assignee or actor,
                resolution=resolution,
                resolution_amount=amount,
                resolved_by=actor,
                resolved_at=now,
                note=note,
                stickprov_correct=stickprov_correct,
            )
            .returning(M.c.application_pk)
        ).first()
        if row is None:
            return False
        details.update(item=item.id, resolution=resolution, record=new.event_id)
        if item.assignee and item.assignee != actor:
            details["assignee"] = item.assignee
        if item.stickprov:
            details["stickprov_correct"] = stickprov_correct
        add_decision(conn, row.application_pk, new)
        record(conn, [event_row(now, "manual_resolved", actor, row.application_pk, **details)])
    return True


def recommendations(engine: Engine, status: RecommendationStatus | None, limit: int) -> Page[Recommendation]:
    """Recommendations with `status` (None: all), oldest first."""
    where = [] if status is None else [R.c.status == status.value]
    with read(engine) as conn:
        recs = [_rec(r) for r in conn.execute(_RECS.where(*where).order_by(R.c.id).limit(limit))]
        total = conn.execute(select(func.count()).select_from(R).where(*where)).scalar_one()
    return Page(recs, total)


def recommendation(
    engine: Engine, *, id: int | None = None, application_id: str | None = None
) -> Recommendation | None:
    query = _RECS.where(R.c.id == id) if id is not None else _RECS.where(A.c.application_id == application_id)
    with read(engine) as conn:
        row = conn.execute(query).first()
    return None if row is None else _rec(row)


def approve_recommendation(
    engine: Engine, rec_id: int, actor: str, note: str | None, new: NewDecision, now: dt.datetime, **details: Any
) -> bool:
    """pending → approved, with its `beslut/1` record; False if it was decided meanwhile (nothing is written)."""
    with engine.begin() as conn:
        row = _decide(conn, rec_id, RecommendationStatus.APPROVED, actor, note, now)
        if row is not None:
            add_decision(conn, row.application_pk, new)
            record(
                conn,
                [
                    event_row(
                        now, "recommendation_approved", actor, row.application_pk, item=rec_id,
                        record=new.event_id, **details,
                    )
                ],
            )  # fmt: skip
    return row is not None


class _Moved(Exception):
    """The application is no longer DONE: roll the rejection back."""


def reject_recommendation(
    engine: Engine,
    rec_id: int,
    actor: str,
    note: str,
    reason: Reason,
    new: NewDecision,
    now: dt.datetime,
    **details: Any,
) -> bool:
    """pending → rejected, and the application DONE → MANUAL with a new manual item carrying `reason`;
    its `beslut/1` record (överlämnad) in the same transaction.

    False if the recommendation was decided meanwhile (nothing is written).
    """
    try:
        with engine.begin() as conn:
            rec = _decide(conn, rec_id, RecommendationStatus.REJECTED, actor, note, now)
            if rec is None:
                return False
            done, to_manual = change(State.DONE, State.MANUAL)
            app = conn.execute(
                update(A)
                .where(A.c.id == rec.application_pk, done)
                .values(**to_manual, updated_at=now)
                .returning(A.c.deadline)
            ).first()
            if app is None:
                raise _Moved
            conn.execute(
                M.insert().values(
                    application_pk=rec.application_pk,
                    verdict_pk=rec.verdict_pk,
                    reasons_json=json.dumps([reason.model_dump()], ensure_ascii=False),
                    reason_codes=reason.code,
                    stickprov=False,
                    proposal_amount=rec.amount,
                    deadline=app.deadline,
                    status=ManualStatus.OPEN.value,
                    created_at=now,
                )
            )
            add_decision(conn, rec.application_pk, new)
            record(
                conn,
                [
                    event_row(
                        now,
                        "recommendation_rejected",
                        actor,
                        rec.application_pk,
                        State.DONE,
                        State.MANUAL,
                        item=rec_id,
                        record=new.event_id,
                        **details,
                    )
                ],
            )
    except _Moved:
        return False
    return True


def _same_assignee(assignee: str | None) -> Any:
    return M.c.assignee.is_(None) if assignee is None else M.c.assignee == assignee


def _decide(
    conn: Any, rec_id: int, status: RecommendationStatus, actor: str, note: str | None, now: dt.datetime
) -> Any:
    return conn.execute(
        update(R)
        .where(R.c.id == rec_id, R.c.status == RecommendationStatus.PENDING.value)
        .values(status=status.value, decided_by=actor, decided_at=now, note=note)
        .returning(R.c.application_pk, R.c.verdict_pk, R.c.amount)
    ).first()


def _item(row: Any) -> ManualItem:
    return ManualItem(
        id=row.id,
        application_id=row.application_id,
        period=row.period,
        status=row.status,
        reasons=[Reason(**r) for r in json.loads(row.reasons_json)],
        stickprov=row.stickprov,
        proposal_amount=row.proposal_amount,
        has_verdict=row.verdict_pk is not None,
        deadline=row.deadline,
        assignee=row.assignee,
        resolution=row.resolution,
        resolution_amount=row.resolution_amount,
        resolved_by=row.resolved_by,
        note=row.note,
        stickprov_correct=row.stickprov_correct,
        created_at=row.created_at,
    )


def _rec(row: Any) -> Recommendation:
    return Recommendation(
        row.id, row.application_id, row.period, row.amount, row.status, row.decided_by, row.decided_at, row.note,
        row.created_at,
    )  # fmt: skip
