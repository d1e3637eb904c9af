"""Norm calculation: riksnorm + approved costs − incomes. An amount ≤ 0 goes to a handläggare."""

from __future__ import annotations

from typing import ClassVar

from pydantic import TypeAdapter, conint

from robot.chain.context import Context, Step, StepResult
from robot.chain.swedish import COST_NAMES, INCOME_NAMES, kr, persons, role
from robot.formats.period import age_on
from robot.formats.reasons import Code
from robot.formats.verdict import Norm, NormLine, Reason


def share_of(total: int, part: int, whole: int) -> int:
    """total × part / whole, rounded half up to whole kronor."""
    return (2 * total * part + whole) // (2 * whole)


class NormStep(Step):
    kind = "norm"
    PARAMETERS: ClassVar = {"lunch_rader_till_alder": TypeAdapter(conint(ge=0, le=20))}
    REASONS = ("NORM_EJ_POSITIV", "RIKSNORM_SAKNAS", "BARN_ALDER", "TEKNISKT_FEL")

    def evaluate(self, ctx: Context) -> StepResult:
        app = ctx.application
        h = app.household
        year = ctx.period_start.year
        table = ctx.ruleset.riksnorm.get(year)
        if table is None:
            text = f"Normberäkningen kan inte göras: riksnorm för {year} saknas i regelverket."
            return StepResult("manual", text, [Reason(code="RIKSNORM_SAKNAS", text=text)], evaluated=False)
        if ctx.cost_lines is None or ctx.income_lines is None:
            text = "Normberäkningen kan inte göras eftersom kostnaderna eller inkomsterna inte kunde fastställas i ett tidigare steg."
            return StepResult("manual", text, [Reason(code=Code.TEKNISKT_FEL, text=text)], evaluated=False)
        lunch_age = self.value("lunch_rader_till_alder", ctx.period_start)
        cites = [lunch_age.cite()]
        lines: list[NormLine] = []

        adults = table.couple if h.co_applicant else table.single
        cites.append(adults.cite())
        adult_text = "Sökande och medsökande (sammanboende)" if h.co_applicant else "Sökande (ensamstående)"
        lines.append(NormLine(group="personal", text=adult_text, amount=adults.value))
        for i, child in enumerate(h.children):
            age = age_on(child.birth_date, ctx.period_start)
            row = table.child_row(age)
            if row is None:
                text = f"Normberäkningen kan inte göras: riksnormen har ingen rad för barn {i + 1} ({age} år)."
                return StepResult("manual", text, [Reason(code="BARN_ALDER", text=text)], cites, evaluated=False)
            value = row.amount
            label = f"Barn {i + 1}, {age} år"
            if child.lunch_away_5_days and age <= lunch_age.value and row.without_lunch is not None:
                value = row.without_lunch
                label += ", lunch utanför hemmet 5 dagar i veckan"
            cites.append(value.cite())
            lines.append(NormLine(group="personal", text=label, amount=value.value))

        size = app.household_size()
        shared_total, shared_params = table.shared_amount(size)
        cites += [p.cite() for p in shared_params]
        members = size - h.other_adults
        if h.other_adults:
            shared = share_of(shared_total, members, size)
            shared_text = (
                f"Gemensamma hushållskostnader: {kr(shared_total)} för {persons(size)}, varav hushållets andel "
                f"{members}/{size} (övriga {h.other_adults} vuxna är inte sambo)"
            )
        else:
            shared = shared_total
            shared_text = f"Gemensamma hushållskostnader för {persons(size)}"
            if size > 7:
                shared_text += " (över 7 personer: skillnaden mellan 6 och 7 personer per extra person)"
        lines.append(NormLine(group="shared", text=shared_text, amount=shared))

        for cost in ctx.cost_lines:
            note = "" if cost.within_schablon else " (prövas av handläggare)"
            lines.append(NormLine(group="costs", text=COST_NAMES[cost.type].capitalize() + note, amount=cost.amount))
        for inc in ctx.income_lines:
            basis = "enligt registret" if inc.basis == "register" else "enligt ansökan"
            text = f"{INCOME_NAMES[inc.type].capitalize()}, {role(inc.person)} ({basis}, {inc.month})"
            lines.append(NormLine(group="incomes", text=text, amount=inc.amount))

        personal = sum(line.amount for line in lines if line.group == "personal")
        costs = sum(c.amount for c in ctx.cost_lines)
        incomes = sum(i.amount for i in ctx.income_lines)
        total = personal + shared + costs - incomes
        ctx.norm = Norm(personal=personal, shared=shared, costs=costs, incomes=incomes, total=total, lines=lines)

        provisional = any(c.get("provisional") for c in cites)
        motivering = (
            f"Riksnorm {year}: personliga kostnader {kr(personal)} och gemensamma hushållskostnader {kr(shared)}; "
            f"kostnader {kr(costs)}; inkomster {kr(incomes)}. "
            f"Beräkning: {kr(personal)} + {kr(shared)} + {kr(costs)} − {kr(incomes)} = {kr(total)}."
        )
        if provisional:
            motivering += f" Obs: riksnormens belopp för {year} är preliminära i regelverket."
        if total <= 0:
            text = (
                f"Inkomsterna ({kr(incomes)}) täcker normen och kostnaderna ({kr(personal + shared + costs)}); "
                f"beräknat belopp {kr(total)}. Roboten föreslår inget avslag; en handläggare prövar ansökan."
            )
            return StepResult("manual", motivering + " " + text, [Reason(code="NORM_EJ_POSITIV", text=text)], cites)
        return StepResult("pass", motivering, [], cites)
