"""Registered incomes as the rules use them: net of tax, per type, for the control month M−1.

- Skatteverket's `lon` is gross pay with the preliminary tax withheld beside it: net = gross − tax.
  Without the tax figure the net pay cannot be known.
- Other sources report what they paid; where they also give the tax withheld, that is subtracted.
- A type missing in M−1 is taken from M−2 (Sundsvall's practice), except Skatteverket's salary:
  employers declare month M−1 by the declaration day in month M (SFL 26 kap. 26 §: the 12th, 17th
  in January and August; 26 kap. 30 §: the 26th, 27 December, for employers above 40 MSEK). The
  robot cannot know which kind of employer pays, so it uses the later day, moved to the next weekday
  as deadlines are (lagen 1930:173 om beräkning av lagstadgad tid): before it, an expected but missing
  salary is "not yet known" (the worker waits); after it, a handläggare asks why it is missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from robot.chain.context import Context
from robot.formats.period import first_day
from robot.formats.register import Authority, RegisterIncome

SALARY = "lon"


@dataclass(frozen=True)
class Registered:
    type: str
    month: str
    gross: int
    tax: int
    sources: tuple[str, ...]
    net_known: bool
    """False for Skatteverket's salary reported without the tax withheld."""

    @property
    def net(self) -> int:
        return self.gross - self.tax

    @property
    def taxed_at_source(self) -> bool:
        return self.tax > 0 or "SKV" in self.sources


def registered_incomes(ctx: Context, pnr: str, fill_gaps: bool) -> dict[str, Registered]:
    """Per income type: the register's incomes for the control month, or M−2 where M−1 has none."""
    by_month: dict[str, dict[str, list[RegisterIncome]]] = {}
    for income in ctx.registered(pnr):
        by_month.setdefault(income.month, {}).setdefault(income.type.value, []).append(income)
    found = {t: _sum(t, ctx.control_month, rows) for t, rows in sorted(by_month.get(ctx.control_month, {}).items())}
    if fill_gaps:
        for t, rows in sorted(by_month.get(ctx.gap_month, {}).items()):
            rows = [r for r in rows if not (t == SALARY and r.source == "SKV")]
            if rows and t not in found:
                found[t] = _sum(t, ctx.gap_month, rows)
    return found


def _sum(income_type: str, month: str, rows: list[RegisterIncome]) -> Registered:
    return Registered(
        type=income_type,
        month=month,
        gross=sum(r.amount for r in rows),
        tax=sum(r.tax_withheld or 0 for r in rows),
        sources=tuple(sorted({r.source for r in rows})),
        net_known=all(r.tax_withheld is not None for r in rows if r.source == "SKV" and income_type == SALARY),
    )


class DeclarationDays(BaseModel):
    """The day of month M by which employers declare month M−1 (arbetsgivardeklaration på individnivå)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    dag: int = Field(ge=1, le=28)
    per_manad: dict[int, int] = {}
    """Months (1–12) with another day, e.g. {1: 17, 8: 17}."""


def declaration_day(period: str, days: DeclarationDays) -> dt.date:
    """The day in the period's month by which every employer has declared the month before it; a
    Saturday or Sunday moves to the Monday (no public holiday falls on the 26th or 27th save 26 December,
    which the rules do not use)."""
    start = first_day(period)
    day = start.replace(day=days.per_manad.get(start.month, days.dag))
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def salary_missing(ctx: Context, pnr: str) -> bool:
    """Skatteverket answered, shows a salary for M−2 and none for M−1: an expected salary is missing."""
    if Authority.SKV in ctx.person(pnr).unavailable:
        return False
    salaries = [i.month for i in ctx.registered(pnr) if i.source == "SKV" and i.type.value == SALARY]
    return ctx.gap_month in salaries and ctx.control_month not in salaries


def salary_pending(ctx: Context, person: str, pnr: str, day: dt.date) -> bool:
    """Skatteverket's salary for M−1 is expected but not yet due: declared, or paid in M−2, and missing."""
    as_of = ctx.circumstances.as_of
    if as_of is None or as_of >= day or Authority.SKV in ctx.person(pnr).unavailable:
        return False
    salaries = [i for i in ctx.registered(pnr) if i.source == "SKV" and i.type.value == SALARY]
    if any(i.month == ctx.control_month for i in salaries):
        return False
    declared = any(
        i.person == person and i.type.value == SALARY and i.month == ctx.control_month
        for i in ctx.application.incomes
    )
    return declared or any(i.month == ctx.gap_month for i in salaries)
