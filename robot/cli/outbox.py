"""`robot outbox`: the decision records on their way to the case system (ops; ids and counts, no amounts)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import typer

from robot.cli.common import configure_logs, engine, fail, say, settings
from robot.cli.swedish_typer import SwedishGroup
from robot.config import WeakSecret
from robot.swedish.dates import local_time

app = typer.Typer(
    help="Beslutsposter (beslut/1) på väg till verksamhetssystemet.", no_args_is_help=True, cls=SwedishGroup
)


STATUS_WORDS = {"väntar": "pending", "väntande": "pending", "levererade": "delivered", "levererad": "delivered", "alla": "all"}
DELIVERY_WORDS = {"pending": "väntar", "delivered": "levererad"}


def outbox_summary(config, eng):  # type: ignore[no-untyped-def]
    from robot.clock import SYSTEM
    from robot.queue import outbox

    return outbox.summary(eng, SYSTEM.now(), dt.timedelta(seconds=config.output.alert_after))


def summary_lines(data: dict, target: str | None) -> list[str]:
    """The outbox in a few lines, for `robot outbox status` and `robot status`."""
    lines = [f"utkorgen: väntar {data['pending']}, levererade {data['delivered']}; mottagare: {target or 'inte inställd'}"]
    oldest = data["oldest_pending"]
    if oldest:
        lines.append(
            f"  väntat längst: {oldest['event_id']} ({oldest['application_id']}), {oldest['waiting_minutes']} min, "
            f"{oldest['attempts']} försök" + (f", senaste fel: {oldest['last_error']}" if oldest["last_error"] else "")
        )
    if data["overdue"]:
        lines.append(
            f"  LARM: {data['overdue']} inte levererade på mer än {data['alert_after_minutes']:g} min "
            "(output.alert_after)"
        )
    return lines


@app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Utdata för program (JSON).")) -> None:
    """Väntande och levererade poster, den som väntat längst och larmet. Slutkod 1 så länge larmet gäller."""
    config = settings()
    data = outbox_summary(config, engine(config))
    if as_json:
        say(json.dumps({**data, "target": config.outbox_target()}, indent=2, ensure_ascii=False))
    else:
        say("\n".join(summary_lines(data, config.outbox_target())))
        deliverer = data["deliverer"]
        say(f"  levererar: {deliverer['owner']} (lås till {local_time(deliverer['lease_until'])})" if deliverer
                   else "  levererar: ingen just nu")  # fmt: skip
    raise typer.Exit(1 if data["overdue"] else 0)


@app.command("list")
def list_(
    status: str = typer.Option("väntar", "--status", help="väntar, levererade eller alla (pending, delivered, all)."),
    limit: int = typer.Option(50, "--limit", min=1),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Posterna och deras leveransläge: väntande i leveransordning, övriga nyaste först."""
    from robot.queue import outbox

    status = STATUS_WORDS.get(status.strip().lower(), status.strip().lower())
    if status not in ("pending", "delivered", "all"):
        fail(f"okänd status {status!r}: välj väntar, levererade eller alla (--status)")
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
        say({"pending": "Inga väntande poster.", "delivered": "Inga levererade poster."}.get(status, "Inga poster."))
        return
    say(f"{'event_id':<36}  {'ansökan':<22} {'beslut':<10} {'status':<10} {'försök':>6}  senaste fel")
    for r in rows:
        say(f"{r['event_id']:<36}  {r['application_id']:<22} {r['decision']:<10} "
            f"{DELIVERY_WORDS.get(r['status'], r['status']):<10} {r['attempts']:>6}  {r['last_error'] or ''}")  # fmt: skip
    if page.cut:
        say(f"Visar {len(page)} av {page.total}; --limit {page.total} visar alla.")


@app.command("deliver")
def deliver() -> None:
    """En leveransomgång nu (väntetider struntas i): varje väntande post i ordning tills en misslyckas.

    Slutkod 0 när inget väntar längre, 1 när en post inte togs emot, 3 utan en användbar mottagare.
    """
    config = settings()
    configure_logs(config)
    eng = engine(config)
    if config.outbox_target() is None:
        fail("ingen mottagare: sätt ROBOT_OUTPUT_DIR, ROBOT_OUTPUT_URL eller ROBOT_CASESYSTEM (inställningen [output])", code=3)
    try:
        report = asyncio.run(one_pass(config, eng, respect_backoff=False))
    except WeakSecret as exc:
        fail(str(exc), code=3)
    say(f"levererade {report.delivered} till {config.outbox_target()}; väntar {report.pending_after}")
    if report.busy:
        say("en annan process levererar just nu (en tjänst har låset); inget gjordes")
    if report.failed:
        say(f"stannade vid en post som mottagaren inte tog emot: {report.failed}")
    raise typer.Exit(1 if report.failed else 0)


async def one_pass(config, eng, *, respect_backoff: bool, deadline: float | None = None, quiet: bool = False):  # type: ignore[no-untyped-def]
    """One pass of the deliverer (the CLI's own: the OS user and process id as the owner)."""
    import os
    import socket

    from robot.outbox.deliverer import LOG, QUIET, Deliverer, PassReport
    from robot.outbox.recipient import target_for

    target = target_for(config)
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
    say(f"{changed} väntande poster skickas vid nästa omgång")
