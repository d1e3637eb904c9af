"""Reading many stored applications at once: a month for the control report, verdicts for what-if.

Read-only, in short read transactions; rows are returned as SQLAlchemy rows (attribute access by
column name). Nothing personal is read beyond what the callers need: the report gets no raw
applications, no notes and no handläggare; what-if gets the raw application to re-run it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from robot.queue.db import read
from robot.queue.schema import applications as A
from robot.queue.schema import events, manual_items, recommendations, rulesets
from robot.queue.schema import verdicts as V
from robot.queue.states import State

CHUNK = 900
"""Ids per IN (…) query: below SQLite's default limit of bound parameters."""
PAGE = 500


@dataclass(frozen=True)
class MonthPage:
    """Some of a month's applications and, per application pk, what is stored about each."""

    applications: list[Any]
    """id, application_id, channel, district, state, waits, last_error; ordered by application_id."""
    verdicts: dict[int, Any]
    """The latest verdict: ruleset, ruleset_identifier, outcome, amount, stickprov, reason_codes, duration_ms, verdict_json."""
    manual_items: dict[int, Any]
    recommendations: dict[int, Any]
    retries: dict[int, int]
    """Times processing ended in RETRY_WAIT."""


def month_pages(engine: Engine, month: str, size: int = 2 * CHUNK) -> Iterator[MonthPage]:
    """A month's applications a page at a time, in application_id order, all read in one transaction
    (one consistent picture however long the reader takes): memory holds one page, not the month."""
    with read(engine) as conn:
        last = ""
        while True:
            apps = conn.execute(
                select(A.c.id, A.c.application_id, A.c.channel, A.c.district, A.c.state, A.c.waits, A.c.last_error)
                .where(A.c.period == month, A.c.application_id > last)
                .order_by(A.c.application_id)
                .limit(size)
            ).all()
            if not apps:
                return
            pks = [a.id for a in apps]
            yield MonthPage(
                applications=list(apps),
                verdicts=_latest_verdicts(conn, pks),
                manual_items=_by_pk(conn, manual_items, pks),
                recommendations=_by_pk(conn, recommendations, pks),
                retries=_retries(conn, pks),
            )
            last = apps[-1].application_id


def month_rulesets(engine: Engine, month: str) -> dict[str, Any]:
    """identifier → version, files_json, for the rulesets the month's verdicts ran under."""
    with read(engine) as conn:
        used = select(V.c.ruleset_identifier).join(A, A.c.id == V.c.application_pk).where(A.c.period == month)
        return _rulesets(conn, set(conn.execute(used.distinct()).scalars()))


def without_period(engine: Engine) -> int:
    """Applications stored without a valid period (all months): no monthly report includes them."""
    with read(engine) as conn:
        return conn.execute(select(func.count()).select_from(A).where(A.c.period.is_(None))).scalar_one()


def applications_in(engine: Engine, month: str | None) -> int:
    """How many applications are stored for `month` (None: all)."""
    with read(engine) as conn:
        return conn.execute(select(func.count()).select_from(A).where(*_scope(month))).scalar_one()


def latest_verdicts(engine: Engine, month: str | None) -> Iterator[Any]:
    """Each application of `month` (None: all) that has a verdict, with its latest, a page at a time.

    Rows: id, application_id, raw, ruleset, outcome, amount, reason_codes, inputs_json. Purged verdicts are left out.
    """
    later = V.alias("later")
    latest = select(func.max(later.c.id)).where(later.c.application_pk == A.c.id).scalar_subquery()
    last = 0
    while True:
        query = (
            select(A.c.id, A.c.application_id, A.c.raw, V.c.ruleset, V.c.outcome, V.c.amount, V.c.reason_codes,
                   V.c.inputs_json)
            .join(V, V.c.application_pk == A.c.id)
            .where(*_scope(month), A.c.id > last, V.c.id == latest, V.c.purged_at.is_(None))
            .order_by(A.c.id)
            .limit(PAGE)
        )  # fmt: skip
        with read(engine) as conn:
            rows = conn.execute(query).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def _scope(month: str | None) -> list[Any]:
    return [A.c.period == month] if month else []


def _chunks(pks: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(pks), CHUNK):
        yield pks[start : start + CHUNK]


def _latest_verdicts(conn: Connection, pks: list[int]) -> dict[int, Any]:
    """Each application's latest verdict (there is normally exactly one)."""
    found: dict[int, Any] = {}
    for chunk in _chunks(pks):
        latest_ids = select(func.max(V.c.id)).where(V.c.application_pk.in_(chunk)).group_by(V.c.application_pk)
        query = select(
            V.c.application_pk,
            V.c.ruleset,
            V.c.ruleset_identifier,
            V.c.outcome,
            V.c.amount,
            V.c.stickprov,
            V.c.reason_codes,
            V.c.duration_ms,
            V.c.verdict_json,
        ).where(V.c.id.in_(latest_ids))
        for row in conn.execute(query):
            found[row.application_pk] = row
    return found


def _by_pk(conn: Connection, table: Any, pks: list[int]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for chunk in _chunks(pks):
        for row in conn.execute(select(table).where(table.c.application_pk.in_(chunk))):
            found[row.application_pk] = row
    return found


def _retries(conn: Connection, pks: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for chunk in _chunks(pks):
        query = (
            select(events.c.application_pk, func.count())
            .where(
                events.c.application_pk.in_(chunk),
                events.c.kind == "processed",
                events.c.to_state == State.RETRY_WAIT.value,
            )
            .group_by(events.c.application_pk)
        )
        found.update({pk: n for pk, n in conn.execute(query)})
    return found


def _rulesets(conn: Connection, identifiers: set[str]) -> dict[str, Any]:
    if not identifiers:
        return {}
    rows = conn.execute(
        select(rulesets.c.identifier, rulesets.c.version, rulesets.c.files_json).where(
            rulesets.c.identifier.in_(sorted(identifiers))
        )
    )
    return {r.identifier: r for r in rows}
