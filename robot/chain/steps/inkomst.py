"""Incomes: what the household receives, checked against SSBTEK, net of tax, with what the law exempts.

- Registered incomes must be declared, and declared amounts must match the register's net amount
  within the tolerance; the calculation uses the register's amount where there is one.
- Skatteverket's salary is gross: net = gross − tax withheld; without the tax figure, manual.
- Employers declare month M−1 by the declaration day of month M (the large employers' day, SFL
  26 kap. 30 §: the 26th, 27 December): before it, a salary that is expected but missing is "not yet
  known" (ARBETSGIVARDEKLARATION_VANTAS: the worker waits); after it, a salary paid in M−2 and
  missing in M−1 goes to a handläggare (LON_EJ_DEKLARERAD), as a declared one does (INKOMSTTYP_MOTSAGS).
- Jobbstimulans and a child's own work income: see `robot.chain.reliefs`.
- A declared income the register contradicts (the authority that pays that type answered and shows
  nothing of it) goes to a handläggare (INKOMSTTYP_MOTSAGS).
- Each income type is stated as taxable or tax-free in the motivering.
Without a complete answer from every authority the check needs, there is no recommendation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from pydantic import StrictBool, TypeAdapter, confloat, conint

from robot.chain import reliefs
from robot.chain.context import Context, IncomeLine
from robot.chain.incomes import (
    SALARY,
    DeclarationDays,
    Registered,
    declaration_day,
    registered_incomes,
    salary_missing,
    salary_pending,
)
from robot.chain.step import Step, StepResult
from robot.formats.application import IncomeType
from robot.formats.reasons import Code
from robot.formats.register import AUTHORITY_NAMES, Authority
from robot.formats.verdict import Reason
from robot.swedish.dates import day_text, month_name
from robot.swedish.numbers import kr, percent
from robot.swedish.words import INCOME_NAMES, agreeing, capitalized, join, role


class Inkomst(Step):
    kind = "inkomst"
    PARAMETERS: ClassVar = {
        "kallor": TypeAdapter(list[Authority]),
        "tolerans_kr": TypeAdapter(conint(ge=0)),
        "tolerans_andel": TypeAdapter(confloat(ge=0.0, le=1.0)),
        "fyll_luckor_fran_m2": TypeAdapter(StrictBool),
        "arbetsgivardeklaration_dag": TypeAdapter(DeclarationDays),
        "skattepliktiga_inkomster": TypeAdapter(list[IncomeType]),
        "inkomsttyp_kalla": TypeAdapter(dict[IncomeType, Authority]),
        "jobbstimulans.andel": TypeAdapter(confloat(ge=0.0, le=1.0)),
        "jobbstimulans.manader_i_rad": TypeAdapter(conint(ge=1, le=120)),
        "jobbstimulans.langsta_tid_manader": TypeAdapter(conint(ge=1, le=120)),
        "barns_arbetsinkomst.andel_av_prisbasbelopp": TypeAdapter(confloat(ge=0.0, le=10.0)),
        "barns_arbetsinkomst.prisbasbelopp": TypeAdapter(conint(ge=0)),
    }
    REASONS = (
        Code.INKOMST_EJ_UPPGIVEN,
        Code.INKOMST_AVVIKER,
        Code.INKOMST_ANNAN_MANAD,
        Code.SSBTEK_EJ_TILLGANGLIG,
        Code.LON_NETTO_OKAND,
        Code.ARBETSGIVARDEKLARATION_VANTAS,
        Code.JOBBSTIMULANS_OKAND,
        Code.BARNINKOMST_OKAND,
        Code.INKOMSTTYP_MOTSAGS,
        Code.LON_EJ_DEKLARERAD,
    )

    def authorities(self, day: dt.date) -> frozenset[Authority]:
        return frozenset(Authority(a) for a in self.value("kallor", day).value)

    def evaluate(self, ctx: Context) -> StepResult:
        p = {name: self.value(name, ctx.period_start) for name in self.PARAMETERS if "." not in name}
        params = [v.cite() for v in p.values()]
        check = Check(ctx, p["tolerans_kr"].value, p["tolerans_andel"].value, set(p["skattepliktiga_inkomster"].value))
        check.payers = {str(k): str(v) for k, v in p["inkomsttyp_kalla"].value.items()}
        check.availability(p["kallor"].value)
        days = DeclarationDays.model_validate(p["arbetsgivardeklaration_dag"].value)
        check.declaration_day(declaration_day(ctx.period, days))
        declared = check.declared()
        work: dict[str, int] = {}
        for person, adult in ctx.application.adults():
            for reg in registered_incomes(ctx, adult.personnummer, p["fyll_luckor_fran_m2"].value).values():
                amount = check.compare(person, reg, declared.pop((person, reg.type), None))
                if reg.type == SALARY and reg.net_known:
                    work[person] = work.get(person, 0) + amount
        children: dict[str, int] = {}
        for (person, income_type), amount in declared.items():
            if person.startswith("child:") and income_type == SALARY:
                children[person] = amount
                continue
            check.declared_only(person, income_type, amount)
            if income_type == SALARY:
                work[person] = work.get(person, 0) + amount
        if work:
            check.relieve("jobbstimulans", self._jobbstimulans(ctx, work, params))
        if children:
            check.relieve("children_work_income", self._children(ctx, children, params))
        ctx.income_lines = check.lines
        facts = {"control_month": ctx.control_month, "incomes": check.facts, **check.extra_facts}
        return StepResult.decide(check.reasons, check.motivering(), params, facts, check.evaluated)

    def _jobbstimulans(self, ctx: Context, work: dict[str, int], params: list[dict[str, Any]]) -> reliefs.Relief:
        values = [self.value(f"jobbstimulans.{n}", ctx.period_start) for n in ("andel", "manader_i_rad", "langsta_tid_manader")]
        params += [v.cite() for v in values]
        return reliefs.jobbstimulans(ctx, work, *(v.value for v in values))

    def _children(self, ctx: Context, earned: dict[str, int], params: list[dict[str, Any]]) -> reliefs.Relief:
        month_start = dt.date(int(ctx.control_month[:4]), int(ctx.control_month[5:]), 1)
        share = self.value("barns_arbetsinkomst.andel_av_prisbasbelopp", month_start)
        pbb = self.value_for_year("barns_arbetsinkomst.prisbasbelopp", month_start.year)
        params += [share.cite(), pbb.cite()]
        return reliefs.childrens_work_income(ctx, earned, share.value, pbb.value)


class Check:
    """One application's income check as it is built up: lines, reasons, facts and texts."""

    def __init__(self, ctx: Context, tol_kr: int, tol_share: float, taxable: set[str]):
        self.ctx, self.tol_kr, self.tol_share, self.taxable = ctx, tol_kr, tol_share, taxable
        self.lines: list[IncomeLine] = []
        self.reasons: list[Reason] = []
        self.facts: list[dict[str, Any]] = []
        self.extra_facts: dict[str, Any] = {}
        self.checked: list[str] = []
        self.unchecked: list[str] = []
        self.texts: list[str] = []
        self.evaluated = True
        self.payers: dict[str, str] = {}
        """Income type → the authority that pays it and reports it to SSBTEK."""
        self.pending: set[str] = set()
        """Adults whose salary for the control month is not yet declared by the employer."""

    def availability(self, sources: list[str]) -> None:
        for person, adult in self.ctx.application.adults():
            missing = [a for a in sources if a in self.ctx.person(adult.personnummer).unavailable]
            if missing:
                names = join([AUTHORITY_NAMES[Authority(a)] for a in missing])
                text = (
                    f"Inkomstuppgifter från {names} om {role(person)} kunde inte hämtas via SSBTEK; "
                    "inkomstkontrollen är inte fullständig."
                )
                self.fail(Reason(code=Code.SSBTEK_EJ_TILLGANGLIG, text=text))

    def declaration_day(self, day: dt.date) -> None:
        month = month_name(self.ctx.control_month)
        for person, adult in self.ctx.application.adults():
            if salary_pending(self.ctx, person, adult.personnummer, day):
                text = (
                    f"Lön för {role(person)} för {month} väntas men finns ännu inte hos Skatteverket; alla "
                    f"arbetsgivare ska ha deklarerat den senast {day_text(day)} (arbetsgivare med "
                    "beskattningsunderlag över 40 miljoner kronor den 26, i december den 27, 26 kap. 30 § "
                    "skatteförfarandelagen). Lönen är inte känd ännu."
                )
                self.fail(Reason(code=Code.ARBETSGIVARDEKLARATION_VANTAS, text=text))
                self.extra_facts["salary_known_from"] = day.isoformat()
                self.pending.add(person)
            elif self.after(day) and not self.declares_salary(person) and salary_missing(self.ctx, adult.personnummer):
                text = (
                    f"Skatteverket visar lön för {role(person)} för {month_name(self.ctx.gap_month)} men ingen för "
                    f"{month}, fast deklarationsdagen ({day_text(day)}) har passerat, och ansökan uppger ingen lön; "
                    "handläggaren tar reda på om anställningen har upphört."
                )
                self.reasons.append(Reason(code=Code.LON_EJ_DEKLARERAD, text=text))

    def after(self, day: dt.date) -> bool:
        as_of = self.ctx.circumstances.as_of
        return as_of is None or as_of >= day

    def declares_salary(self, person: str) -> bool:
        return any(
            i.person == person and i.type.value == SALARY and i.month == self.ctx.control_month
            for i in self.ctx.application.incomes
        )

    def declared(self) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for income in self.ctx.application.incomes:
            if income.month != self.ctx.control_month:
                text = (
                    f"{capitalized(agreeing('uppgiven', INCOME_NAMES[income.type]))} {INCOME_NAMES[income.type]} "
                    f"{kr(income.amount)} för {role(income.person)} avser "
                    f"{month_name(income.month)}, men kontrollmånaden är {month_name(self.ctx.control_month)}."
                )
                self.reasons.append(Reason(code=Code.INKOMST_ANNAN_MANAD, text=text))
                continue
            key = (income.person, income.type.value)
            out[key] = out.get(key, 0) + income.amount
        return out

    def compare(self, person: str, reg: Registered, stated: int | None) -> int:
        """A registered income against the declared one; returns the amount the calculation uses."""
        name, who = INCOME_NAMES[reg.type], role(person)
        origin = f"{join([AUTHORITY_NAMES[Authority(s)] for s in reg.sources])}, {month_name(reg.month)}"
        amount = reg.net if reg.net_known else reg.gross
        if not reg.net_known:
            text = (
                f"Skatteverket redovisar lön {kr(reg.gross)} före skatt för {who} ({origin}) utan avdragen skatt; "
                "nettolönen, som är det hushållet får, kan inte beräknas."
            )
            self.fail(Reason(code=Code.LON_NETTO_OKAND, text=text))
        described = f"{name} för {who} {self.tax_text(reg, amount)} ({origin})"
        self.facts.append({"person": person, "type": reg.type, "registered": amount, "gross": reg.gross,
                           "tax": reg.tax, "declared": stated, "month": reg.month})  # fmt: skip
        allowed = max(self.tol_kr, round(self.tol_share * amount))
        if stated is None:
            text = f"Registret visar {described}, men inkomsten är inte uppgiven i ansökan."
            self.reasons.append(Reason(code=Code.INKOMST_EJ_UPPGIVEN, text=text))
        elif not reg.net_known:
            pass  # no net pay to compare the declared net pay with (LON_NETTO_OKAND above)
        elif abs(stated - amount) > allowed:
            text = (
                f"{capitalized(agreeing('uppgiven', name))} {name} för {who} är {kr(stated)}, registret visar "
                f"{described}; skillnaden "
                f"{kr(abs(stated - amount))} är större än toleransen {kr(allowed)}."
            )
            self.reasons.append(Reason(code=Code.INKOMST_AVVIKER, text=text))
        else:
            self.checked.append(described)
        self.lines.append(IncomeLine(person, reg.type, amount, "register", reg.month))
        return amount

    def tax_text(self, reg: Registered, amount: int) -> str:
        name = INCOME_NAMES[reg.type]
        if not reg.net_known:
            return f"{kr(reg.gross)} före skatt (avdragen skatt saknas)"
        if reg.tax:
            return f"{kr(reg.gross)} före skatt − {kr(reg.tax)} avdragen skatt = {kr(amount)} netto"
        if reg.type in self.taxable:
            return f"{kr(amount)} ({agreeing('skattepliktig', name)}; utbetalt belopp efter skatt)"
        return f"{kr(amount)} ({agreeing('skattefri', name)})"

    def declared_only(self, person: str, income_type: str, amount: int) -> None:
        """An income in the application that the register does not show: used as declared, unless the
        authority that pays such income answered and shows none (then the register contradicts it)."""
        self.lines.append(IncomeLine(person, income_type, amount, "uppgiven", self.ctx.control_month))
        described = f"{INCOME_NAMES[income_type]} för {role(person)} {kr(amount)}"
        adult = dict(self.ctx.application.adults()).get(person)
        payer = self.payers.get(income_type)
        waiting = income_type == SALARY and person in self.pending
        if adult is None or payer is None or waiting or payer in self.ctx.person(adult.personnummer).unavailable:
            self.unchecked.append(described)
            return
        text = (
            f"Ansökan uppger {described} för {month_name(self.ctx.control_month)}, men "
            f"{AUTHORITY_NAMES[Authority(payer)]} visar ingen sådan inkomst."
        )
        self.reasons.append(Reason(code=Code.INKOMSTTYP_MOTSAGS, text=text))

    def relieve(self, fact: str, relief: reliefs.Relief) -> None:
        self.lines += relief.lines
        self.reasons += relief.reasons
        self.texts += relief.texts
        self.evaluated = self.evaluated and relief.evaluated
        if relief.facts is not None:
            self.extra_facts[fact] = relief.facts

    def fail(self, reason: Reason) -> None:
        self.reasons.append(reason)
        self.evaluated = False

    def motivering(self) -> str:
        parts = [f"Kontrollmånad {month_name(self.ctx.control_month)}."]
        if self.checked:
            tolerance = f"{kr(self.tol_kr)} eller {percent(self.tol_share)}"
            parts.append(f"Stämmer med registret inom toleransen ({tolerance}): {join(self.checked)}.")
        if self.unchecked:
            parts.append(f"Uppgivet men inte registrerat i SSBTEK (beloppet i ansökan används): {join(self.unchecked)}.")
        if not self.lines:
            parts.append("Inga inkomster är uppgivna och inga finns registrerade.")
        parts += self.texts
        parts += [r.text for r in self.reasons]
        if self.evaluated:
            parts.append(f"Inkomster i beräkningen: {kr(sum(line.amount for line in self.lines))}.")
        return " ".join(parts)
