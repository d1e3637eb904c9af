"""`robot decisions`: a handläggare's decisions as the case system receives them (beslut/1), and corrections.

After every decision the CLI tries to hand the record over at once (one short delivery pass) and
says in Swedish whether it went; if not, the daemon's deliverer sends it later. Nothing is lost
either way: the record was written with the decision.
"""

from __future__ import annotations

import asyncio

import typer

from robot.cli.common import engine, say, settings
from robot.cli.wording import SwedishErrors, amount, handle, moment, parse_amount
from robot.swedish.casework import RESOLUTIONS as DECISION_WORDS

app = typer.Typer(
    help="Beslut som de skickas till verksamhetssystemet (beslut/1): visa och rätta.",
    no_args_is_help=True,
    cls=SwedishErrors,
)

BASIS_WORDS = {"robotens_forslag": "robotens förslag", "manuell_handlaggning": "manuell handläggning"}
DELIVERY_WORDS = {"pending": "väntar på att skickas", "delivered": "skickat"}
HAND_OVER_SECONDS = 5.0
"""How long a handläggare command waits for the case system before leaving the record to the daemon."""


def hand_over(config, eng, application_id: str, several: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Try to deliver the decision now (those before it go first), and say in one Swedish line how it stands."""
    from robot.cli.outbox import one_pass
    from robot.config import WeakSecret
    from robot.queue import outbox

    it, they, sent, saved = (
        ("Besluten", "de", "skickade", "sparade") if several else ("Beslutet", "det", "skickat", "sparat")
    )
    if config.outbox_target() is None:
        say(
            f"{it} ligger i utkorgen; {they} skickas när driften har ställt in mottagaren (verksamhetssystemet)."
        )
        return
    try:
        report = asyncio.run(one_pass(config, eng, respect_backoff=True, deadline=HAND_OVER_SECONDS, quiet=True))
    except WeakSecret as exc:
        # The decision stands (it was written with its record); only the hand-over waits for ops.
        say(f"{it} är {saved} men kan inte skickas förrän driften har rättat mottagarens inställning.", err=True)
        say(f"robot: {exc}", err=True)
        return
    records = outbox.for_application(eng, application_id)
    if records and records[-1].status == "delivered":
        say(f"{it} är {sent} till verksamhetssystemet.")
    elif report.busy:
        say(f"{it} skickas till verksamhetssystemet inom kort.")
    else:
        say(f"{it} är {saved} och skickas till verksamhetssystemet så snart det svarar.")


def standing_line(eng, application_id: str) -> str | None:  # type: ignore[no-untyped-def]
    """The decision in force for the case system, in one Swedish line; None before any decision."""
    from robot.casework.decisions import current_decision
    from robot.queue import outbox

    records = outbox.for_application(eng, application_id)
    standing = current_decision(records)
    if standing is None:
        return None
    what = DECISION_WORDS[standing.decision] + (f" {amount(standing.amount)}" if standing.amount is not None else "")
    corrected = f", rättat av {standing.decided_by}" if standing.supersedes else ""
    more = f" (robot decisions list {application_id})" if len(records) > 1 else ""
    return f"Till verksamhetssystemet: {what}{corrected} – {DELIVERY_WORDS[standing.status]}{more}"


def _application(eng, application_of, ref: str) -> str | None:  # type: ignore[no-untyped-def]
    """The application `ref` names, for the access log, if it names one that exists."""
    from robot.casework import CaseworkError
    from robot.queue.records import application_row

    try:
        application_id = application_of(eng, ref)
    except CaseworkError:
        return None
    return application_id if application_row(eng, application_id) is not None else None


@app.command("list")
def list_(ref: str = typer.Argument(..., help="Ansökans id, ärendet (M12) eller rekommendationen (R12).")) -> None:
    """Alla beslut för en ansökan, det äldsta först, och om de har skickats."""
    from robot.casework.decisions import application_of, current_decision, decisions_for
    from robot.cli.audit import cli_viewer, record_cli_view
    from robot.queue.access_log import What

    eng = engine(settings())
    cli_viewer(eng, What.VIEW_ITEM, _application(eng, application_of, ref))
    records = handle(decisions_for, eng, ref)
    if records:
        record_cli_view(eng, records[0].application_id)
    if not records:
        say("Inga beslut.")
        return
    standing = current_decision(records)
    say(f"Beslut för ansökan {records[0].application_id}:")
    for r in records:
        what = DECISION_WORDS[r.decision] + (f" {amount(r.amount)}" if r.amount is not None else "")
        marks = [BASIS_WORDS[r.basis], f"av {r.decided_by}", DELIVERY_WORDS[r.status]]
        if r.supersedes:
            marks.append(f"rättar {r.supersedes[:8]}")
        if r is standing:
            marks.append("gäller")
        say(f"  {moment(r.decided_at)}  {what} – {', '.join(marks)}  [{r.event_id}]")


@app.command("show")
def show(event_id: str = typer.Argument(..., help="Beslutets id (event_id).")) -> None:
    """Ett beslut precis som verksamhetssystemet får det (beslut/1)."""
    from robot.cli.audit import cli_viewer, record_cli_view
    from robot.cli.common import fail
    from robot.queue import outbox
    from robot.queue.access_log import What

    eng = engine(settings())
    record = outbox.by_event_id(eng, event_id.strip().lower())
    cli_viewer(eng, What.VIEW_ITEM, record.application_id if record else None)
    if record is None:
        fail(f"inget beslut med id {event_id}", code=1)
    record_cli_view(eng, record.application_id)
    say(record.body, nl=False)


@app.command("correct")
def correct(
    ref: str = typer.Argument(..., help="Ansökans id, ärendet (M12) eller rekommendationen (R12)."),
    decision: str = typer.Option(
        ..., "--decision", "-d", help="Det rätta beslutet: bifall, delavslag, avslag eller överlämnad."
    ),
    kronor: str = typer.Option(None, "--amount", help="Det rätta beloppet i hela kronor (bifall och delavslag)."),
    note: str = typer.Option(None, "--note", help="Varför beslutet rättas (krävs); blir motiveringen."),
    confirm_amount: bool = typer.Option(
        False, "--confirm-amount", help="Beloppet avviker mycket från robotens förslag, och det är rätt."
    ),
) -> None:
    """Rätta ett beslut som blev fel: ett nytt beslut ersätter det gällande (det gamla ändras aldrig).

    Den som fattade beslutet eller en teamledare kan rätta det.
    """
    from robot.casework.decisions import application_of, correct_decision
    from robot.cli.audit import cli_action
    from robot.queue.access_log import What

    config = settings()
    eng = engine(config)
    kr_amount = parse_amount(kronor)
    record = cli_action(
        eng, What.CORRECT, _application(eng, application_of, ref),
        lambda actor: correct_decision(
            eng, ref, actor, decision=decision.strip().lower(), amount=kr_amount, note=note,
            confirm_amount=confirm_amount, settings=config,
        ),
    )  # fmt: skip
    what = DECISION_WORDS[record.decision] + (f" {amount(record.amount)}" if record.amount is not None else "")
    say(f"Beslutet för {record.application_id} är rättat: {what} (ersätter {record.supersedes}).")
    hand_over(config, eng, record.application_id)
