"""Commands for handläggare: the manual-handling queue, recommendations and explanations (in Swedish).

The acting person is the operating-system user's account (`robot users`); what they may do is
checked by `robot.casework`. Items are named M12, recommendations R12, or either by application id.
"""

from __future__ import annotations

import json

import typer

from robot.cli.audit import application_of, cli_action, cli_viewer, record_cli_view
from robot.cli.common import engine, fail, ruleset, say, settings
from robot.cli.decisions import DECISION_WORDS, hand_over, standing_line
from robot.cli.wording import (
    SwedishErrors,
    amount,
    day,
    handle,
    long_day,
    month,
    parse_amount,
    readable_paths,
    shown,
)
from robot.swedish.dates import local_time

manual_app = typer.Typer(
    help="Manuella kön: lista, visa, ta och avsluta ärenden.", no_args_is_help=True, cls=SwedishErrors
)
rec_app = typer.Typer(
    help="Robotens rekommendationer: lista, visa, fastställ eller avvisa.", no_args_is_help=True, cls=SwedishErrors
)

MANUAL_STATUS = {"öppet": "open", "tilldelat": "claimed", "avslutat": "resolved"}
REC_STATUS = {"väntar": "pending", "fastställd": "approved", "avvisad": "rejected", "alla": ""}
MANUAL_WORDS = {v: k for k, v in MANUAL_STATUS.items()}
REC_WORDS = {"pending": "väntar", "approved": "fastställd", "rejected": "avvisad"}


def _status(value: str | None, words: dict[str, str]) -> str | None:
    """The status as the lists show it (öppet) or as stored (open); anything else is one Swedish line."""
    if not value:
        return value
    key = value.strip().lower()
    if key in words or key in words.values():
        return words.get(key, key)
    shown = list(words)
    fail(f"okänd status {value!r}: välj {', '.join(shown[:-1])} eller {shown[-1]} (--status)", code=2)


