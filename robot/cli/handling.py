"""Commands for handläggare: the manual-handling queue, recommendations and explanations (in Swedish)."""

from __future__ import annotations

import json

import typer

from robot.cli.common import engine, fail, settings
from robot.formats.text import terminal_safe
from robot.swedish.dates import local_date
from robot.swedish.numbers import kr

manual_app = typer.Typer(help="Manuella kön: lista, visa, ta och avsluta ärenden.", no_args_is_help=True)
rec_app = typer.Typer(help="Robotens rekommendationer: lista, visa, fastställ eller avvisa.", no_args_is_help=True)

AS = typer.Option(None, "--as", help="Ditt användar-id (handläggare); krävs och loggas i händelseloggen.")


OPTIONS = {
    "actor": "--as",
    "decision": "--decision",
    "amount": "--amount",
    "note": "--note",
    "stickprov_correct": "--correct eller --incorrect",
    "force": "--force",
    "status": "--status",
    "limit": "--limit",
}
"""The option that sets each input a casework error can name."""


def _handle(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Run a casework action; its refusal is one line naming the option to fix, exit 1 (2 for bad input)."""
    from robot.casework import CaseworkError, Invalid

    try:
        return fn(*args, **kwargs)
    except CaseworkError as exc:
        option = OPTIONS.get(exc.field or "")
        fail(f"{exc}" + (f" ({option})" if option else ""), code=2 if isinstance(exc, Invalid) else 1)


@manual_app.command("list")
def manual_list(
    status: str = typer.Option(None, "--status", help="open, claimed eller resolved (standard: open och claimed)."),
    mine: str = typer.Option(None, "--assignee", help="Bara ärenden tilldelade detta användar-id."),
    limit: int = typer.Option(50, "--limit", help="Högst så många ärenden."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Ärenden i manuella kön, det med tidigast sista dag först."""
    from robot.casework import list_manual

    items = _handle(list_manual, engine(settings()), status, mine, limit)
    if as_json:
        typer.echo(terminal_safe(json.dumps([_item_json(i) for i in items], indent=2, ensure_ascii=False), lines=True))
        return
    if not items:
        typer.echo("Inga ärenden.")
        return
    typer.echo(terminal_safe(f"{'nr':>5}  {'ansökan':<22} {'status':<9} {'sista dag':<10}  {'förslag':>10}  orsaker"))
    for i in items:
        codes = ",".join(dict.fromkeys(i.codes))
        typer.echo(
            terminal_safe(f"{i.id:>5}  {i.application_id:<22} {i.status:<9} {local_date(i.deadline):<10}  {kr(i.proposal_amount):>10}  {codes}")
        )


@manual_app.command("show")
def manual_show(ref: str = typer.Argument(..., help="Ärendenummer eller ansöknings-id.")) -> None:
    """Ett ärende: orsakerna i klartext, robotens förslag och status."""
    from robot.casework import find_manual

    item = _handle(find_manual, engine(settings()), ref)
    typer.echo(terminal_safe(f"Ärende {item.id} – ansökan {item.application_id}"))
    typer.echo(terminal_safe(f"Status: {item.status}" + (f" (tilldelat {item.assignee})" if item.assignee else "")))
    typer.echo(terminal_safe(f"Sista dag: {local_date(item.deadline)}"))
    if item.stickprov:
        typer.echo("Stickprov: ja – ange vid avslut om ansökan var korrekt.")
    typer.echo(terminal_safe(f"Robotens förslag: {kr(item.proposal_amount)}"))
    typer.echo("Orsaker:")
    for r in item.reasons:
        typer.echo(terminal_safe(f"  - {r.text} [{r.code}]"))
    if item.status == "resolved":
        typer.echo(
            terminal_safe(f"Beslut: {item.resolution} {kr(item.resolution_amount) if item.resolution_amount else ''} av {item.resolved_by}")
        )
        if item.note:
            typer.echo(terminal_safe(f"Motivering: {item.note}"))
    typer.echo(terminal_safe(f"Hela underlaget: robot explain {item.application_id}"))


@manual_app.command("claim")
def manual_claim(ref: str = typer.Argument(...), actor: str = AS) -> None:
    """Ta ett öppet ärende."""
    from robot.casework import claim_manual

    item = _handle(claim_manual, engine(settings()), ref, actor)
    typer.echo(terminal_safe(f"Ärende {item.id} ({item.application_id}) är tilldelat {item.assignee}."))


@manual_app.command("resolve")
def manual_resolve(
    ref: str = typer.Argument(...),
    actor: str = AS,
    resolution: str = typer.Option(..., "--decision", "-d", help="bifall, delavslag eller avslag."),
    amount: int = typer.Option(None, "--amount", help="Beviljat belopp i kronor (bifall och delavslag)."),
    note: str = typer.Option(None, "--note", help="Motivering (krävs för delavslag och avslag)."),
    correct: bool = typer.Option(None, "--correct/--incorrect", help="För stickprov: var ansökan korrekt?"),
    force: bool = typer.Option(False, "--force", help="Avsluta ett ärende som är tilldelat någon annan."),
) -> None:
    """Avsluta ett ärende med handläggarens beslut."""
    from robot.casework import resolve_manual

    item = _handle(
        resolve_manual,
        engine(settings()),
        ref,
        actor,
        resolution=resolution,
        amount=amount,
        note=note,
        stickprov_correct=correct,
        force=force,
    )
    typer.echo(
        terminal_safe(f"Ärende {item.id} ({item.application_id}) avslutat: {item.resolution} {kr(item.resolution_amount) if item.resolution_amount else ''}".rstrip())
    )


@rec_app.command("list")
def rec_list(
    status: str = typer.Option("pending", "--status", help="pending, approved eller rejected."),
    limit: int = typer.Option(50, "--limit", help="Högst så många rekommendationer."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Rekommendationer om bifall som väntar på en handläggare."""
    from robot.casework import list_recommendations

    recs = _handle(list_recommendations, engine(settings()), status, limit)
    if as_json:
        typer.echo(terminal_safe(json.dumps([_rec_json(r) for r in recs], indent=2, ensure_ascii=False), lines=True))
        return
    if not recs:
        typer.echo("Inga rekommendationer.")
        return
    typer.echo(terminal_safe(f"{'nr':>5}  {'ansökan':<22} {'belopp':>10}  status"))
    for r in recs:
        typer.echo(
            terminal_safe(f"{r.id:>5}  {r.application_id:<22} {kr(r.amount):>10}  {r.status}"
            + (f" ({r.decided_by})" if r.decided_by else ""))
        )


@rec_app.command("show")
def rec_show(ref: str = typer.Argument(..., help="Rekommendationens nummer eller ansöknings-id.")) -> None:
    """En rekommendation med hela motiveringen."""
    from robot.casework import find_recommendation
    from robot.chain.explain import explain
    from robot.queue.records import application_row, stored_verdict

    eng = engine(settings())
    rec = _handle(find_recommendation, eng, ref)
    typer.echo(
        terminal_safe(f"Rekommendation {rec.id}: bifall med {kr(rec.amount)} – status {rec.status}"
        + (f" ({rec.decided_by})" if rec.decided_by else ""))
    )
    stored = stored_verdict(eng, application_row(eng, rec.application_id).id)
    typer.echo(terminal_safe(explain(stored.verdict), lines=True), nl=False)


@rec_app.command("approve")
def rec_approve(ref: str = typer.Argument(...), actor: str = AS, note: str = typer.Option(None, "--note")) -> None:
    """Fastställ robotens rekommendation (bifall med det rekommenderade beloppet)."""
    from robot.casework import approve_recommendation

    rec = _handle(approve_recommendation, engine(settings()), ref, actor, note)
    typer.echo(
        terminal_safe(f"Rekommendation {rec.id} ({rec.application_id}) fastställd av {rec.decided_by}: bifall {kr(rec.amount)}.")
    )


@rec_app.command("reject")
def rec_reject(
    ref: str = typer.Argument(...), actor: str = AS, note: str = typer.Option(None, "--note", help="Varför (krävs).")
) -> None:
    """Avvisa rekommendationen: ansökan går till manuella kön."""
    from robot.casework import reject_recommendation

    item = _handle(reject_recommendation, engine(settings()), ref, actor, note)
    typer.echo(terminal_safe(f"Rekommendationen avvisades; ansökan {item.application_id} är nu ärende {item.id} i manuella kön."))


def explain(
    application_id: str = typer.Argument(...),
    replay: bool = typer.Option(False, "--replay", help="Kör om från de sparade indata och regelversionen och jämför."),
    notice: bool = typer.Option(False, "--notice", help="Skriv ut meddelandet till den sökande."),
    as_json: bool = typer.Option(False, "--json", help="Det sparade utfallet som JSON."),
) -> None:
    """Visa det sparade utfallets motivering steg för steg (och kör om det med --replay)."""
    from robot.chain.explain import explain as prose
    from robot.queue.cases import manual_item
    from robot.queue.records import application_row, history, stored_verdict

    config = settings()
    eng = engine(config)
    row = application_row(eng, application_id)
    if row is None:
        fail(f"ingen ansökan med id {application_id}", code=1)
    if row.purged_at is not None:
        typer.echo(
            terminal_safe(f"Ansökan {application_id}: uppgifterna gallrades {local_date(row.purged_at)} enligt kommunens gallringsbeslut; "
            "kvar finns bara id, datum, utfall och orsakskoder.")
        )
        raise typer.Exit(0)
    stored = stored_verdict(eng, row.id)
    item = manual_item(eng, application_id=application_id)
    if notice:
        from robot.swedish.notice import Contact, applicant_notice, notice_text

        contact = Contact(config.municipality.kontakt, config.municipality.namnd)
        if stored is not None:
            typer.echo(terminal_safe(applicant_notice(stored.verdict, contact), lines=True), nl=False)
        elif item is not None:  # handled manually without an assessment by the robot (technical fault)
            typer.echo(terminal_safe(notice_text(application_id, manual=True, stickprov=False, contact=contact), lines=True), nl=False)
        else:
            fail(f"ansökan {application_id} har inget utfall ännu (status {row.state})", code=1)
        return
    if stored is None:
        typer.echo(terminal_safe(f"Ansökan {application_id}: inget utfall från roboten (status {row.state})."))
        if item is not None:
            typer.echo(terminal_safe(f"Ärende {item.id} i manuella kön ({item.status}):"))
            for reason in item.reasons:
                typer.echo(terminal_safe(f"  - {reason.text} [{reason.code}]"))
        typer.echo("Händelser:")
        for e in history(eng, row.id):
            typer.echo(terminal_safe(f"  {e.at:%Y-%m-%d %H:%M:%S} {e.kind} {e.from_state or ''}→{e.to_state or ''} ({e.actor}) {e.details or ''}"))
        raise typer.Exit(0)
    if as_json:
        typer.echo(terminal_safe(stored.verdict.to_json(), lines=True))
    else:
        typer.echo(terminal_safe(prose(stored.verdict, stored.inputs.get("program")), lines=True), nl=False)
    if replay:
        from robot import __version__
        from robot.chain.errors import RulesError
        from robot.whatif.replay import replay as rerun

        try:
            result = rerun(row.raw, stored)
        except RulesError as exc:  # rule files of an older program version that this one cannot read
            made_by = stored.inputs.get("program") or "en äldre programversion"
            fail(f"kan inte köras om med programversion {__version__} (utfallet gjordes av {made_by}): {exc}", code=1)
        if result.other_program:
            made_by = f"programversion {result.stored_program}" if result.stored_program else "en äldre programversion"
            typer.echo(terminal_safe(f"\nObs: utfallet gjordes av {made_by}; omkörningen görs med programversion {result.program}.", lines=True))
        if result.identical:
            typer.echo(
                terminal_safe(f"\nOmkörning: identiskt utfall (regeluppsättning {stored.verdict.ruleset}, samma byte för byte).", lines=True)
            )
        else:
            typer.echo("\nOmkörning: AVVIKER från det sparade utfallet.")
            typer.echo(terminal_safe(f"Sparat:   {result.stored_json}", lines=True))
            typer.echo(terminal_safe(f"Omkört:   {result.replayed_json}", lines=True))
            raise typer.Exit(1)


def _item_json(i) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": i.id,
        "application_id": i.application_id,
        "status": i.status,
        "deadline": i.deadline.isoformat(),
        "reasons": [r.model_dump() for r in i.reasons],
        "stickprov": i.stickprov,
        "proposal_amount": i.proposal_amount,
        "assignee": i.assignee,
        "resolution": i.resolution,
        "resolution_amount": i.resolution_amount,
        "resolved_by": i.resolved_by,
        "stickprov_correct": i.stickprov_correct,
    }


def _rec_json(r) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": r.id,
        "application_id": r.application_id,
        "amount": r.amount,
        "status": r.status,
        "decided_by": r.decided_by,
    }
