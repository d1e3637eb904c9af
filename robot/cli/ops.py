"""Commands for ops: the database, intake, the daemon, batches, status and configuration."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path

import typer

from robot.cli.common import (
    configure_logs,
    database_problem,
    engine,
    fail,
    is_terminal,
    masked,
    os_problem,
    register_source,
    ruleset,
    settings,
    stickprov_input,
)
from robot.cli.swedish_typer import SwedishGroup
from robot.formats.text import terminal_safe
from robot.swedish.casework import QUEUE_STATES
from robot.swedish.dates import local_time

db_app = typer.Typer(help="Databasen: schema (Alembic-migreringar), kontroll och gallring.", no_args_is_help=True, cls=SwedishGroup)
config_app = typer.Typer(help="Inställningarna som gäller.", no_args_is_help=True, cls=SwedishGroup)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Skapa eller migrera databasens schema (som ägarrollen) och ge driftrollen det den behöver."""
    from robot.queue import grants, migrate

    config = settings()
    runtime_url, owner_url = config.database(), config.migration_database()
    runtime_role = grants.role_of(runtime_url)
    separate = config.migration_database_url is not None
    if separate and not grants.same_database(runtime_url, owner_url):
        fail("ROBOT_MIGRATION_DATABASE_URL och ROBOT_DATABASE_URL pekar på olika databaser", code=2)
    if separate and runtime_role is not None and runtime_role == grants.role_of(owner_url):
        fail(
            f"ROBOT_MIGRATION_DATABASE_URL och ROBOT_DATABASE_URL loggar båda in som {runtime_role}: tabellernas "
            "ägare ska vara en annan roll än daemonens (docs/security.md)",
            code=2,
        )
    eng = engine(config, require_migrated=False, url=owner_url)
    before = migrate.status(eng)
    after = migrate.upgrade(eng)
    what = "redan aktuellt" if before.current == after.current else f"uppgraderat från {before.current or 'tomt'}"
    typer.echo(terminal_safe(f"databas {eng.url.render_as_string(hide_password=True)}: schema {after.current} ({what})"))
    if eng.dialect.name != "postgresql":
        return
    if not separate:
        typer.echo(
            terminal_safe(f"robot: varning: ROBOT_MIGRATION_DATABASE_URL är inte satt, så {runtime_role} äger tabellerna och kan ta "
            "bort eller stänga av spärrarna mot ändringar; se docs/security.md"),
            err=True,
        )
        return
    try:
        with eng.begin() as conn:
            warnings = grants.grant_runtime(conn, runtime_role or "")
    except grants.RoleError as exc:
        fail(str(exc), code=3)
    typer.echo(terminal_safe(f"driftrollen {runtime_role}: har fått bara det roboten behöver (robot/queue/grants.py)"))
    for warning in warnings:
        typer.echo(terminal_safe(f"robot: varning: {warning}"), err=True)


@db_app.command("status")
def db_status() -> None:
    """Visa schemaversionen i databasen och den som den här koden behöver."""
    from robot.queue import migrate

    eng = engine(settings(), require_migrated=False)
    state = migrate.status(eng)
    typer.echo(
        terminal_safe(f"databasen: {state.current or 'tom'}; koden: {state.head}; {'aktuell' if state.up_to_date else 'kör robot db upgrade'}")
    )
    raise typer.Exit(0 if state.up_to_date else 1)


@db_app.command("verify")
def db_verify(
    anchor: list[str] = typer.Option(
        [], "--anchor", help="Ett huvud som en tidigare verify skrev ut (kedja:id:hash), sparat på annat ställe; kan upprepas."
    ),
) -> None:
    """Gå igenom hashkedjorna i tabellerna som bara får tillägg och kontrollera uppgifterna som ska stämma
    med dem (`queue/facts.py`); slutkod 1 och den första raden som inte håller."""
    from robot.queue import facts
    from robot.queue.ledger import verify

    if any(a.count(":") != 2 for a in anchor):
        fail("--anchor tar kedja:id:hash, som `robot db verify` skriver ut den")
    eng = engine(settings())
    states = verify(eng, anchor)
    for state in states:
        summary = f"{state.chain}: {state.rows} rader" + (f" ({state.purged} gallrade)" if state.purged else "")
        if state.broken:
            typer.echo(terminal_safe(f"{summary}: BRUTEN vid {state.broken}"))
        else:
            typer.echo(terminal_safe(f"{summary}: hel; ankare {state.anchor}"))
    broken = [s.broken for s in states if s.broken]
    changed = facts.verify(eng)
    for fact in changed:
        typer.echo(terminal_safe(f"CHANGED {fact}"))
    if not changed:
        typer.echo("facts deciding money or access: agree with the records")
    broken += changed
    if broken:
        fail(f"posterna har ändrats eller skadats: första gången vid {broken[0]}", code=1)


