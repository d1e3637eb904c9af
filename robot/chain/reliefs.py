"""Income the law says is not counted: jobbstimulans, and a child's own work income up to a limit.

- Jobbstimulans (SoL 2025:400 12 kap. 8 §, earlier 2001:453 4 kap. 1 b §; prop. 2012/13:94): for a
  person with försörjningsstöd six months in a row, 25 % of income from employment is not counted,
  within one continuous window of 24 months from the month the six months in a row were reached,
  whatever happens in between (not 24 months of use). The window's start is the application's
  `history.jobbstimulans_start`, or follows from an unbroken run of months with support; after a
  break it cannot be known (manual). Not for the children's incomes of the next rule.
- Children's own work income (12 kap. 9 §, earlier 4 kap. 1 a §): a child's, or a schoolchild's
  under 21, own work income counts only where it exceeds one prisbasbelopp per calendar year (half
  a prisbasbelopp from 2008, one from 1 July 2013). The year so far comes from the robot's own
  earlier verdicts for the household (`HouseholdHistory`); where it is not known, a handläggare
  decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from robot.chain.context import Context, IncomeLine
from robot.chain.inputs import HouseholdHistory
from robot.formats import period as months
from robot.formats.application import Application
from robot.formats.reasons import Code
from robot.formats.verdict import Reason, Verdict
from robot.swedish.dates import month_name
from robot.swedish.numbers import kr, percent
from robot.swedish.words import capitalized, genitive, join, role
from robot.swedish.words import months as n_months

SALARY = "lon"


@dataclass
class Relief:
    lines: list[IncomeLine] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    facts: Any = None
    evaluated: bool = True


def part_of(amount: int, share: float) -> int:
    """amount × share in whole kronor, half up."""
    return int((Decimal(amount) * Decimal(str(share))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def jobbstimulans_window(ctx: Context, in_row: int) -> str | bool | None:
    """The first period of the jobbstimulans window: a month, None where no window has begun in the
    current run, or False where it cannot be known (a break in support, and no start stated)."""
    history = ctx.application.history
    if history.jobbstimulans_start is not None:
        return history.jobbstimulans_start
    n = history.consecutive_months_with_support
    if n == 0 or (history.last_support_month is not None and history.last_support_month < ctx.control_month):
        return False
    if n < in_row:
        return None
    return months.shift(ctx.period, in_row - n)


def jobbstimulans(ctx: Context, work: dict[str, int], share: float, in_row: int, longest: int) -> Relief:
    """`work`: each adult's net income from employment counted this month."""
    out = Relief()
    if sum(work.values()) <= 0:
        return out
    history = ctx.application.history
    n = history.consecutive_months_with_support
    start = jobbstimulans_window(ctx, in_row)
    out.facts = {"months_in_row": n, "window_start": start or None}
    if start is False:
        text = (
            f"Hushållet har arbetsinkomst men har inte haft försörjningsstöd utan uppehåll fram till "
            f"{month_name(ctx.control_month)}, och ansökan anger inte när jobbstimulansens tvåårsperiod började; "
            "om jobbstimulans ska räknas kan inte avgöras."
        )
        out.reasons.append(Reason(code=Code.JOBBSTIMULANS_OKAND, text=text))
        out.evaluated = False
        return out
    if start is None:
        out.texts.append(
            f"Jobbstimulans gäller inte: hushållet har haft försörjningsstöd {n_months(n)} i följd, regeln gäller "
            f"efter {n_months(in_row)}."
        )
        return out
    end = months.shift(start, longest - 1)
    out.facts["window_end"] = end
    window = f"{month_name(start)}–{month_name(end)}"
    if ctx.period < start:
        out.texts.append(f"Jobbstimulans gäller inte ännu: tvåårsperioden börjar {month_name(start)}.")
        return out
    if ctx.period > end:
        out.texts.append(
            f"Jobbstimulansens tvåårsperiod ({window}) har löpt ut, oavsett uppehåll eller månader utan arbete; "
            "hela nettolönen räknas."
        )
        return out
    parts = []
    out.facts["relief"] = {}
    for person, net in work.items():
        relief = part_of(net, share)
        if relief > 0:
            out.lines.append(IncomeLine(person, SALARY, -relief, "regel", ctx.control_month, "jobbstimulans"))
            out.facts["relief"][person] = relief
            parts.append(f"{kr(relief)} av nettolönen för {role(person)} ({kr(net)})")
    index = months.index(ctx.period) - months.index(start) + 1
    out.texts.append(
        f"Jobbstimulans: {percent(share)} av inkomsten av anställning räknas inte ({join(parts)}); "
        f"månad {index} av {longest} i tvåårsperioden {window}, som löper utan avbrott."
    )
    return out


