"""The web app's sessions as stored: the cookie holds a random token, the database only its hash.

A session row carries its CSRF token and when it was last used; logging out or an idle timeout
deletes it, so a copied cookie is worthless afterwards. What a session may do is decided each
request from the account (`robot.accounts`), not from the session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select, update

from robot.queue.db import read
from robot.queue.schema import web_sessions as S


@dataclass(frozen=True)
class StoredSession:
    token_hash: str
    user_id: str
    csrf_token: str
    method: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime


def create(engine: Engine, session: StoredSession) -> None:
    with engine.begin() as conn:
        conn.execute(insert(S).values(**session.__dict__))


def find(engine: Engine, token_hash: str) -> StoredSession | None:
    with read(engine) as conn:
        row = conn.execute(select(S).where(S.c.token_hash == token_hash)).first()
    return StoredSession(**row._mapping) if row else None


def touch(engine: Engine, token_hash: str, at: dt.datetime) -> None:
    with engine.begin() as conn:
        conn.execute(update(S).where(S.c.token_hash == token_hash).values(last_seen_at=at))


def end(engine: Engine, token_hash: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(S).where(S.c.token_hash == token_hash))


def end_stale(engine: Engine, idle_before: dt.datetime, now: dt.datetime) -> int:
    """Delete sessions idle since before `idle_before` or past their end; how many."""
    with engine.begin() as conn:
        return conn.execute(delete(S).where((S.c.last_seen_at < idle_before) | (S.c.expires_at <= now))).rowcount
