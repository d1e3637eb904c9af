"""`robot users`: accounts and roles (administrators). The acting person is the operating-system user."""

from __future__ import annotations

import json
import sys

import typer

from robot.cli.common import engine, fail, say, settings
from robot.cli.swedish_typer import SwedishGroup

app = typer.Typer(help="Konton och roller (administratörer).", no_args_is_help=True, cls=SwedishGroup)


def cli_actor_or_fail(eng):  # type: ignore[no-untyped-def]
    """The account of the person at the terminal, or one line saying how to get one."""
    from robot.accounts import UnknownAccount
    from robot.accounts.service import cli_actor

    try:
        return cli_actor(eng)
    except UnknownAccount as exc:
        fail(str(exc), code=4)


def _refused(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    from robot.accounts import NotAllowed
    from robot.accounts.service import AccountError

    try:
        return fn(*args, **kwargs)
    except NotAllowed as exc:
        fail(f"nekas: {exc}", code=4)
    except AccountError as exc:
        fail(str(exc))


@app.command("add")
def add(
    user_id: str = typer.Argument(..., help="Användar-id: inloggningsnamnet i operativsystemet eller hos identitetsleverantören."),
    roles: list[str] = typer.Option(..., "--role", "-r", help="handlaggare, teamledare, verksamhet eller admin (flera går)."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Läs ett lösenord för webbinloggning från stdin."),
    oidc_subject: str = typer.Option(None, "--oidc-subject", help="Identitetsleverantörens `sub` för kontot (OpenID Connect)."),
) -> None:
    """Lägg till ett konto. Det första (en administratör) kan läggas till av den som kan köra kommandot här."""
    from robot.accounts import service
    from robot.queue.users import active_with_role

    eng = engine(settings())
    parsed = _refused(service.parse_roles, roles)
    actor = None if not active_with_role(eng, "admin") else cli_actor_or_fail(eng)
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    account = _refused(service.add_account, eng, actor, user_id, parsed, password, oidc_subject)
    say(f"kontot {account.user_id} lades till: {', '.join(sorted(account.roles))}")


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json")) -> None:
    """Alla konton med roller och om de kan logga in."""
    from robot.accounts import service

    eng = engine(settings())
    accounts = _refused(service.list_accounts, eng, cli_actor_or_fail(eng))
    if as_json:
        rows = [{"user_id": a.user_id, "roles": sorted(a.roles), "password": a.local_password, "oidc": a.oidc,
                 "disabled": a.disabled, "created_by": a.created_by} for a in accounts]  # fmt: skip
        say(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for a in accounts:
        login = ", ".join(k for k, on in (("lösenord", a.local_password), ("OIDC", a.oidc)) if on) or "bara CLI"
        state = "avstängt" if a.disabled else "aktivt"
        say(f"{a.user_id:<24} {', '.join(sorted(a.roles)):<28} {login:<18} {state}")


@app.command("disable")
def disable(user_id: str = typer.Argument(...)) -> None:
    """Stäng av ett konto: det kan inte längre logga in eller agera. Historiken finns kvar."""
    from robot.accounts import service

    eng = engine(settings())
    account = _refused(service.disable_account, eng, cli_actor_or_fail(eng), user_id)
    say(f"kontot {account.user_id} är avstängt")


@app.command("password")
def password(user_id: str = typer.Argument(...)) -> None:
    """Sätt ett lösenord för webbinloggning (läses från stdin): en administratör för vem som helst, var och en för sig själv."""
    from robot.accounts import service

    eng = engine(settings())
    _refused(service.set_password, eng, cli_actor_or_fail(eng), user_id, sys.stdin.readline().rstrip("\n"))
    say(f"lösenordet för {user_id} är satt")
