"""Storing new applications, idempotently: the same application_id again is one application.

Intake (`robot/intake/`) reads and prepares the documents; this module only writes them. An id
already stored is not stored again: with the same content it is a duplicate (ignored); with
different content a conflict: the new version is stored as its own application beside the first,
which stands, and goes straight to a handläggare as a manual item (ANSOKAN_KONFLIKT). Both are
recorded in the event log.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, Engine, select

from robot.formats.reasons import Code
from robot.formats.verdict import Reason
from robot.queue import bulk
from robot.queue.db import insert_on_conflict, read
from robot.queue.events import event_row, record
from robot.queue.schema import applications, manual_items
from robot.queue.states import ManualStatus, State
from robot.swedish.dates import local_date


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
    """Already in the queue with different content: the new version is stored beside the first, as its
    own application (`conflict_id`) with a manual item (ANSOKAN_KONFLIKT); the first one is untouched."""

    def merge(self, other: Added) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.conflicts += other.conflicts


def conflict_id(application_id: str, raw_sha256: str) -> str:
    """The id a conflicting version is stored under: `~` never occurs in a submitted id."""
    return f"{application_id}~{raw_sha256[:12]}"


def add(engine: Engine, new: list[NewApplication], actor: str, now: dt.datetime) -> Added:
    """Store the applications in one transaction, each as NEW unless its id is already stored."""
    firsts: dict[str, NewApplication] = {}
    report = Added()
    later: list[NewApplication] = []
    for app in new:
        first = firsts.get(app.application_id)
        if first is None:
            firsts[app.application_id] = app
        elif first.raw_sha256 == app.raw_sha256:
            report.duplicates.append(app.application_id)
        else:
            later.append(app)
    if not firsts:
        return report
    with engine.begin() as conn:
        inserted = _insert(conn, [_row(app, State.NEW, now) for app in firsts.values()])
        existing_ids = [app_id for app_id in firsts if app_id not in inserted]
        existing = {}
        if existing_ids:
            found = conn.execute(
                select(applications.c.application_id, applications.c.id, applications.c.raw_sha256).where(
                    applications.c.application_id.in_(existing_ids)
                )
            )
            existing = {r.application_id: r for r in found}
        events = []
        conflicts: list[tuple[NewApplication, int]] = []
        for app_id, app in firsts.items():
            if app_id in inserted:
                report.accepted.append(app_id)
                events.append(event_row(now, "enqueued", actor, inserted[app_id], None, State.NEW, source=app.source,
                                        digest=app.raw_sha256))  # fmt: skip
            elif existing[app_id].raw_sha256 == app.raw_sha256:
                report.duplicates.append(app_id)
                events.append(event_row(now, "duplicate_ignored", actor, existing[app_id].id, source=app.source))
            else:
                conflicts.append((app, existing[app_id].id))
        conflicts += [(app, inserted.get(app.application_id) or existing[app.application_id].id) for app in later]
        events += _store_conflicts(conn, conflicts, actor, now, report)
        record(conn, events)
    return report


def stored_ids(engine: Engine, application_ids: list[str]) -> set[str]:
    """Which of `application_ids` are stored already (a case system's errands are fetched only once)."""
    found: set[str] = set()
    with read(engine) as conn:
        for start in range(0, len(application_ids), 500):
            chunk = application_ids[start : start + 500]
            found |= set(conn.execute(select(applications.c.application_id).where(
                applications.c.application_id.in_(chunk))).scalars())  # fmt: skip
    return found


def _row(app: NewApplication, state: State, now: dt.datetime, **extra: Any) -> dict[str, Any]:
    # Its fields as they are: a dataclass's __dict__ holds exactly them (a copy, half the cost of reading each by
    # name). Not dataclasses.asdict: it deep-copies every value (a third of intake's CPU), and these are immutable.
    return {**vars(app), "state": state.value, "attempts": 0, "waits": 0, "fencing_token": 0, "updated_at": now} | extra


def _insert(conn: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert the rows whose application_id is new; their ids by application_id."""
    if not rows:
        return {}
    statement = (
        insert_on_conflict(conn.dialect.name, applications)
        .on_conflict_do_nothing(index_elements=["application_id"])
        .returning(applications.c.id, applications.c.application_id)
    )
    return {r.application_id: r.id for r in bulk.insert_returning(conn, statement, rows)}


def _store_conflicts(
    conn: Connection, conflicts: list[tuple[NewApplication, int]], actor: str, now: dt.datetime, report: Added
) -> list[dict[str, Any]]:
    """Each conflicting version as its own application, straight to a manual item; never dropped unseen."""
    events = []
    for app, first_pk in conflicts:
        stored_as = conflict_id(app.application_id, app.raw_sha256)
        row = _row(replace(app, application_id=stored_as), State.MANUAL, now, conflict_of=first_pk)
        pk = _insert(conn, [row]).get(stored_as)
        if pk is None:  # this very version was stored before
            report.duplicates.append(stored_as)
            continue
        reason = Reason(code=Code.ANSOKAN_KONFLIKT, text=_conflict_text(app, stored_as))
        conn.execute(
            manual_items.insert().values(
                application_pk=pk, verdict_pk=None, reasons_json=json.dumps([reason.model_dump()], ensure_ascii=False),
                reason_codes=Code.ANSOKAN_KONFLIKT.value, stickprov=False, proposal_amount=None,
                deadline=app.deadline, status=ManualStatus.OPEN.value, created_at=now,
            )
        )  # fmt: skip
        report.conflicts.append(app.application_id)
        events.append(event_row(now, "conflict_stored", actor, pk, None, State.MANUAL, first=first_pk,
                                source=app.source, digest=app.raw_sha256))  # fmt: skip
    return events


def _conflict_text(app: NewApplication, stored_as: str) -> str:
    return (
        f"Ansökan {app.application_id} kom in igen {local_date(app.received_at)} med ett annat innehåll än den ansökan "
        f"med samma id som redan finns. Den nya versionen har sparats som {stored_as} och har inte bedömts av "
        f"roboten; den första handläggs som ansökan {app.application_id}. Jämför de två versionerna och avgör "
        "vilken som gäller innan någon av dem fastställs."
    )