@db_app.command("purge")
def db_purge(
    before: str = typer.Option(
        None, "--before", help="ÅÅÅÅ-MM-DD: ärenden avslutade före denna dag (standard: i dag minus \\[retention] years)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Räkna bara ärendena som skulle gallras."),
) -> None:
    """Gallring: ta bort personuppgifterna i avslutade ärenden (som ägarrollen); posterna går fortfarande att verifiera."""
    import datetime as dt
    import logging

    from sqlalchemy.exc import SQLAlchemyError

    from robot.accounts.service import os_user
    from robot.clock import SYSTEM
    from robot.queue.retention import TamperedRow, closed_before, purge
    from robot.swedish.dates import STOCKHOLM, today

    config = settings()
    years = config.retention.years
    now_day = today()
    latest = now_day.replace(year=now_day.year - years, day=28 if (now_day.month, now_day.day) == (2, 29) else now_day.day)
    try:
        day = dt.date.fromisoformat(before) if before else latest
    except ValueError:
        fail(f"--before {before!r} är inget datum (ÅÅÅÅ-MM-DD)")
    if day > latest:
        fail(
            f"--before {day} ligger inom bevarandetiden (retention): [retention] years = {years} tillåter ärenden "
            f"avslutade före {latest} som senast (ROBOT_RETENTION_YEARS, kommunens gallringsbeslut)"
        )
    cutoff = dt.datetime.combine(day, dt.time(0, 0), STOCKHOLM).astimezone(dt.UTC)
    eng = engine(config, url=config.migration_database())
    if dry_run:
        typer.echo(terminal_safe(f"{len(closed_before(eng, cutoff))} avslutade ärenden (avslutade före {day}) skulle gallras"))
        return
    # A refused statement leaves psycopg warning about the aborted pipeline: one line is said below instead.
    logging.getLogger("psycopg").setLevel(logging.ERROR)
    try:
        report = purge(eng, cutoff, f"purge:{os_user()}", SYSTEM.now())
    except TamperedRow as exc:
        fail(f"inget mer gallrades: {exc}", code=1)
    except SQLAlchemyError as exc:
        fail(
            f"gallringen gjordes inte: {database_problem(exc)}; den körs som tabellernas ägare "
            "(ROBOT_MIGRATION_DATABASE_URL, docs/security.md)",
            code=3,
        )
    rows = ", ".join(f"{n} {table}" for table, n in report.rows.items())
    typer.echo(
        terminal_safe(f"gallrade personuppgifterna i {report.applications} ärenden avslutade före {day} (rader: {rows}); "
        "id, datum, utfall och orsakskoder finns kvar och `robot db verify` håller fortfarande")
    )


@config_app.command("show")
def config_show() -> None:
    """Skriv ut inställningarna som gäller (filen och ROBOT_*-variablerna), hemligheter maskerade."""
    typer.echo(terminal_safe(json.dumps(masked(settings()), indent=2, ensure_ascii=False), lines=True))


def enqueue(paths: list[Path] = typer.Argument(..., help="ansokan/1-filer (JSON) eller mappar med sådana.")) -> None:
    """Lägg ansökningar i kön. Samma application_id en gång till rapporteras och hoppas över."""
    from sqlalchemy.exc import SQLAlchemyError

    from robot.intake.enqueue import enqueue_paths
    from robot.intake.files import collect

    config = settings()
    configure_logs(config)
    eng = engine(config)
    missing = [p for p in paths if not p.exists()]
    if missing:
        fail(f"{missing[0]}: filen eller mappen finns inte")
    try:
        report = enqueue_paths(
            eng,
            collect(paths),
            config,
            actor="enqueue",
            on_rejected=lambda r: typer.echo(terminal_safe(f"avvisad   {r.path}: {r.reason}"), err=True),
        )
    except SQLAlchemyError as exc:
        fail(f"databasen slutade svara: {database_problem(exc)}; det som köades innan ligger kvar i kön", code=3)
    for app_id in report.duplicates:
        typer.echo(terminal_safe(f"dubblett {app_id}: finns redan i kön med samma innehåll (hoppades över)"))
    for app_id in report.conflicts:
        typer.echo(terminal_safe(f"konflikt  {app_id}: finns redan i kön med annat innehåll: sparad bredvid den första som ett eget ärende i manuella kön"))
    typer.echo(
        terminal_safe(f"{report.queued} köade, {len(report.duplicates)} dubbletter, {len(report.conflicts)} konflikter, "
        f"{report.rejected} avvisade (av {report.files} filer)")
    )
    raise typer.Exit(1 if report.rejected else 0)


