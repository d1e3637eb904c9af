"""Accounts as stored. What an account may be (its user id, roles, password) is checked by
`robot.accounts` before it calls these; every change is in the event log with its actor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, func, insert, select, update

from robot.queue.db import read
from robot.queue.events import event_row, record
from robot.queue.schema import users as U


@dataclass(frozen=True)
class StoredAccount:
    user_id: str
    roles: tuple[str, ...]
    password_hash: str | None
    oidc_subject: str | None
    disabled: bool
    created_at: dt.datetime
    created_by: str


def _account(row) -> StoredAccount:  # type: ignore[no-untyped-def]
    return StoredAccount(
        row.user_id, tuple(r for r in row.roles.split(",") if r), row.password_hash, row.oidc_subject,
        row.disabled, row.created_at, row.created_by,
    )  # fmt: skip


def account(engine: Engine, user_id: str) -> StoredAccount | None:
    with read(engine) as conn:
        row = conn.execute(select(U).where(U.c.user_id == user_id)).first()
    return _account(row) if row else None


def account_by_subject(engine: Engine, subject: str) -> StoredAccount | None:
    with read(engine) as conn:
        row = conn.execute(select(U).where(U.c.oidc_subject == subject)).first()
    return _account(row) if row else None


def accounts(engine: Engine, include_disabled: bool = True) -> list[StoredAccount]:
    query = select(U).order_by(U.c.user_id)
    if not include_disabled:
        query = query.where(U.c.disabled.is_(False))
    with read(engine) as conn:
        return [_account(r) for r in conn.execute(query)]


def active_with_role(engine: Engine, role: str) -> int:
    """How many active accounts hold `role`."""
    with read(engine) as conn:
        rows = conn.execute(select(U.c.roles).where(U.c.disabled.is_(False))).scalars().all()
    return sum(1 for roles in rows if role in roles.split(","))


def insert_account(
    engine: Engine, user_id: str, roles: tuple[str, ...], password_hash: str | None, oidc_subject: str | None,
    actor: str, at: dt.datetime,
) -> bool:  # fmt: skip
    """False when the user id (or the OIDC subject) is taken."""
    with engine.begin() as conn:
        taken = conn.execute(
            select(func.count()).select_from(U).where(
                (U.c.user_id == user_id) | ((U.c.oidc_subject == oidc_subject) & U.c.oidc_subject.is_not(None))
            )
        ).scalar_one()
        if taken:
            return False
        conn.execute(
            insert(U).values(
                user_id=user_id, roles=",".join(roles), password_hash=password_hash, oidc_subject=oidc_subject,
                disabled=False, created_at=at, created_by=actor,
            )
        )  # fmt: skip
        record(conn, [event_row(at, "account_added", actor, user_id=user_id, roles=",".join(roles))])
    return True


def set_disabled(engine: Engine, user_id: str, actor: str, at: dt.datetime) -> bool:
    """False when there is no active account with that user id."""
    with engine.begin() as conn:
        done = conn.execute(
            update(U)
            .where(U.c.user_id == user_id, U.c.disabled.is_(False))
            .values(disabled=True, disabled_at=at, disabled_by=actor)
        ).rowcount
        if done:
            record(conn, [event_row(at, "account_disabled", actor, user_id=user_id)])
    return bool(done)


def set_password_hash(
    engine: Engine, user_id: str, password_hash: str, actor: str, at: dt.datetime, logged: bool = True
) -> bool:
    """A new password hash; `logged=False` for a rehash of the same password at login."""
    with engine.begin() as conn:
        done = conn.execute(update(U).where(U.c.user_id == user_id).values(password_hash=password_hash)).rowcount
        if done and logged:
            record(conn, [event_row(at, "account_password_set", actor, user_id=user_id)])
    return bool(done)
