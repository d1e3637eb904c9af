"""`robot outbox`: the decision records on their way to the case system (ops; ids and counts, no amounts)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import typer

from robot.cli.common import configure_logs, engine, fail, say, settings
from robot.cli.swedish_typer import SwedishGroup
from robot.config import WeakSecret

app = typer.Typer(
    help="Beslutsposter (beslut/1) på väg till verksamhetssystemet.", no_args_is_help=True, cls=SwedishGroup
)


def outbox_summary(config, eng):  # type: ignore[no-untyped-def]
    from robot.clock import SYSTEM
    from robot.queue import outbox

    return outbox.summary(eng, SYSTEM.now(), dt.timedelta(seconds=config.output.alert_after))


def summary_lines(data: dict, target: str | None) -> list[str]:
    """The outbox in a few lines, for `robot outbox status` and `robot status`."""
    lines = [f"outbox: pending {data['pending']}, delivered {data['delivered']}; target: {target or 'none configured'}"]
    oldest = data["oldest_pending"]
    if oldest:
        lines.append(
            f"  oldest pending: {oldest['event_id']} ({oldest['application_id']}), waiting {oldest['waiting_minutes']} min, "
            f"{oldest['attempts']} attempts" + (f", last error: {oldest['last_error']}" if oldest["last_error"] else "")
        )
    if data["overdue"]:
        lines.append(
            f"  ALERT: {data['overdue']} undelivered for more than {data['alert_after_minutes']:g} min "
            "(output.alert_after)"
        )
    return lines


@app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Utdata för program (JSON).")) -> None:
    """Väntande och levererade poster, den som väntat längst och larmet. Slutkod 1 så länge larmet gäller."""
    config = settings()
    data = outbox_summary(config, engine(config))
    if as_json:
        say(json.dumps({**data, "target": config.output.target()}, indent=2, ensure_ascii=False))
    else:
        say("\n".join(summary_lines(data, config.output.target())))
        deliverer = data["deliverer"]
        say(f"  deliverer: {deliverer['owner']} (lease until {deliverer['lease_until']})" if deliverer
                   else "  deliverer: none active")  # fmt: skip
    raise typer.Exit(1 if data["overdue"] else 0)


@app.command("list")
def list_(
    status: str = typer.Option("pending", "--status", help="pending (väntar), delivered (levererade) eller all (alla)."),
    limit: int = typer.Option(50, "--limit", min=1),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Posterna och deras leveransläge: väntande i leveransordning, övriga nyaste först."""
    from robot.queue import outbox

    if status not in ("pending", "delivered", "all"):
        fail(f"unknown status {status!r}: pending, delivered or all")
    page = outbox.listing(engine(settings()), None if status == "all" else status, limit)
    rows = [
        {
            "event_id": r.event_id, "application_id": r.application_id, "decision": r.decision,
            "decided_at": r.decided_at.isoformat(timespec="seconds"), "status": r.status, "attempts": r.attempts,
            "next_attempt_at": r.next_attempt_at.isoformat(timespec="seconds") if r.next_attempt_at else None,
            "last_error": r.last_error, "supersedes": r.supersedes,
        }
        for r in page
    ]  # fmt: skip
    if as_json:
        say(json.dumps({"total": page.total, "records": rows}, indent=2, ensure_ascii=False))
        return
    if not rows:
        say(f"no {status if status != 'all' else ''} records".replace("  ", " "))
        return
    say(f"{'event_id':<36}  {'application':<22} {'decision':<10} {'status':<9} {'tries':>5}  last error")
    for r in rows:
        say(f"{r['event_id']:<36}  {r['application_id']:<22} {r['decision']:<10} {r['status']:<9} "
                   f"{r['attempts']:>5}  {r['last_error'] or ''}")  # fmt: skip
    if page.cut:
        say(f"{len(page)} of {page.total} shown; --limit {page.total} shows all")


@app.command("deliver")
def deliver() -> None:
    """En leveransomgång nu (väntetider struntas i): varje väntande post i ordning tills en misslyckas.

    Slutkod 0 när inget väntar längre, 1 när en post inte togs emot, 3 utan en användbar mottagare.
    """
    config = settings()
    configure_logs(config)
    eng = engine(config)
    if config.output.target() is None:
        fail("no output target: set ROBOT_OUTPUT_DIR or ROBOT_OUTPUT_URL (config [output])", code=3)
    try:
        report = asyncio.run(one_pass(config, eng, respect_backoff=False))
    except WeakSecret as exc:
        fail(str(exc), code=3)
    say(f"delivered {report.delivered} to {config.output.target()}; pending {report.pending_after}")
    if report.busy:
        say("another deliverer holds the lease (a daemon is delivering); nothing done")
    if report.failed:
        say(f"stopped at a record the target did not take: {report.failed}")
    raise typer.Exit(1 if report.failed else 0)


async def one_pass(config, eng, *, respect_backoff: bool, deadline: float | None = None, quiet: bool = False):  # type: ignore[no-untyped-def]
    """One pass of the deliverer (the CLI's own: the OS user and process id as the owner)."""
    import os
    import socket

    from robot.outbox.deliverer import LOG, QUIET, Deliverer, PassReport
    from robot.outbox.targets import make_target

    target = make_target(config.output, demo=config.demo)
    owner = f"cli:{socket.gethostname()}-{os.getpid()}"
    deliverer = Deliverer(eng, config.output, target, owner, log=QUIET if quiet else LOG)
    try:
        run = deliverer.deliver_pending(respect_backoff=respect_backoff)
        report = await (asyncio.wait_for(run, deadline) if deadline else run)
        await deliverer.alert_if_overdue()
        return report
    except TimeoutError:
        return PassReport(failed=f"no answer within {deadline:g} s")
    finally:
        if target is not None:
            await target.aclose()


@app.command("retry")
def retry(
    event_ids: list[str] = typer.Argument(None, help="Poster att försöka igen (standard: alla väntande)."),
) -> None:
    """Nollställ väntetiden för väntande poster: de skickas vid nästa omgång (eller kör `deliver`)."""
    from robot.accounts.service import os_user
    from robot.clock import SYSTEM
    from robot.queue import outbox

    changed = outbox.retry_now(engine(settings()), event_ids or None, f"ops:{os_user()}", SYSTEM.now())
    say(f"{changed} pending records will be tried at the next pass")