def _runtime(config):
    from robot import logs
    from robot.config import WeakSecret, check_secret
    from robot.queue.grants import engine_warnings
    from robot.worker.daemon import Runtime

    eng = engine(config)
    rs = ruleset(None, config)
    log = logs.get("robot.daemon")
    if config.demo:
        log.warning("demo_mode", detail="ROBOT_DEMO is set: public demo keys are accepted; never use it in production")
    for warning in engine_warnings(eng):
        log.warning("database_role_too_powerful", detail=warning)
    if config.output.secret is not None:
        try:
            check_secret("ROBOT_OUTPUT_SECRET", config.output.secret.get_secret_value(), demo=config.demo)
        except WeakSecret as exc:
            fail(str(exc))
    if config.casesystem:
        from robot.adapters.casesystem.gateway import check_settings

        try:
            check_settings(config)
        except ValueError as exc:
            fail(str(exc), code=3)
    return Runtime(
        engine=eng,
        settings=config,
        ruleset=rs,
        source=register_source(config),
        stickprov=stickprov_input(config, require_key=True),
        worker_id=config.worker_id(),
    )


def _run(rt, *, until_idle: bool, watch_inbox: bool, schedule: bool, batch_key: str | None, serve_http: bool) -> None:
    from robot.cli.progress import progress
    from robot.queue.status import due_now
    from robot.worker.daemon import run_worker

    with progress(due_now(rt.engine), on_terminal=is_terminal()) as written:
        stats = asyncio.run(
            run_worker(rt, until_idle=until_idle, watch_inbox=watch_inbox, schedule=schedule, batch_key=batch_key,
                       on_written=written, serve_http=serve_http)
        )  # fmt: skip
    _summary(stats)


def _summary(stats) -> None:
    typer.echo(
        terminal_safe(f"behandlade {stats.processed}: {stats.recommendations} rekommendationer, {stats.manual} till manuell "
        f"handläggning, {stats.retry_wait} väntar på nytt försök, {stats.technical_failures} tekniska fel"
        + (f"; {stats.released} släppta ofärdiga" if stats.released else ""))
    )


def run(
    until_idle: bool = typer.Option(False, "--until-idle", help="Avsluta när inget väntar (för demo och test)."),
    inbox: bool = typer.Option(True, "--inbox/--no-inbox", help="Bevaka inkorgen (datamappen/inbox)."),
    schedule: bool = typer.Option(True, "--schedule/--no-schedule", help="Kör schemalagda körningar (inställningen \\[schedule])."),
    processes: int | None = typer.Option(None, "--processes", min=1, max=64, help="Antal arbetsprocesser, startade "
                                         "från en och samma uppstart (t.ex. en per kärna; ersätter inställningen "
                                         "\\[worker] processes, 1)."),
) -> None:
    """Tjänsten: bevakar kön och inkorgen hela tiden och kör månadens körningar. Stoppas med SIGTERM eller Ctrl-C.

    Svarar på /metrics, /healthz och /readyz på ROBOT_HTTP_HOST:ROBOT_HTTP_PORT (127.0.0.1:9108; port 0: inga).
    """
    from robot.worker import heap

    with contextlib.ExitStack() as daemon:
        with heap.start_up():
            config = settings()
            configure_logs(config, quiet_on_terminal=True)
            count = processes or config.worker.processes
            if count > 1:
                daemon.callback(*_counters_shared())  # before the worker's modules load prometheus_client
            rt = _runtime(config)
        if count == 1:
            _run(rt, until_idle=until_idle, watch_inbox=inbox, schedule=schedule, batch_key=None, serve_http=True)
        else:
            _run_forked(rt, count, until_idle=until_idle, watch_inbox=inbox, schedule=schedule)


def _counters_shared():
    """prometheus_client's multiprocess mode for `--processes N` (robot/observability/multiprocess.py), and how to
    end it."""
    from robot.observability.multiprocess import TooLate, share_counters, stop_sharing

    try:
        return stop_sharing, share_counters()
    except TooLate as exc:
        fail(f"{exc}; ett fel i roboten, inte i inställningarna")


