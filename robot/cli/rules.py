"""`robot rules check|test`: tools for verksamheten to validate and test rules/ without Python."""

from __future__ import annotations

from pathlib import Path

import typer

from robot.cli.common import fail, rules_folder, ruleset, settings
from robot.cli.swedish_typer import SwedishGroup

app = typer.Typer(help="Kontrollera och testa regelmappen.", no_args_is_help=True, cls=SwedishGroup)


@app.command("check")
def check(
    rules: Path = typer.Option(None, "--rules", help="Regelmapp (standard: ROBOT_RULES_DIR, annars reglerna som följer med roboten)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Bara fel och varningar, inga noteringar."),
) -> None:
    """Kontrollera rules/: schema, stegens ordning, luckor och överlapp i schabloner, riksnormens summor, preliminära värden."""
    from robot.chain.lint import check_rules

    directory = rules_folder(rules)
    found = check_rules(str(directory))
    for line in found.errors:
        typer.echo(f"FEL      {line}")
    for line in found.warnings:
        typer.echo(f"VARNING  {line}")
    if not quiet:
        for line in found.notes:
            typer.echo(f"NOTERING {line}")
    if found.ruleset is not None:
        typer.echo(
            f"Regeluppsättning {found.ruleset.identifier}: {len(found.ruleset.steps)} steg, "
            f"riksnorm för {', '.join(str(y) for y in sorted(found.ruleset.riksnorm))}."
        )
    typer.echo(f"{len(found.errors)} fel, {len(found.warnings)} varningar, {len(found.notes)} noteringar.")
    raise typer.Exit(0 if found.ok else 1)


@app.command("test")
def test(
    paths: list[Path] = typer.Argument(None, help="Testfiler eller mappar (standard: regelmappens tests/)."),
    rules: Path = typer.Option(None, "--rules", help="Regelmapp (standard: ROBOT_RULES_DIR, annars reglerna som följer med roboten)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Lista även fallen som går igenom."),
) -> None:
    """Kör testfallen i YAML: ansökan + register → väntat utfall, belopp och orsakskoder."""
    from robot.chain.casetests import case_files, run_files

    config = settings()
    directory = rules_folder(rules, config)
    rs = ruleset(directory, config)
    files = [f for p in (paths or [directory / "tests"]) for f in case_files(p)]
    if not files:
        fail(f"inga testfiler i {', '.join(str(p) for p in paths or [directory / 'tests'])}")
    results = run_files(files, rs)
    failed = [r for r in results if not r.ok]
    for r in results:
        if r.ok and verbose:
            typer.echo(f"OK   {Path(r.file).name}: {r.name}")
        if not r.ok:
            typer.echo(f"FEL  {Path(r.file).name}: {r.name}")
            for problem in r.problems:
                typer.echo(f"       {problem}")
    codes = sorted({c for r in results if r.verdict for c in r.verdict.reason_codes()})
    typer.echo(
        f"{len(results) - len(failed)} av {len(results)} fall gick igenom ({len(files)} filer, regeluppsättning "
        f"{rs.identifier}); orsakskoder som täcks: {len(codes)}."
    )
    raise typer.Exit(1 if failed else 0)
