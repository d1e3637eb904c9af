"""Commands for verksamheten: the monthly control report and the what-if for rule changes (in Swedish).

`report` writes <data_dir>/reports/YYYY-MM/ (HTML and CSV) and prints the paths; `simulate` re-runs
stored applications under a changed rules folder and says what would change. Both only read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from robot.cli.common import engine, fail, os_problem, settings, stickprov_input
from robot.cli.common import ruleset as load_rules
from robot.formats.text import terminal_safe

if TYPE_CHECKING:
    from robot.whatif.simulate import Simulation

OUTCOME_WORDS = {"recommendation": "rekommendation", "manual": "manuell"}


def _month(value: str | None) -> str | None:
    from robot.formats.period import is_month

    if value is not None and not is_month(value):
        fail(f"--month {value!r}: ange en månad som ÅÅÅÅ-MM, till exempel 2026-12")
    return value


def report(
    month: str = typer.Option(..., "--month", help="Ansökningarnas period, ÅÅÅÅ-MM."),
    out: Path = typer.Option(None, "--out", help="Mapp för rapporten; standard <data_dir>/reports/ÅÅÅÅ-MM/."),
) -> None:
    """Månadens kontrollrapport för verksamheten: en HTML-sida och CSV-filer. Skriver ut sökvägarna."""
    from robot.chain.errors import RulesError
    from robot.chain.ruleset import load_ruleset
    from robot.report import produce

    period = _month(month)
    assert period is not None
    config = settings()
    eng = engine(config)
    try:
        titles = dict(load_ruleset(config.rules_dir).reasons)
    except RulesError:
        titles = {}  # the stored rulesets' own catalogues still give the titles
    directory = out or config.data_dir / "reports" / period
    if directory.exists() and not directory.is_dir():
        fail(f"--out {directory}: är en fil, inte en mapp")
    try:
        result = produce(eng, period, directory, titles)
    except OSError as exc:
        fail(f"kan inte skriva rapporten i {directory}: den {os_problem(exc)}")
    if result.figures.empty:
        from robot.report.html import month_name

        typer.echo(f"Inga ansökningar är registrerade för {month_name(period)} ({period}); ingen rapport skrevs.")
        return
    for path in result.paths:
        typer.echo(terminal_safe(str(path)))


def simulate(
    rules: Path = typer.Option(..., "--rules", help="Regelmapp med de ändrade reglerna (en kopia av rules/)."),
    month: str = typer.Option(None, "--month", help="Bara ansökningar för denna period (ÅÅÅÅ-MM); standard alla."),
    sample: int = typer.Option(10, "--sample", min=0, help="Hur många ändrade ansökningar som visas som exempel."),
    as_json: bool = typer.Option(False, "--json", help="Resultatet som JSON."),
) -> None:
    """Vad händer om reglerna ändras? Kör om lagrade ansökningar med en ändrad regelmapp och jämför.

    Läser bara: inget i databasen ändras.
    """
    from robot.whatif.simulate import simulate as run

    period = _month(month)
    if not rules.is_dir():
        fail(f"--rules {rules}: mappen finns inte")
    config = settings()
    new_rules = load_rules(rules, config)
    key = stickprov_input(config, require_key=False).key
    result = run(engine(config), new_rules, key, period)
    if as_json:
        typer.echo(terminal_safe(json.dumps(result.to_dict(sample), indent=2, ensure_ascii=False), lines=True))
        return
    for line in describe(result, new_rules.reasons, sample, rules):
        typer.echo(terminal_safe(line))


def describe(result: Simulation, titles: dict[str, str], sample: int, rules: Path) -> list[str]:
    """The simulation in plain Swedish, for verksamheten."""
    from robot.swedish.numbers import integer, kr, signed_kr

    scope = f"perioden {result.month}" if result.month else "alla perioder"
    lines = [f"Simulering: regelverk {result.ruleset} (från {rules}) mot lagrade bedömningar för {scope}."]
    if result.applications == 0:
        return [*lines, f"Inga ansökningar finns för {scope}; inget att jämföra."]
    baseline = ", ".join(f"{label} ({integer(n)})" for label, n in sorted(result.baseline.items()))
    lines.append(f"De lagrade bedömningarna gjordes med: {baseline or '–'}.")
    skipped = result.without_verdict + result.unreadable
    lines.append(
        f"Jämförda ansökningar: {integer(result.compared)} av {integer(result.applications)}"
        + (
            f" ({integer(result.without_verdict)} utan bedömning hoppades över: väntar eller tekniskt fel"
            + (f"; {integer(result.unreadable)} kunde inte läsas" if result.unreadable else "")
            + ")"
            if skipped
            else ""
        )
        + "."
    )
    if len(result.baseline) > 1:
        lines.append(
            "Obs: de lagrade bedömningarna gjordes med flera regelverk; varje ansökan jämförs med sin egen bedömning."
        )
    lines.append("")
    if result.changed == 0:
        lines.append("Inga utfall, belopp eller orsaker ändras med de nya reglerna.")
        return lines
    lines += [
        f"Utfall som ändras: {integer(result.outcome_changes)}",
        f"  rekommendation → manuell: {integer(result.outcomes[('recommendation', 'manual')])}",
        f"  manuell → rekommendation: {integer(result.outcomes[('manual', 'recommendation')])}",
        f"Belopp som ändras: {integer(result.amount_changes)} (högre {integer(result.amounts_up)}, "
        f"lägre {integer(result.amounts_down)}, nytt belopp {integer(result.amounts_gained)}, "
        f"inget belopp längre {integer(result.amounts_lost)}); sammanlagd ändring {signed_kr(result.amount_change)}",
        f"Summa rekommenderade belopp (bifall): {kr(result.recommended_before)} → "
        f"{kr(result.recommended_after)} ({signed_kr(result.recommended_after - result.recommended_before)})",
        "",
    ]
    codes = sorted(
        set(result.reasons_gained) | set(result.reasons_lost),
        key=lambda c: (-(result.reasons_gained[c] + result.reasons_lost[c]), c),
    )
    if codes:
        width = max(len(c) for c in codes)
        lines.append("Orsaker (antal ansökningar som får + / förlorar − orsaken):")
        for code in codes:
            lines.append(
                f"  {code:<{width}}  +{result.reasons_gained[code]:<5} −{result.reasons_lost[code]:<5} "
                f"{titles.get(code, '')}".rstrip()
            )
        lines.append("")
    shown = result.sample(sample)
    if shown:
        lines.append(f"Exempel på ändrade ansökningar ({len(shown)} av {integer(result.changed)}):")
        for case in shown:
            outcome = f"{OUTCOME_WORDS.get(case.before_outcome, case.before_outcome)} → {OUTCOME_WORDS.get(case.after_outcome, case.after_outcome)}"
            amount = f"{kr(case.before_amount)} → {kr(case.after_amount)}"
            reasons = " ".join([*(f"+{c}" for c in case.reasons_gained), *(f"−{c}" for c in case.reasons_lost)])
            lines.append(f"  {case.application_id}  {outcome}; {amount}; {reasons or 'samma orsaker'}")
    return lines