def _run_forked(rt, count: int, *, until_idle: bool, watch_inbox: bool, schedule: bool) -> None:
    from robot.worker.processes import NotForkable, run_processes

    def work(child, first: bool):
        """One forked worker: child 0 with the companions, the others the queue only; progress as log lines.

        A failure ends the child as it ends a single worker's command: the same Swedish line (never a traceback
        with the SQL's parameters) and exit code. The child never returns into the command line's own handling."""
        from robot.cli.progress import progress
        from robot.cli.swedish_typer import explain_failure
        from robot.worker.daemon import run_worker

        try:
            with progress(0, on_terminal=False) as written:
                return asyncio.run(
                    run_worker(child, until_idle=until_idle, watch_inbox=watch_inbox and first,
                               schedule=schedule and first, on_written=written, serve_http=first, deliver=first)
                )  # fmt: skip
        except Exception as exc:
            try:
                explain_failure(exc)
            except typer.Exit as explained:
                raise SystemExit(explained.exit_code) from None
            raise

    try:
        finished = run_processes(rt, count, work, until_idle=until_idle)
    except NotForkable as exc:
        fail(f"kan inte starta {count} arbetsprocesser: {exc}; ett fel i roboten, inte i inställningarna")
    _summary(finished.stats)
    raise typer.Exit(finished.exit_code)


def batch() -> None:
    """Behandla allt som väntar nu (efter en genomgång av inkorgen) och avsluta.

    I en terminal en förloppsindikator med takt och tid kvar; annars en JSON-rad `progress` var 10:e sekund.
    """
    from robot.clock import SYSTEM
    from robot.intake.inbox import scan_inbox
    from robot.worker import heap

    with heap.start_up():
        config = settings()
        configure_logs(config, quiet_on_terminal=True)
        rt = _runtime(config)
    try:
        inbox = scan_inbox(rt.engine, config)
    except OSError as exc:
        fail(f"kan inte använda inkorgen {config.inbox_dir.absolute()}: {os_problem(exc)}", code=3)
    if inbox.queued or inbox.rejected:
        typer.echo(terminal_safe(f"inkorgen: {inbox.queued} köade, {inbox.rejected} avvisade"))
    if config.casesystem:
        from robot.cli.casesystem import poll_once

        poll_once(rt.engine, rt.settings, rt.clock)
    key = "cli:" + SYSTEM.now().isoformat(timespec="seconds")
    _run(rt, until_idle=True, watch_inbox=False, schedule=False, batch_key=key, serve_http=False)
    if config.casesystem:
        from robot.worker.daemon import deliver_remaining

        asyncio.run(deliver_remaining(rt))


def status(as_json: bool = typer.Option(False, "--json", help="Utdata för program (JSON).")) -> None:
    """Antal per köstatus, den ansökan som väntat längst, manuella kön, senaste körningen och utkorgen."""
    from robot.cli.outbox import outbox_summary, summary_lines
    from robot.queue.status import queue_status

    config = settings()
    eng = engine(config)
    data = queue_status(eng)
    data["outbox"] = outbox_summary(config, eng)
    if as_json:
        typer.echo(terminal_safe(json.dumps(data, indent=2, ensure_ascii=False), lines=True))
        return
    states = data["states"]
    typer.echo(terminal_safe(f"ansökningar: {data['applications']}"))
    typer.echo(terminal_safe("  " + "; ".join(f"{QUEUE_STATES.get(k, k)} {v}" for k, v in states.items())))
    held = data["held_for_batch"]
    typer.echo(
        terminal_safe(f"  att behandla nu: {data['due_now']}; väntar på månadens körning: {held['count']}"
        + (f" (från {local_time(held['from'])})" if held["count"] else ""))
    )
    oldest = data["oldest_waiting"]
    typer.echo(
        terminal_safe("väntat längst: "
        + (
            f"{oldest['application_id']} ({oldest['state']}, mottagen {local_time(oldest['received_at'])}, "
            f"{oldest['waiting_minutes']} min)"
            if oldest
            else "ingen"
        ))
    )
    m = data["manual_queue"]
    typer.echo(
        terminal_safe(f"manuella kön: {m['size']} (öppna {m['open']}, tilldelade {m['claimed']}; avslutade {m['resolved']}; "
                      f"försenade {m['overdue']})")
    )
    r = data["recommendations"]
    typer.echo(terminal_safe(f"rekommendationer: väntar {r['pending']}, fastställda {r['approved']}, avvisade {r['rejected']}"))
    last = data["last_batch"]
    if last:
        typer.echo(
            terminal_safe(f"senaste körningen: {last['key']} startad {local_time(last['started_at'])}"
            + (
                f", klar {local_time(last['finished_at'])}, {last['processed']} behandlade"
                if last["finished_at"]
                else ", pågår"
            ))
        )
    typer.echo("\n".join(summary_lines(data["outbox"], config.outbox_target())))
