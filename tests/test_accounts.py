"""Accounts and roles: the first administrator, what each role may do, passwords, the CLI's OS user."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from robot.accounts import Actor, NotAllowed, Permission, Role, UnknownAccount
from robot.accounts import service as accounts
from robot.queue.db import read
from robot.queue.schema import events, users
from tests.conftest import ROOT

ADMIN = Actor("ada", frozenset({Role.ADMIN}))
PASSWORD = "correct horse battery staple"


@pytest.fixture
def with_admin(engine):
    accounts.add_account(engine, None, "ada", frozenset({Role.ADMIN}))
    return engine


def test_the_first_account_is_an_administrator_added_without_an_acting_one(engine):
    with pytest.raises(NotAllowed):
        accounts.add_account(engine, None, "anna", frozenset({Role.HANDLAGGARE}))
    added = accounts.add_account(engine, None, "Ada", frozenset({Role.ADMIN}))
    assert added.user_id == "ada" and added.created_by.startswith("bootstrap:")
    with pytest.raises(NotAllowed):
        accounts.add_account(engine, None, "eve", frozenset({Role.ADMIN}))


def test_only_an_administrator_adds_and_disables_accounts(with_admin):
    anna = accounts.add_account(with_admin, ADMIN, "anna", frozenset({Role.HANDLAGGARE}), PASSWORD)
    assert anna.local_password and anna.roles == {Role.HANDLAGGARE}
    as_anna = accounts.actor_for(with_admin, "anna")
    with pytest.raises(NotAllowed, match="får inte hantera konton"):
        accounts.add_account(with_admin, as_anna, "bo", frozenset({Role.TEAMLEDARE}))
    with pytest.raises(NotAllowed):
        accounts.disable_account(with_admin, as_anna, "ada")
    accounts.disable_account(with_admin, ADMIN, "anna")
    with pytest.raises(UnknownAccount, match="avstängt"):
        accounts.actor_for(with_admin, "anna")
    with read(with_admin) as conn:
        kinds = [r.kind for r in conn.execute(select(events.c.kind, events.c.actor))]
    assert kinds == ["account_added", "account_added", "account_disabled"]


def test_the_last_administrator_cannot_be_disabled(with_admin):
    with pytest.raises(accounts.AccountError, match="sista aktiva administratörskontot"):
        accounts.disable_account(with_admin, ADMIN, "ada")


def test_roles_grant_only_their_permissions():
    handlaggare = Actor("anna", frozenset({Role.HANDLAGGARE}))
    teamledare = Actor("bo", frozenset({Role.TEAMLEDARE}))
    verksamhet = Actor("vera", frozenset({Role.VERKSAMHET}))
    assert handlaggare.can(Permission.WORK_CASES) and not handlaggare.can(Permission.OVERRIDE)
    assert teamledare.can(Permission.OVERRIDE) and teamledare.can(Permission.WORK_CASES)
    assert not verksamhet.can(Permission.WORK_CASES) and verksamhet.can(Permission.VIEW_REPORTS)
    assert not ADMIN.can(Permission.WORK_CASES) and ADMIN.can(Permission.MANAGE_ACCOUNTS)
    both = Actor("cai", frozenset({Role.ADMIN, Role.TEAMLEDARE}))
    assert both.can(Permission.MANAGE_ACCOUNTS) and both.can(Permission.OVERRIDE)


def test_passwords_are_stored_as_argon2_hashes_and_checked(with_admin):
    accounts.add_account(with_admin, ADMIN, "anna", frozenset({Role.HANDLAGGARE}), PASSWORD)
    with read(with_admin) as conn:
        stored = conn.execute(select(users.c.password_hash).where(users.c.user_id == "anna")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.authenticate(with_admin, "ANNA", PASSWORD) == Actor("anna", frozenset({Role.HANDLAGGARE}), "web")
    assert accounts.authenticate(with_admin, "anna", PASSWORD + "x") is None
    assert accounts.authenticate(with_admin, "nobody", PASSWORD) is None
    assert accounts.authenticate(with_admin, "ada", "") is None  # no local password: no web login by password
    accounts.disable_account(with_admin, ADMIN, "anna")
    assert accounts.authenticate(with_admin, "anna", PASSWORD) is None


@pytest.mark.parametrize(("user_id", "password", "why"), [
    ("anna", "short", "minst 12 tecken"),
    ("anna", "password1234", "vanliga och läckta lösenord"),
    ("anna", "Qwertyuiop123", "vanliga och läckta lösenord"),
    ("anna", "123456789012", "för lätt att gissa"),
    ("anna", "aaaaaaaaaaaaaaaa", "för lätt att gissa"),
    ("anna karlsson", PASSWORD, "ogiltigt användar-id"),
    ("", PASSWORD, "ogiltigt användar-id"),
])  # fmt: skip
def test_bad_user_ids_and_weak_passwords_are_refused(with_admin, user_id, password, why):
    with pytest.raises(accounts.AccountError, match=why):
        accounts.add_account(with_admin, ADMIN, user_id, frozenset({Role.HANDLAGGARE}), password)


def test_a_taken_user_id_is_refused(with_admin):
    with pytest.raises(accounts.AccountError, match="finns redan"):
        accounts.add_account(with_admin, ADMIN, "ADA", frozenset({Role.VERKSAMHET}))


def test_the_cli_acts_as_the_operating_system_user(with_admin):
    with pytest.raises(UnknownAccount, match=f"robot users add {accounts.os_user()}"):
        accounts.cli_actor(with_admin)
    accounts.add_account(with_admin, ADMIN, accounts.os_user(), frozenset({Role.TEAMLEDARE}))
    assert accounts.cli_actor(with_admin).roles == {Role.TEAMLEDARE}


def robot(settings, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROBOT_DATA_DIR": str(settings.data_dir), "ROBOT_CONFIG": "/dev/null"}
    env.pop("ROBOT_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "robot", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_robot_users_from_the_first_administrator_to_a_handlaggare_with_a_password(engine, settings):
    me = accounts.os_user()
    refused = robot(settings, "users", "add", "anna", "--role", "handlaggare")
    assert refused.returncode == 4 and "första kontot ska vara administratör" in refused.stderr
    first = robot(settings, "users", "add", me, "--role", "admin", "--role", "teamledare")
    assert first.returncode == 0, first.stderr
    added = robot(settings, "users", "add", "anna", "-r", "handlaggare", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0 and "kontot anna lades till: handlaggare" in added.stdout
    listed = robot(settings, "users", "list")
    assert "anna" in listed.stdout and "lösenord" in listed.stdout and me in listed.stdout
    assert robot(settings, "users", "disable", "anna").returncode == 0
    assert "avstängt" in robot(settings, "users", "list").stdout
    assert accounts.authenticate(engine, "anna", PASSWORD) is None
