"""`robot rules check`: everything about rules/ that loading alone does not catch.

Errors make the rules unusable (gaps or overlaps in schablon ranges, riksnorm rows that do not add
up to their verified totals); warnings need a person's attention (provisional values); notes list
example values a municipality is expected to replace.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from robot.chain.bands import band_text
from robot.chain.errors import RulesError
from robot.chain.ruleset import Ruleset, load_ruleset
from robot.chain.steps.schablon import Range, Schablon
from robot.clock import SYSTEM
from robot.formats.application import CostType
from robot.swedish.dates import MONTH_NAMES
from robot.swedish.numbers import kr


@dataclass
class Findings:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ruleset: Ruleset | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def check_rules(directory: str, today: dt.date | None = None) -> Findings:
    found = Findings()
    try:
        rs = load_ruleset(directory)
    except RulesError as exc:
        found.errors.append(str(exc))
        return found
    found.ruleset = rs
    _schablon(rs, found)
    _riksnorm(rs, found, today or SYSTEM.now().date())
    _flags(rs, found)
    return found


def _schablon(rs: Ruleset, found: Findings) -> None:
    step = rs.step("schablon")
    assert isinstance(step, Schablon)
    always = step.params.parameter("alltid_manuell")
    always_types = {t for v in always.values for t in v.value}
    for cost_type, versions in sorted(step.versions.items()):
        if cost_type in always_types:
            found.warnings.append(
                f"schablon: {cost_type} har både intervall och alltid_manuell; intervallen används aldrig"
            )
        for value, ranges in versions:
            for problem in range_problems(ranges):
                found.errors.append(f"schablon.intervall.{cost_type} (från {value.valid_from}): {problem}")
    for cost_type in CostType:
        if cost_type.value not in step.versions and cost_type.value not in always_types:
            found.warnings.append(
                f"schablon: {cost_type.value} har varken intervall eller alltid_manuell; "
                "en sådan kostnad går till handläggare med SCHABLON_SAKNAS"
            )


def range_problems(ranges: list[Range]) -> list[str]:
    """Gaps and overlaps: every household size and month must be covered by exactly one range."""
    problems: list[str] = []
    open_ended = [r for r in ranges if r.size_hi is None]
    highest = max([r.size_lo for r in ranges] + [r.size_hi or 0 for r in ranges] + [1])
    for month in range(1, 13):
        for size in range(1, highest + 2):
            covering = [r for r in ranges if r.covers(size, month)]
            where = f"hushåll med {size} personer i {MONTH_NAMES[month - 1]}"
            if not covering:
                problems.append(f"lucka: inget intervall för {where}")
            elif len(covering) > 1:
                bands = ", ".join(f"{band_text(r.size_lo, r.size_hi)} ({kr(r.min)}–{kr(r.max)})" for r in covering)
                problems.append(f"överlapp: {len(covering)} intervall gäller för {where}: {bands}")
    if not open_ended and ranges:
        problems.append(
            f'lucka: inget intervall för hushåll med fler än {highest} personer (använd t.ex. "{highest}-")'
        )
    return _collapse(problems)


def _collapse(problems: list[str], limit: int = 6) -> list[str]:
    if len(problems) <= limit:
        return problems
    return [*problems[:limit], f"… och {len(problems) - limit} till av samma slag"]


def _riksnorm(rs: Ruleset, found: Findings, today: dt.date) -> None:
    for year, table in sorted(rs.riksnorm.items()):
        ages = [age for row in table.children for age in range(row.lo, row.hi + 1)]
        for age in range(0, 21):
            if ages.count(age) != 1:
                kind = "saknas" if ages.count(age) == 0 else "finns flera gånger"
                found.errors.append(f"riksnorm {year}: barnrad för {age} år {kind}")
        for row in table.children:
            if row.hi <= 6 and row.without_lunch is None:
                found.warnings.append(f"riksnorm {year}: barnraden {row.label()} saknar belopp utan lunch")
        for total in table.verified_totals:
            try:
                parts = [table.lookup(name) for name in total.sum_of]
            except KeyError as exc:
                found.errors.append(f"riksnorm {year}: kontrollsumman '{total.description}' nämner okänd rad {exc}")
                continue
            summed = sum(p.value for p in parts)
            if summed != total.amount:
                found.errors.append(
                    f"riksnorm {year}: {total.description} blir {kr(summed)}, men det verifierade beloppet är "
                    f"{kr(total.amount)} ({total.source})"
                )
            else:
                found.notes.append(f"riksnorm {year}: {total.description} = {kr(summed)} stämmer med {total.source}")
    if today.year not in rs.riksnorm:
        found.warnings.append(
            f"riksnorm: ingen tabell för innevarande år {today.year}; ansökningar för {today.year} går till handläggare"
        )


def _flags(rs: Ruleset, found: Findings) -> None:
    provisional: dict[str, int] = {}
    for year, table in sorted(rs.riksnorm.items()):
        for v in table.values():
            if v.provisional:
                provisional[f"riksnorm {year}"] = provisional.get(f"riksnorm {year}", 0) + 1
    for p in rs.parameters():
        for v in p.values:
            if v.provisional:
                found.warnings.append(f"{p.name} (från {v.valid_from}) är preliminär: {v.source}")
            if v.example:
                found.notes.append(f"{p.name} (från {v.valid_from}) är ett exempelvärde som kommunen ska ersätta")
    for what, count in provisional.items():
        table = rs.riksnorm[int(what.split()[1])]
        names = ", ".join(v.name.split(".", 2)[2] for v in table.values() if v.provisional)
        found.warnings.append(f"{what}: {count} preliminära belopp ({names}); ersätt med de fastställda beloppen")
