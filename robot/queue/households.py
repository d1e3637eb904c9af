"""A household's earlier verdicts: what the robot itself assessed for the same adults this year.

The chain counts a child's own work income only above one prisbasbelopp per calendar year, so it
needs what the child earned in the year's earlier months; the robot knows that only from its own
earlier verdicts for the household (`robot.chain.reliefs.history_from_verdicts`). An application's
adults are stored as digests of their personnummer (`person_key`) with its first verdict; a household
is every application that shares an adult with this one. The digest is an index, not a secret: a
personnummer can be guessed from it, so the table is personal data, purged with the case like the
raw application that holds the number itself.
"""

from __future__ import annotations

import functools
import hashlib

from sqlalchemy import Connection, Engine, Insert, func, select

from robot.formats.verdict import Verdict
from robot.queue import bulk
from robot.queue.db import insert_on_conflict, read
from robot.queue.schema import application_persons as P
from robot.queue.schema import applications as A
from robot.queue.schema import verdicts as V

_DOMAIN = b"bistandsrobot person 1:"


def person_key(personnummer: str) -> str:
    """A stable digest of a personnummer: equal numbers, equal keys; the number is not stored."""
    return hashlib.sha256(_DOMAIN + personnummer.encode("ascii")).hexdigest()


def remember_all(conn: Connection, applications: list[tuple[int, list[str]]]) -> None:
    """Record each application's adults (once; a second verdict for an application adds nothing), in one statement."""
    rows = [
        {"application_pk": pk, "person_key": person_key(p)} for pk, pnrs in applications for p in dict.fromkeys(pnrs)
    ]
    bulk.executemany(conn, _insert_new(conn.dialect.name), rows)


@functools.cache
def _insert_new(dialect_name: str) -> Insert:
    """One statement per database, built once: `bulk` keeps its compiled plan by the statement."""
    return insert_on_conflict(dialect_name, P).on_conflict_do_nothing()


def earlier_verdicts(engine: Engine, personnummer: list[str], period: str, application_id: str) -> list[Verdict]:
    """The latest verdict of each other application this calendar year, before `period`, that shares an
    adult with the one being assessed (purged verdicts are left out: they no longer say anything)."""
    keys = [person_key(p) for p in dict.fromkeys(personnummer)]
    latest = select(func.max(V.c.id)).where(V.c.application_pk == A.c.id).correlate(A).scalar_subquery()
    query = (
        select(V.c.verdict_json)
        .join(A, A.c.id == V.c.application_pk)
        .where(
            A.c.id.in_(select(P.c.application_pk).where(P.c.person_key.in_(keys))),
            A.c.period >= f"{period[:4]}-01",
            A.c.period < period,
            A.c.application_id != application_id,
            V.c.id == latest,
            V.c.purged_at.is_(None),
        )
        .order_by(A.c.period, V.c.id)
    )
    with read(engine) as conn:
        return [Verdict.model_validate_json(text) for text in conn.execute(query).scalars()]
