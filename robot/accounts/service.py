"""Accounts as a service: add, list, disable; log in with a password; the CLI's operating-system user.

The first account of an installation is made by whoever can run the CLI against its database
(ops): while no active administrator exists, `add` accepts an administrator account without an
acting one. After that only an administrator adds or disables accounts.
"""

from __future__ import annotations

import os
import pwd
import re
from dataclasses import dataclass

from sqlalchemy import Engine

from robot.accounts import passwords
from robot.accounts.actor import Actor, NotAllowed, UnknownAccount
from robot.accounts.roles import Permission, Role
from robot.clock import SYSTEM, Clock
from robot.queue import users

USER_ID = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")


class AccountError(Exception):
    """An account cannot be added or changed as asked (Swedish message)."""


@dataclass(frozen=True)
class Account:
    user_id: str
    roles: frozenset[Role]
    local_password: bool
    oidc: bool
    disabled: bool
    created_by: str


def normalize_user_id(user_id: str) -> str:
    value = user_id.strip().lower()
    if not USER_ID.match(value):
        raise AccountError(
            f"ogiltigt användar-id {user_id[:70]!r}: 1–64 tecken, a–z, siffror, punkt, bindestreck, understreck eller @"
        )
    return value


def parse_roles(names: list[str]) -> frozenset[Role]:
    roles = set()
    for name in names:
        try:
            roles.add(Role(name.strip().lower()))
        except ValueError:
            raise AccountError(f"okänd roll {name!r}: välj {', '.join(r.value for r in Role)}") from None
    if not roles:
        raise AccountError("ett konto behöver minst en roll")
    return frozenset(roles)


def os_user() -> str:
    """The login name of the account running this process (not $USER, which anyone can set)."""
    return pwd.getpwuid(os.geteuid()).pw_name


def actor_for(engine: Engine, user_id: str, channel: str = "cli") -> Actor:
    stored = users.account(engine, user_id.strip().lower())
    if stored is None or stored.disabled:
        state = "är avstängt" if stored else "finns inte"
        raise UnknownAccount(
            f"kontot {user_id!r} {state}; en administratör lägger till det med "
            f"`robot users add {user_id} --role handlaggare`"
        )
    return Actor(stored.user_id, frozenset(Role(r) for r in stored.roles), channel)  # type: ignore[arg-type]


def cli_actor(engine: Engine) -> Actor:
    """The person at the terminal: the account named like their operating-system login."""
    return actor_for(engine, os_user(), "cli")


def add_account(
    engine: Engine,
    actor: Actor | None,
    user_id: str,
    roles: frozenset[Role],
    password: str | None = None,
    oidc_subject: str | None = None,
    clock: Clock = SYSTEM,
) -> Account:
    """A new account. `actor` None is the bootstrap: allowed only for the first administrator."""
    user_id = normalize_user_id(user_id)
    if actor is None:
        if users.active_with_role(engine, Role.ADMIN) or Role.ADMIN not in roles:
            raise NotAllowed("bara en administratör lägger till konton (det första kontot ska vara administratör)")
        by = f"bootstrap:{os_user()}"
    else:
        actor.require(Permission.MANAGE_ACCOUNTS)
        by = actor.user_id
    hashed = None
    if password is not None:
        why = passwords.problem(password)
        if why:
            raise AccountError(why)
        hashed = passwords.hash_password(password)
    if not users.insert_account(engine, user_id, tuple(sorted(roles)), hashed, oidc_subject, by, clock.now()):
        raise AccountError(f"kontot {user_id} finns redan")
    return find_account(engine, user_id)


def find_account(engine: Engine, user_id: str) -> Account:
    stored = users.account(engine, user_id.strip().lower())
    if stored is None:
        raise AccountError(f"kontot {user_id!r} finns inte")
    return _public(stored)


def list_accounts(engine: Engine, actor: Actor) -> list[Account]:
    actor.require(Permission.MANAGE_ACCOUNTS)
    return [_public(a) for a in users.accounts(engine)]


def disable_account(engine: Engine, actor: Actor, user_id: str, clock: Clock = SYSTEM) -> Account:
    actor.require(Permission.MANAGE_ACCOUNTS)
    target = find_account(engine, user_id)
    if target.disabled:
        raise AccountError(f"kontot {target.user_id} är redan avstängt")
    if Role.ADMIN in target.roles and users.active_with_role(engine, Role.ADMIN) == 1:
        raise AccountError("det sista aktiva administratörskontot kan inte stängas av")
    users.set_disabled(engine, target.user_id, actor.user_id, clock.now())
    return find_account(engine, target.user_id)


def set_password(engine: Engine, actor: Actor, user_id: str, password: str, clock: Clock = SYSTEM) -> None:
    """An administrator sets anyone's password; a person their own."""
    target = normalize_user_id(user_id)
    if actor.user_id != target:
        actor.require(Permission.MANAGE_ACCOUNTS)
    why = passwords.problem(password)
    if why:
        raise AccountError(why)
    if not users.set_password_hash(engine, target, passwords.hash_password(password), actor.user_id, clock.now()):
        raise AccountError(f"kontot {user_id!r} finns inte")


def authenticate(engine: Engine, user_id: str, password: str, clock: Clock = SYSTEM) -> Actor | None:
    """The web login: the actor for a correct password of an active account, else None (same time either way)."""
    try:
        normalized = normalize_user_id(user_id)
    except AccountError:
        passwords.verify(None, password)
        return None
    stored = users.account(engine, normalized)
    hashed = stored.password_hash if stored and not stored.disabled else None
    if not passwords.verify(hashed, password) or stored is None:
        return None
    if passwords.needs_rehash(hashed):  # type: ignore[arg-type]
        users.set_password_hash(engine, normalized, passwords.hash_password(password), normalized, clock.now(), False)
    return Actor(stored.user_id, frozenset(Role(r) for r in stored.roles), "web")


def _public(stored: users.StoredAccount) -> Account:
    return Account(
        stored.user_id, frozenset(Role(r) for r in stored.roles), stored.password_hash is not None,
        stored.oidc_subject is not None, stored.disabled, stored.created_by,
    )  # fmt: skip
