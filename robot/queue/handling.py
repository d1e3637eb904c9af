"""What handläggare do: work the manual queue and approve or reject recommendations.

Every action needs an actor (the handläggare's id), which the event log records; an action
without one is refused. The robot never decides: these are the decisions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select, update

from robot.clock import SYSTEM, Clock
from robot.formats.reasons import Code
from robot.formats.verdict import Reason
from robot.queue.db import read
from robot.queue.events import event_row, record
from robot.queue.schema import applications as A
from robot.queue.schema import manual_items as M
from robot.queue.schema import recommendations as R
from robot.queue.states import ManualStatus, RecommendationStatus, Resolution, State
from robot.swedish.numbers import kr

MAX_NOTE = 4000


class HandlingError(Exception):
    """A handläggare action that cannot be done; the message says why (in Swedish)."""


def require_actor(actor: str | None) -> str:
    actor = (actor or "").strip()
    if not actor:
        raise HandlingError("åtgärden kräver en handläggare: ange --as med ditt användar-id")
    if len(actor) > 120:
        raise HandlingError("användar-id får vara högst 120 tecken")
    return actor


@dataclass(frozen=True)
class ManualItem:
    id: int
    application_id: str
    status: str
    reasons: list[Reason]
    stickprov: bool
    proposal_amount: int | None
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


def _item(row: Any) -> ManualItem:
    return ManualItem(
        id=row.id,
        application_id=row.application_id,
        status=row.status,
        reasons=[Reason(**r) for r in json.loads(row.reasons_json)],
        stickprov=row.stickprov,
        proposal_amount=row.proposal_amount,
        deadline=row.deadline,
        assignee=row.assignee,
        resolution=row.resolution,
        resolution_amount=row.resolution_amount,
        resolved_by=row.resolved_by,
        note=row.note,
        stickprov_correct=row.stickprov_correct,
        created_at=row.created_at,
    )


_ITEMS = select(M, A.c.application_id).join(A, A.c.id == M.c.application_pk)


def list_manual(
    engine: Engine, status: str | None = None, assignee: str | None = None, limit: int = 100
) -> list[ManualItem]:
    query = _ITEMS
    if status:
        query = query.where(M.c.status == status)
    else:
        query = query.where(M.c.status != ManualStatus.RESOLVED.value)
    if assignee:
        query = query.where(M.c.assignee == assignee)
    with read(engine) as conn:
        return [_item(r) for r in conn.execute(query.order_by(M.c.deadline, M.c.id).limit(limit))]


def find_manual(engine: Engine, ref: str) -> ManualItem:
    """An item by its number or by the application id."""
    query = _ITEMS.where(M.c.id == int(ref)) if ref.isdigit() else _ITEMS.where(A.c.application_id == ref)
    with read(engine) as conn:
        row = conn.execute(query).first()
    if row is None:
        raise HandlingError(f"inget ärende i manuella kön för {ref}")
    return _item(row)


def claim_manual(engine: Engine, ref: str, actor: str | None, clock: Clock = SYSTEM) -> ManualItem:
    actor = require_actor(actor)
    item = find_manual(engine, ref)
    now = clock.now()
    with engine.begin() as conn:
        done = conn.execute(
            update(M)
            .where(M.c.id == item.id, M.c.status == ManualStatus.OPEN.value)
            .values(status=ManualStatus.CLAIMED.value, assignee=actor, claimed_at=now)
        ).rowcount
        if not done:
            current = find_manual(engine, str(item.id))
            who = f" av {current.assignee}" if current.assignee else ""
            raise HandlingError(f"ärende {item.id} är inte öppet (status {current.status}{who})")
        record(conn, [event_row(now, "manual_claimed", actor, _pk(conn, item.application_id), item=item.id)])
    return find_manual(engine, str(item.id))


def resolve_manual(
    engine: Engine,
    ref: str,
    actor: str | None,
    resolution: str,
    amount: int | None,
    note: str | None,
    stickprov_correct: bool | None,
    force: bool = False,
    clock: Clock = SYSTEM,
) -> ManualItem:
    actor = require_actor(actor)
    item = find_manual(engine, ref)
    try:
        decided = Resolution(resolution)
    except ValueError:
        raise HandlingError("beslut ska vara bifall, delavslag eller avslag") from None
    if item.status == ManualStatus.RESOLVED.value:
        raise HandlingError(f"ärende {item.id} är redan avslutat ({item.resolution} av {item.resolved_by})")
    if item.status == ManualStatus.CLAIMED.value and item.assignee != actor and not force:
        raise HandlingError(f"ärende {item.id} är tilldelat {item.assignee}; använd --force för att ta över")
    if decided in (Resolution.BIFALL, Resolution.DELAVSLAG) and (amount is None or amount <= 0):
        raise HandlingError(f"{decided.value} kräver ett belopp större än 0 (--amount)")
    if decided is Resolution.AVSLAG and amount not in (None, 0):
        raise HandlingError("avslag har inget belopp")
    if decided is not Resolution.BIFALL and not (note or "").strip():
        raise HandlingError(f"{decided.value} kräver en motivering (--note)")
    if item.stickprov and stickprov_correct is None:
        raise HandlingError("ärendet är ett stickprov: ange om ansökan var korrekt (--correct eller --incorrect)")
    if note and len(note) > MAX_NOTE:
        raise HandlingError(f"motiveringen får vara högst {MAX_NOTE} tecken")
    now = clock.now()
    with engine.begin() as conn:
        done = conn.execute(
            update(M)
            .where(M.c.id == item.id, M.c.status != ManualStatus.RESOLVED.value)
            .values(
                status=ManualStatus.RESOLVED.value,
                assignee=item.assignee or actor,
                resolution=decided.value,
                resolution_amount=amount if decided is not Resolution.AVSLAG else None,
                resolved_by=actor,
                resolved_at=now,
                note=(note or "").strip() or None,
                stickprov_correct=stickprov_correct if item.stickprov else None,
            )
        ).rowcount
        if not done:
            raise HandlingError(f"ärende {item.id} avslutades samtidigt av någon annan")
        details: dict[str, Any] = {"item": item.id, "resolution": decided.value}
        if item.stickprov:
            details["stickprov_correct"] = stickprov_correct
        record(conn, [event_row(now, "manual_resolved", actor, _pk(conn, item.application_id), **details)])
    return find_manual(engine, str(item.id))


@dataclass(frozen=True)
class Recommendation:
    id: int
    application_id: str
    amount: int
    status: str
    decided_by: str | None
    decided_at: Any
    note: str | None
    created_at: Any


_RECS = select(R, A.c.application_id).join(A, A.c.id == R.c.application_pk)


def _rec(row: Any) -> Recommendation:
    return Recommendation(
        row.id, row.application_id, row.amount, row.status, row.decided_by, row.decided_at, row.note, row.created_at
    )


def list_recommendations(engine: Engine, status: str | None = "pending", limit: int = 100) -> list[Recommendation]:
    query = _RECS if not status else _RECS.where(R.c.status == status)
    with read(engine) as conn:
        return [_rec(r) for r in conn.execute(query.order_by(R.c.id).limit(limit))]


def find_recommendation(engine: Engine, ref: str) -> Recommendation:
    query = _RECS.where(R.c.id == int(ref)) if ref.isdigit() else _RECS.where(A.c.application_id == ref)
    with read(engine) as conn:
        row = conn.execute(query).first()
    if row is None:
        raise HandlingError(f"ingen rekommendation för {ref}")
    return _rec(row)


def approve(
    engine: Engine, ref: str, actor: str | None, note: str | None = None, clock: Clock = SYSTEM
) -> Recommendation:
    """The handläggare fastställer the recommendation: bifall with the recommended amount."""
    actor = require_actor(actor)
    rec = find_recommendation(engine, ref)
    now = clock.now()
    with engine.begin() as conn:
        done = conn.execute(
            update(R)
            .where(R.c.id == rec.id, R.c.status == RecommendationStatus.PENDING.value)
            .values(status=RecommendationStatus.APPROVED.value, decided_by=actor, decided_at=now, note=note)
        ).rowcount
        if not done:
            raise HandlingError(f"rekommendation {rec.id} är redan {rec.status} av {rec.decided_by}")
        record(conn, [event_row(now, "recommendation_approved", actor, _pk(conn, rec.application_id), item=rec.id)])
    return find_recommendation(engine, str(rec.id))


def reject(engine: Engine, ref: str, actor: str | None, note: str | None, clock: Clock = SYSTEM) -> ManualItem:
    """The handläggare does not follow the recommendation: the application goes to manual handling."""
    actor = require_actor(actor)
    if not (note or "").strip():
        raise HandlingError("ange varför rekommendationen avvisas (--note)")
    rec = find_recommendation(engine, ref)
    now = clock.now()
    reason = Reason(
        code=Code.REKOMMENDATION_AVVISAD,
        text=f"Handläggaren avvisade robotens rekommendation om bifall med {kr(rec.amount)}: {note.strip()}",
    )
    with engine.begin() as conn:
        done = conn.execute(
            update(R)
            .where(R.c.id == rec.id, R.c.status == RecommendationStatus.PENDING.value)
            .values(status=RecommendationStatus.REJECTED.value, decided_by=actor, decided_at=now, note=note.strip())
        ).rowcount
        if not done:
            raise HandlingError(f"rekommendation {rec.id} är redan {rec.status} av {rec.decided_by}")
        app = conn.execute(
            select(A.c.id, A.c.deadline, A.c.state).where(A.c.application_id == rec.application_id)
        ).one()
        conn.execute(update(A).where(A.c.id == app.id).values(state=State.MANUAL.value, updated_at=now))
        conn.execute(
            M.insert().values(
                application_pk=app.id,
                verdict_pk=conn.execute(select(R.c.verdict_pk).where(R.c.id == rec.id)).scalar_one(),
                reasons_json=json.dumps([reason.model_dump()], ensure_ascii=False),
                reason_codes=reason.code,
                stickprov=False,
                proposal_amount=rec.amount,
                deadline=app.deadline,
                status=ManualStatus.OPEN.value,
                created_at=now,
            )
        )
        record(
            conn,
            [event_row(now, "recommendation_rejected", actor, app.id, State.DONE, State.MANUAL, item=rec.id)],
        )
    return find_manual(engine, rec.application_id)


def _pk(conn: Any, application_id: str) -> int:
    return conn.execute(select(A.c.id).where(A.c.application_id == application_id)).scalar_one()