@manual_app.command("list")
def manual_list(
    status: str = typer.Option(
        None, "--status", help="öppet, tilldelat eller avslutat (standard: öppet och tilldelat)."
    ),
    assignee: str = typer.Option(None, "--assignee", help="Bara ärenden tilldelade detta användar-id."),
    mine: bool = typer.Option(False, "--mine", help="Bara ärenden tilldelade dig."),
    limit: int = typer.Option(50, "--limit", help="Högst så många ärenden."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Ärenden i manuella kön, det med tidigast sista dag först."""
    from robot.casework import list_manual
    from robot.queue.access_log import What, record_list

    config = settings()
    eng = engine(config)
    reader = cli_viewer(eng, What.VIEW_LIST)
    titles = dict(ruleset(None, config).reasons)  # the reasons' Swedish titles (rules/orsaker.yaml)
    if mine:
        assignee = reader.user_id
    page = handle(list_manual, eng, _status(status, MANUAL_STATUS), assignee, limit)
    record_list(eng, reader, [i.application_id for i in page])
    if as_json:
        say(
            json.dumps({"total": page.total, "items": [_item_json(i) for i in page]}, indent=2, ensure_ascii=False)
        )
        return
    if not page.total:
        say("Inga ärenden.")
        return
    say(f"{'nr':<7} {'ansökan':<22} {'månad':<14} {'status':<10} {'sista dag':<10}  {'förslag':>10}  orsaker")
    for i in page:
        codes = "; ".join(titles.get(code, code) for code in dict.fromkeys(i.codes))
        say(
            f"{i.ref:<7} {i.application_id:<22} {month(i.period):<14} {MANUAL_WORDS[i.status]:<10} "
            f"{day(i.deadline):<10}  {amount(i.proposal_amount):>10}  {codes}"
        )
    cut = shown(len(page), page.total, "ärenden")
    if cut:
        say(cut)


@manual_app.command("show")
def manual_show(ref: str = typer.Argument(..., help="Ärendet (M12) eller ansökans id.")) -> None:
    """Ett ärende: orsakerna i klartext, robotens förslag, status och beslut."""
    from robot.casework import find_manual
    from robot.queue.access_log import What

    eng = engine(settings())
    cli_viewer(eng, What.VIEW_ITEM, application_of(eng, find_manual, ref))
    item = handle(find_manual, eng, ref)
    record_cli_view(eng, item.application_id)
    say(f"Ärende {item.ref} – ansökan {item.application_id} – {month(item.period)}")
    say(f"Status: {MANUAL_WORDS[item.status]}" + (f" {item.assignee}" if item.status == "claimed" else ""))
    say(f"Sista dag: {long_day(item.deadline)}")
    if item.stickprov:
        say("Stickprov: ja – ange vid avslut om ansökan var korrekt.")
    say(f"Robotens förslag: {amount(item.proposal_amount)}")
    say("Orsaker:")
    for r in item.reasons:
        say(f"  - {readable_paths(r.text)}")
    if item.status == "resolved":
        say(
            f"Beslut: {DECISION_WORDS.get(item.resolution or '', item.resolution)}"
            + (f" {amount(item.resolution_amount)}" if item.resolution_amount else "")
            + f" av {item.resolved_by}"
        )
        if item.note:
            say(f"Motivering: {item.note}")
    standing = standing_line(eng, item.application_id)
    if standing:
        say(standing)
    say(f"Hela underlaget: robot explain {item.application_id}")


@manual_app.command("claim")
def manual_claim(
    ref: str = typer.Argument(..., help="Ärendet (M12) eller ansökans id."),
    force: bool = typer.Option(False, "--force", help="Ta över ett ärende som är tilldelat någon annan (teamledare)."),
) -> None:
    """Ta ett öppet ärende."""
    from robot.casework import claim_manual, find_manual
    from robot.queue.access_log import What

    eng = engine(settings())
    item = cli_action(eng, What.CLAIM, application_of(eng, find_manual, ref),
                      lambda actor: claim_manual(eng, ref, actor, force=force))  # fmt: skip
    say(f"Ärende {item.ref} ({item.application_id}) är tilldelat {item.assignee}.")


@manual_app.command("release")
def manual_release(
    ref: str = typer.Argument(..., help="Ärendet (M12) eller ansökans id."),
    force: bool = typer.Option(False, "--force", help="Släpp ett ärende som är tilldelat någon annan (teamledare)."),
) -> None:
    """Släpp ett ärende du har tagit: det blir öppet igen i manuella kön."""
    from robot.casework import find_manual
    from robot.casework.release import release_manual
    from robot.queue.access_log import What

    eng = engine(settings())
    item = cli_action(eng, What.RELEASE, application_of(eng, find_manual, ref),
                      lambda actor: release_manual(eng, ref, actor, force=force))  # fmt: skip
    say(f"Ärende {item.ref} ({item.application_id}) är släppt och öppet igen.")


@manual_app.command("resolve")
def manual_resolve(
    ref: str = typer.Argument(..., help="Ärendet (M12) eller ansökans id."),
    decision: str = typer.Option(..., "--decision", "-d", help="bifall, delavslag, avslag eller överlämnad."),
    kronor: str = typer.Option(None, "--amount", help="Beviljat belopp i hela kronor (bifall och delavslag)."),
    note: str = typer.Option(None, "--note", help="Motivering (krävs för delavslag och avslag)."),
    correct: bool = typer.Option(None, "--correct/--incorrect", help="För stickprov: var ansökan korrekt?"),
    force: bool = typer.Option(False, "--force", help="Avsluta ett ärende som är tilldelat någon annan (teamledare)."),
    confirm_amount: bool = typer.Option(
        False, "--confirm-amount", help="Beloppet avviker mycket från robotens förslag, och det är rätt."
    ),
) -> None:
    """Avsluta ett ärende med ditt beslut."""
    from robot.casework import find_manual, resolve_manual
    from robot.queue.access_log import What

    config = settings()
    eng = engine(config)
    kr_amount = parse_amount(kronor)
    item = cli_action(
        eng, What.RESOLVE, application_of(eng, find_manual, ref),
        lambda actor: resolve_manual(
            eng, ref, actor, decision=decision.strip().lower(), amount=kr_amount, note=note,
            stickprov_correct=correct, force=force, confirm_amount=confirm_amount, settings=config,
        ),
    )  # fmt: skip
    decided = DECISION_WORDS[item.resolution or ""] + (
        f" {amount(item.resolution_amount)}" if item.resolution_amount else ""
    )
    say(f"Ärende {item.ref} ({item.application_id}) avslutat: {decided}.")
    hand_over(config, eng, item.application_id)


@rec_app.command("list")
def rec_list(
    status: str = typer.Option("väntar", "--status", help="väntar, fastställd, avvisad eller alla."),
    limit: int = typer.Option(50, "--limit", help="Högst så många rekommendationer."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Rekommendationer om bifall som väntar på en handläggare."""
    from robot.casework import list_recommendations
    from robot.queue.access_log import What, record_list

    eng = engine(settings())
    reader = cli_viewer(eng, What.VIEW_LIST)
    page = handle(list_recommendations, eng, _status(status, REC_STATUS), limit)
    record_list(eng, reader, [r.application_id for r in page])
    if as_json:
        say(
            json.dumps({"total": page.total, "items": [_rec_json(r) for r in page]}, indent=2, ensure_ascii=False)
        )
        return
    if not page.total:
        say("Inga rekommendationer.")
        return
    say(f"{'nr':<7} {'ansökan':<22} {'månad':<14} {'belopp':>10}  status")
    for r in page:
        say(
            f"{r.ref:<7} {r.application_id:<22} {month(r.period):<14} {amount(r.amount):>10}  {REC_WORDS[r.status]}"
            + (f" ({r.decided_by})" if r.decided_by else "")
        )
    cut = shown(len(page), page.total, "rekommendationer")
    if cut:
        say(cut)


@rec_app.command("show")
def rec_show(ref: str = typer.Argument(..., help="Rekommendationen (R12) eller ansökans id.")) -> None:
    """En rekommendation med hela motiveringen och granskningskoden som fastställandet behöver."""
    from robot.casework import find_recommendation
    from robot.queue.access_log import What

    eng = engine(settings())
    actor = cli_viewer(eng, What.REVIEW, application_of(eng, find_recommendation, ref))
    review = _show(eng, actor, handle(find_recommendation, eng, ref))
    if review.recommendation.status == "pending":
        say(
            f"Granskningskod: {review.code} (fastställ med robot recommendations approve "
            f"{review.recommendation.ref} --granskad {review.code})"
        )


def _show(eng, actor, rec):  # type: ignore[no-untyped-def]
    """Show `rec` with its calculation and reasons to `actor`: logged as their review (`casework.review`)."""
    from robot.casework import show_for_review
    from robot.chain.explain import explain

    review = handle(show_for_review, eng, rec, actor)
    say(
        f"Rekommendation {rec.ref} – ansökan {rec.application_id} – {month(rec.period)}: bifall med "
        f"{amount(rec.amount)}; {REC_WORDS[rec.status]}" + (f" av {rec.decided_by}" if rec.decided_by else "")
    )
    standing = standing_line(eng, rec.application_id)
    if standing:
        say(standing)
    if review.verdict is not None:
        say(readable_paths(explain(review.verdict)), nl=False)
    return review


@rec_app.command("approve")
def rec_approve(
    refs: list[str] = typer.Argument(..., help="En eller flera rekommendationer (R12) eller ansöknings-id."),
    reviewed: list[str] = typer.Option(
        None, "--granskad",
        help="Utan terminal: granskningskoden som robot recommendations show visade, en per rekommendation i samma ordning.",
    ),
    note: str = typer.Option(None, "--note", help="En anteckning till beslutet (valfri)."),
) -> None:
    """Fastställ robotens rekommendationer (bifall med det rekommenderade beloppet), en i taget.

    Vid en terminal visas varje rekommendations beräkning och skäl, och du svarar ja eller nej. Utan
    terminal (ett skript) anger --granskad koden som robot recommendations show visade för var och en.
    """
    from functools import partial

    from robot.casework import CaseworkError, NotAllowed, approve_recommendation, find_recommendation
    from robot.casework.audit import logged
    from robot.queue.access_log import What

    config = settings()
    eng = engine(config)
    actor = _approver(eng, refs)
    codes = list(reviewed or [])
    asking = not codes and _at_terminal()
    if codes and len(codes) != len(refs):
        fail(f"ange en granskningskod per rekommendation: {len(refs)} rekommendationer, {len(codes)} koder (--granskad)")
    named = [handle(find_recommendation, eng, ref) for ref in refs]  # all found before any is decided
    refused, approved, last = 0, 0, None
    for n, rec in enumerate(named):
        if asking:
            code = _review_at_terminal(eng, actor, rec)
            if code is None:
                say(f"Rekommendation {rec.ref} fastställdes inte.")
                continue
        else:
            code = codes[n] if codes else None
        try:
            approve = partial(approve_recommendation, eng, rec.id, actor, reviewed=code, note=note, settings=config)
            done = last = logged(eng, actor, rec.application_id, What.APPROVE, approve)
        except NotAllowed as exc:
            fail(f"nekas: {exc}", code=4)
        except CaseworkError as exc:
            refused += 1
            hint = " (--granskad)" if exc.field == "reviewed" and not asking else ""
            say(f"robot: {exc}{hint}", err=True)
            continue
        approved += 1
        say(
            f"Rekommendation {done.ref} ({done.application_id}) fastställd av {done.decided_by}: "
            f"bifall {amount(done.amount)}."
        )
    if len(named) > 1:
        say(f"{approved} av {len(named)} fastställda.")
    if last is not None:  # the records go in order: when the last is delivered, so are the others
        hand_over(config, eng, last.application_id, several=approved > 1)
    raise typer.Exit(1 if refused else 0)


def _approver(eng, refs: list[str]):  # type: ignore[no-untyped-def]
    """The person approving; without an account, each attempt is logged as denied and the command ends."""
    from robot.accounts import UnknownAccount
    from robot.accounts.service import cli_actor, os_user
    from robot.casework import find_recommendation
    from robot.clock import SYSTEM
    from robot.queue.access_log import Outcome, What, record

    try:
        return cli_actor(eng)
    except UnknownAccount as exc:
        for ref in refs:
            application_id = application_of(eng, find_recommendation, ref)
            record(eng, SYSTEM.now(), os_user(), "cli", What.APPROVE, application_id, Outcome.DENIED)
        fail(str(exc), code=4)


def _at_terminal() -> bool:
    import sys

    return sys.stdin.isatty()


def _review_at_terminal(eng, actor, rec) -> str | None:  # type: ignore[no-untyped-def]
    """Show `rec`'s calculation and reasons and ask; its review code if the answer is yes."""
    import click

    review = _show(eng, actor, rec)
    if rec.status != "pending":
        return review.code  # approving it is refused below, saying by whom
    try:
        answer = typer.prompt(
            f"Fastställ rekommendation {rec.ref}: bifall med {amount(rec.amount)} enligt beräkningen ovan? (ja/nej)",
            default="nej", show_default=False,
        )  # fmt: skip
    except click.exceptions.Abort:
        return None
    return review.code if answer.strip().lower() in ("j", "ja") else None


@rec_app.command("reject")
def rec_reject(
    ref: str = typer.Argument(..., help="Rekommendationen (R12) eller ansökans id."),
    note: str = typer.Option(None, "--note", help="Varför (krävs)."),
) -> None:
    """Avvisa rekommendationen: ansökan går till manuella kön och beslutet fattas där eller i verksamhetssystemet."""
    from robot.casework import find_recommendation, reject_recommendation
    from robot.queue.access_log import What

    config = settings()
    eng = engine(config)
    item = cli_action(eng, What.REJECT, application_of(eng, find_recommendation, ref),
                      lambda actor: reject_recommendation(eng, ref, actor, note=note, settings=config))  # fmt: skip
    say(f"Rekommendationen avvisades; ansökan {item.application_id} är nu ärende {item.ref} i manuella kön.")
    hand_over(config, eng, item.application_id)


def explain(
    application_id: str = typer.Argument(...),
    replay: bool = typer.Option(False, "--replay", help="Kör om från de sparade indata och regelversionen och jämför."),
    notice: bool = typer.Option(False, "--notice", help="Skriv ut meddelandet till den sökande."),
    as_json: bool = typer.Option(False, "--json", help="Det sparade utfallet som JSON."),
) -> None:
    """Visa det sparade utfallets motivering steg för steg (och kör om det med --replay).

    Bara för den som får handlägga ärenden; varje visning och varje nekad visning står i åtkomstloggen.
    """
    from robot.chain.explain import explain as prose
    from robot.queue.access_log import What
    from robot.queue.cases import manual_item
    from robot.queue.records import application_row, history, stored_verdict

    config = settings()
    eng = engine(config)
    row = application_row(eng, application_id)
    # Who may see it first, and only then whether it exists: the refusal says nothing about the id.
    cli_viewer(eng, What.VIEW_ITEM, application_id if row is not None else None)
    if row is None:
        fail(f"ingen ansökan med id {application_id}", code=1)
    record_cli_view(eng, application_id)
    stored = stored_verdict(eng, row.id)
    item = manual_item(eng, application_id=application_id)
    if notice:
        from robot.swedish.notice import Contact, applicant_notice, notice_text

        contact = Contact(config.municipality.kontakt, config.municipality.namnd)
        if stored is not None:
            say(applicant_notice(stored.verdict, contact), nl=False)
        elif item is not None:  # handled manually without an assessment by the robot (technical fault)
            say(notice_text(application_id, manual=True, stickprov=False, contact=contact), nl=False)
        else:
            fail(f"ansökan {application_id} har inget utfall ännu (status {row.state})", code=1)
        return
    if stored is None:
        from robot.swedish.casework import EVENTS, QUEUE_STATES

        say(f"Ansökan {application_id}: inget utfall från roboten ({QUEUE_STATES.get(row.state, row.state)}).")
        if item is not None:
            titles = dict(ruleset(None, config).reasons)
            say(f"Ärende {item.ref} i manuella kön ({MANUAL_WORDS[item.status]}):")
            for reason in item.reasons:
                say(f"  - {titles.get(reason.code, reason.code)}: {readable_paths(reason.text)}")
        say("Händelser:")
        for e in history(eng, row.id):
            state = f": {QUEUE_STATES.get(e.to_state, e.to_state)}" if e.kind == "processed" and e.to_state else ""
            say(f"  {local_time(e.at, seconds=True)} {EVENTS.get(e.kind, e.kind)}{state} ({e.actor})")
        raise typer.Exit(0)
    if as_json:
        say(stored.verdict.to_json())
    else:
        say(readable_paths(prose(stored.verdict)), nl=False)
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
            say(f"\nObs: utfallet gjordes av {made_by}; omkörningen görs med programversion {result.program}.")
        if result.identical:
            say(
                f"\nOmkörning: identiskt utfall (regeluppsättning {stored.verdict.ruleset}, samma byte för byte)."
            )
        else:
            say("\nOmkörning: AVVIKER från det sparade utfallet.")
            say(f"Sparat:   {result.stored_json}")
            say(f"Omkört:   {result.replayed_json}")
            raise typer.Exit(1)


def _item_json(i) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": i.id,
        "ref": i.ref,
        "application_id": i.application_id,
        "period": i.period,
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
        "ref": r.ref,
        "application_id": r.application_id,
        "period": r.period,
        "amount": r.amount,
        "status": r.status,
        "decided_by": r.decided_by,
    }
