"""`robot check`: run the chain offline on one application and a register file."""

from __future__ import annotations

from pathlib import Path

import typer

from robot.cli.common import fail, read_bytes, ruleset, settings, stickprov_input
from robot.formats.text import terminal_safe


def check(
    application: Path = typer.Argument(..., help="En ansokan/1-fil (JSON)."),
    register: Path = typer.Option(..., "--register", "-r", help="En register/1-fil (JSON; det SSBTEK skulle svara)."),
    explain: bool = typer.Option(False, "--explain", help="Skriv ut stegen som text i stället för JSON."),
    rules: Path = typer.Option(None, "--rules", help="Regelmapp (standard: ROBOT_RULES_DIR, annars reglerna som följer med roboten)."),
    as_of: str = typer.Option(
        None, "--as-of", help="Dagen för prövningen, ÅÅÅÅ-MM-DD (standard: i dag i Sverige). Sparas med utfallet."
    ),
) -> None:
    """Skriv ut utfallet för APPLICATION som JSON. Slutkod 0 för båda utfallen, 2 för indata som inte går att läsa."""
    import datetime as dt

    from pydantic import ValidationError

    from robot.chain.engine import evaluate
    from robot.chain.explain import explain as prose
    from robot.chain.inputs import Circumstances
    from robot.formats.application import NotAnApplication, load_json_object, parse_application
    from robot.formats.register import Register
    from robot.swedish.dates import today

    config = settings()
    raw = read_bytes(application, config.intake.max_file_bytes)
    try:
        load_json_object(raw)
        parsed = parse_application(raw)
    except NotAnApplication as exc:
        fail(f"{application}: {exc}")
    reg_raw = read_bytes(register)
    try:
        load_json_object(reg_raw)
        reg = Register.model_validate_json(reg_raw, strict=True)
    except NotAnApplication as exc:
        fail(f"{register}: {exc}")
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        fail(f"{register}: inget register/1-dokument: {'.'.join(map(str, first['loc']))}: {first['msg']}")
    try:
        day = dt.date.fromisoformat(as_of) if as_of else today()
    except ValueError:
        fail(f"--as-of {as_of!r}: inget datum ÅÅÅÅ-MM-DD")
    evaluation = evaluate(
        parsed, reg, ruleset(rules, config), stickprov_input(config, require_key=False),
        circumstances=Circumstances(as_of=day),
    )  # fmt: skip
    if explain:
        typer.echo(terminal_safe(prose(evaluation.verdict), lines=True), nl=False)
    else:
        typer.echo(terminal_safe(evaluation.verdict.to_json(), lines=True))