def childrens_work_income(ctx: Context, earned: dict[str, int], share: float, prisbasbelopp: int) -> Relief:
    """`earned`: each child's own declared work income in the control month (person → kr)."""
    out = Relief(facts=[])
    limit = part_of(prisbasbelopp, share)
    year = int(ctx.control_month[:4])
    children = ctx.application.household.children
    for person, amount in earned.items():
        child = children[int(person.split(":")[1])]
        key = child.birth_date.isoformat()
        twins = sum(1 for c in children if c.birth_date == child.birth_date) > 1
        so_far = None if twins else year_so_far(ctx, key)
        who = capitalized(role(person))
        out.lines.append(IncomeLine(person, SALARY, amount, "uppgiven", ctx.control_month))
        if so_far is None:
            text = (
                f"{genitive(who)} egen arbetsinkomst {kr(amount)} räknas inte upp till ett prisbasbelopp ({kr(limit)}) per "
                "år, "
                f"men hur mycket barnet har tjänat tidigare under {year} är inte känt från robotens tidigare utfall."
            )
            out.reasons.append(Reason(code=Code.BARNINKOMST_OKAND, text=text))
            out.lines.append(IncomeLine(person, SALARY, -amount, "regel", ctx.control_month, "barns_arbetsinkomst"))
            out.evaluated = False
            out.facts.append({"child": person, "birth_date": key, "month": ctx.control_month, "earned": amount})
            continue
        exempt = min(amount, max(0, limit - so_far))
        if exempt:
            out.lines.append(IncomeLine(person, SALARY, -exempt, "regel", ctx.control_month, "barns_arbetsinkomst"))
        out.texts.append(
            f"{genitive(who)} egen arbetsinkomst {kr(amount)}: {kr(exempt)} räknas inte, eftersom barns arbetsinkomst bara "
            f"räknas över {kr(limit)} per kalenderår (hittills {year} {kr(so_far)})."
        )
        out.facts.append(
            {"child": person, "birth_date": key, "month": ctx.control_month, "earned": amount,
             "exempt": exempt, "counted": amount - exempt, "so_far": so_far}
        )  # fmt: skip
    return out


def year_so_far(ctx: Context, birth_date: str) -> int | None:
    """The child's work income earlier in the control month's year, or None where it is not known."""
    if ctx.control_month[5:] == "01":
        return 0
    known = ctx.circumstances.household
    if known is None or known.year != int(ctx.control_month[:4]) or known.through != months.shift(ctx.control_month, -1):
        return None
    return known.children_work_income.get(birth_date, 0)


def has_childrens_work_income(app: Application) -> bool:
    """Whether a child of the household declares work income: only then the year so far matters."""
    return any(i.person.startswith("child:") and i.type == SALARY for i in app.incomes)


def history_from_verdicts(verdicts: Iterable[Verdict], control_month: str) -> HouseholdHistory | None:
    """The household's year so far from the robot's own earlier verdicts for it, for the worker.

    Every month from January to the month before `control_month` must be covered by a verdict
    (its control month); otherwise the year so far is not known.
    """
    year, covered, earned = int(control_month[:4]), set(), {}
    for verdict in verdicts:
        for step in verdict.steps:
            for fact in step.facts.get("children_work_income") or []:
                if fact["month"][:4] == str(year) and fact["month"] < control_month:
                    earned[fact["birth_date"]] = earned.get(fact["birth_date"], 0) + fact["earned"]
            month = step.facts.get("control_month")
            if month and month[:4] == str(year) and month < control_month:
                covered.add(month)
    wanted = {f"{year}-{m:02d}" for m in range(1, int(control_month[5:]))}
    if not wanted or not wanted <= covered:
        return None
    return HouseholdHistory(year=year, through=months.shift(control_month, -1), children_work_income=earned)

