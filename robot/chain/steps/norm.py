"""Norm calculation: riksnorm + approved costs − incomes. An amount ≤ 0 goes to a handläggare.

Adults in the home who are not sambo (`other_adults`) share the housing: the applicant's household
gets its share per head of the shared riksnorm costs and of the housing costs named in the rules.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import TypeAdapter, conint

from robot.chain.context import Context, CostLine, IncomeLine
from robot.chain.step import Step, StepResult
from robot.formats.application import CostType
from robot.formats.reasons import Code
from robot.formats.verdict import Norm, NormLine, Reason
from robot.swedish.dates import month_name
from robot.swedish.numbers import kr
from robot.swedish.words import COST_NAMES, INCOME_NAMES, capitalized, other_adults, persons, role


def share_of(total: int, part: int, whole: int) -> int:
    """total × part / whole, rounded half up to whole kronor."""
    return (2 * total * part + whole) // (2 * whole)


class NormStep(Step):
    kind = "norm"
    PARAMETERS: ClassVar = {
        "lunch_rader_till_alder": TypeAdapter(conint(ge=0, le=20)),
        "delas_med_andra_vuxna": TypeAdapter(list[CostType]),
    }
    REASONS = (Code.NORM_EJ_POSITIV, Code.BARN_ALDER)

    def evaluate(self, ctx: Context) -> StepResult:
        app = ctx.application
        h = app.household
        year = ctx.period_start.year
        table = ctx.riksnorm.get(year)
        if table is None:  # intag gives the reason (RIKSNORM_SAKNAS)
            return StepResult("manual", f"Normberäkningen kan inte göras: riksnorm för {year} saknas.", evaluated=False)
        if ctx.cost_lines is None or ctx.income_lines is None:  # the step that failed gave the reason
            text = "Normberäkningen kan inte göras eftersom kostnaderna eller inkomsterna inte kunde fastställas i ett tidigare steg."
            return StepResult("manual", text, evaluated=False)
        lunch_age = self.value("lunch_rader_till_alder", ctx.period_start)
        shared_costs = self.value("delas_med_andra_vuxna", ctx.period_start)
        cites = [lunch_age.cite(), shared_costs.cite()]
        lines: list[NormLine] = []

        adults = table.couple if h.co_applicant else table.single
        cites.append(adults.cite())
        adult_text = "Sökande och medsökande (sammanboende)" if h.co_applicant else "Sökande (ensamstående)"
        lines.append(NormLine(group="personal", text=adult_text, amount=adults.value))
        for i, child in enumerate(h.children):
            age = ctx.child_age(child)
            row = table.child_row(age)
            if row is None:
                text = f"Normberäkningen kan inte göras: riksnormen har ingen rad för barn {i + 1} ({age} år)."
                return StepResult("manual", text, [Reason(code=Code.BARN_ALDER, text=text)], cites, evaluated=False)
            value = row.amount
            label = f"Barn {i + 1}, {age} år"
            if child.lunch_away_5_days and age <= lunch_age.value and row.without_lunch is not None:
                value = row.without_lunch
                label += ", lunch utanför hemmet 5 dagar i veckan"
            cites.append(value.cite())
            lines.append(NormLine(group="personal", text=label, amount=value.value))

        size = app.household_size()
        members = size - h.other_adults
        shared_total, shared_params = table.shared_amount(size)
        cites += [p.cite() for p in shared_params]
        if h.other_adults:
            shared = share_of(shared_total, members, size)
            shared_text = (
                f"Gemensamma hushållskostnader: {kr(shared_total)} för {persons(size)}, varav hushållets andel "
                f"{members}/{size} ({other_adults(h.other_adults)} i bostaden är inte sambo)"
            )
        else:
            shared = shared_total
            shared_text = f"Gemensamma hushållskostnader för {persons(size)}"
            if size > 7:
                shared_text += " (över 7 personer: skillnaden mellan 6 och 7 personer per extra person)"
        lines.append(NormLine(group="shared", text=shared_text, amount=shared))

        split = {str(t) for t in shared_costs.value} if h.other_adults else set()
        lines += [cost_line(c, members, size, c.type in split) for c in ctx.cost_lines]
        lines += [income_line(i) for i in ctx.income_lines]

        personal = sum(line.amount for line in lines if line.group == "personal")
        costs = sum(line.amount for line in lines if line.group == "costs")
        incomes = sum(i.amount for i in ctx.income_lines)
        total = personal + shared + costs - incomes
        ctx.norm = Norm(personal=personal, shared=shared, costs=costs, incomes=incomes, total=total, lines=lines)

        motivering = (
            f"Riksnorm {year}: personliga kostnader {kr(personal)} och gemensamma hushållskostnader {kr(shared)}; "
            f"kostnader {kr(costs)}; inkomster {kr(incomes)}. "
            f"Beräkning: {kr(personal)} + {kr(shared)} + {kr(costs)} − {kr(incomes)} = {kr(total)}."
        )
        if total <= 0:
            text = (
                f"Inkomsterna ({kr(incomes)}) täcker normen och kostnaderna ({kr(personal + shared + costs)}); "
                f"beräknat belopp {kr(total)}. Roboten föreslår inget avslag; en handläggare prövar ansökan."
            )
            return StepResult("manual", motivering + " " + text, [Reason(code=Code.NORM_EJ_POSITIV, text=text)], cites)
        return StepResult("pass", motivering, [], cites)


def cost_line(cost: CostLine, members: int, size: int, shared: bool) -> NormLine:
    text = capitalized(COST_NAMES[cost.type])
    amount = cost.amount
    if shared:
        amount = share_of(cost.amount, members, size)
        text += f" {kr(cost.amount)}, hushållets andel {members}/{size}"
    if not cost.within_schablon:
        text += " (prövas av handläggare)"
    return NormLine(group="costs", text=text, amount=amount)


def income_line(inc: IncomeLine) -> NormLine:
    who, month = role(inc.person), month_name(inc.month)
    if inc.kind == "jobbstimulans":
        text = f"Jobbstimulans, {who}: del av lönen som inte räknas ({month})"
    elif inc.kind == "barns_arbetsinkomst":
        text = f"Barns arbetsinkomst som inte räknas, {who} ({month})"
    else:
        basis = "enligt registret" if inc.basis == "register" else "enligt ansökan"
        net = ", netto" if inc.type == "lon" else ""
        text = f"{capitalized(INCOME_NAMES[inc.type])}{net}, {who} ({basis}, {month})"
    return NormLine(group="incomes", text=text, amount=inc.amount)
