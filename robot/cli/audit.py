"""`robot audit`: the access log (who saw or did what with which application, when, through which channel).

Administrators only (the operating-system user's account needs the right to see the access log).
`record_cli_view` is how CLI commands that show an application's personal data log themselves;
`cli_viewer` and `cli_action` how the handläggare commands log every view and action, done, denied
(no account, or its roles do not allow it) or refused, with the channel `cli`.
"""

from __future__ import annotations

import datetime as dt
import json

import typer

from robot.cli.common import engine, fail, say, settings
from robot.swedish.dates import local_time


def record_cli_view(eng, application_id: str) -> None:  # type: ignore[no-untyped-def]
    """Log that the person at the terminal was shown this application's personal data."""
    from robot.accounts.service import os_user
    from robot.clock import SYSTEM
    from robot.queue.access_log import What, record

    record(eng, SYSTEM.now(), os_user(), "cli", What.VIEW_ITEM, application_id)


def cli_viewer(eng, what, application_id: str | None = None):  # type: ignore[no-untyped-def]
    """The person at the terminal, if they may see applications' personal data; else the refusal is
    logged (denied) and the command ends with one line."""
    from robot.accounts import Permission

    actor = cli_account(eng, what, application_id)
    if not actor.can(Permission.WORK_CASES):
        from robot.queue.access_log import Outcome, record_access

        record_access(eng, actor, application_id, what, Outcome.DENIED)
        handle_refusal(actor.require, Permission.WORK_CASES)
    return actor


def cli_account(eng, what, application_id: str | None = None):  # type: ignore[no-untyped-def]
    """The account of the person at the terminal; without one, the attempt is logged (denied) and the
    command ends with one line."""
    from robot.accounts import UnknownAccount
    from robot.accounts.service import cli_actor, os_user
    from robot.clock import SYSTEM
    from robot.queue.access_log import Outcome, record

    try:
        return cli_actor(eng)
    except UnknownAccount as exc:
        record(eng, SYSTEM.now(), os_user(), "cli", what, application_id, Outcome.DENIED)
        fail(str(exc), code=4)


def cli_action(eng, what, application_id: str | None, action):  # type: ignore[no-untyped-def]
    """Run `action(actor)` for the person at the terminal, logged as done, denied or refused; a refusal
    ends the command with one Swedish line (`wording.handle`)."""
    from robot.casework.audit import logged

    actor = cli_account(eng, what, application_id)
    return handle_refusal(logged, eng, actor, application_id, what, lambda: action(actor))


def application_of(eng, find, ref: str) -> str | None:  # type: ignore[no-untyped-def]
    """The application `ref` names through `find` (find_manual, find_recommendation), or None: the
    access log then names no application (a reference that names none is not one)."""
    from robot.casework import CaseworkError

    try:
        return find(eng, ref).application_id
    except CaseworkError:
        return None


def handle_refusal(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    from robot.cli.wording import handle

    return handle(fn, *args, **kwargs)


def _instant(value: str | None, option: str, end: bool = False) -> dt.datetime | None:
    """ÅÅÅÅ-MM-DD (a whole day in Sweden: --until includes it) or an ISO 8601 instant with a time zone."""
    from zoneinfo import ZoneInfo

    if not value:
        return None
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value) + dt.timedelta(days=1 if end else 0)
            return dt.datetime.combine(day, dt.time(), ZoneInfo("Europe/Stockholm"))
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        fail(f"{option} {value!r}: ange ett datum (ÅÅÅÅ-MM-DD) eller en tidpunkt med tidszon (2026-12-02T08:00+01:00)")
    return moment


def audit(
    user: str = typer.Option(None, "--user", help="Bara detta användar-id."),
    application: str = typer.Option(None, "--application", help="Bara denna ansökan (ansöknings-id)."),
    since: str = typer.Option(None, "--since", help="Från och med (ÅÅÅÅ-MM-DD eller en tidpunkt med tidszon)."),
    until: str = typer.Option(None, "--until", help="Till och med dagen (ÅÅÅÅ-MM-DD), eller före tidpunkten."),
    as_json: bool = typer.Option(False, "--json", help="En JSON-lista, äldst först."),
) -> None:
    """Åtkomstloggen: vem som såg eller gjorde vad med vilken ansökan, när och genom vilken kanal."""
    from robot.accounts import NotAllowed, Permission
    from robot.cli.users import cli_actor_or_fail
    from robot.queue import access_log
    from robot.queue.access_log import OUTCOME_NAMES, WHAT_NAMES, Outcome

    eng = engine(settings())
    try:
        cli_actor_or_fail(eng).require(Permission.VIEW_AUDIT)
    except NotAllowed as exc:
        fail(f"nekas: {exc}", code=4)
    rows = access_log.entries(
        eng, (user or "").strip().lower() or None, application, _instant(since, "--since"),
        _instant(until, "--until", end=True),
    )  # fmt: skip
    if as_json:
        out = [
            {"at": r.at.isoformat(), "user_id": r.user_id, "channel": r.channel, "application_id": r.application_id,
             "what": r.what, "outcome": r.outcome, "address": r.address}
            for r in rows
        ]  # fmt: skip
        say(json.dumps(out, ensure_ascii=False, indent=2))
        return
    if not rows:
        say("Inga poster.")
        return
    for r in rows:
        what = WHAT_NAMES.get(r.what, r.what)  # type: ignore[call-overload]  # StrEnum keys match their strings
        outcome = OUTCOME_NAMES.get(r.outcome, r.outcome) if r.outcome != Outcome.OK else ""  # type: ignore[call-overload]
        say(
            f"{local_time(r.at, seconds=True)} {r.user_id or '(okänt konto)':<20} {r.channel:<4} "
            f"{r.application_id or '–':<22} {what}" + (f" ({outcome})" if outcome else "")
        )
