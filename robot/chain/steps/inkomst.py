"""Income check against SSBTEK: registered incomes must be declared, and declared amounts must match.

The calculation uses, per person and income type, the register's amount where there is one.
Without a complete answer from every authority the check needs, there is no recommendation.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import StrictBool, TypeAdapter, confloat, conint

from robot.chain.context import Context, IncomeLine, Step, StepResult
from robot.chain.swedish import INCOME_NAMES, join, kr, percent, role
from robot.formats.reasons import Code
from robot.formats.register import AUTHORITY_NAMES, Authority
from robot.formats.verdict import Reason


class Inkomst(Step):
    kind = "inkomst"
    PARAMETERS: ClassVar = {
        "kallor": TypeAdapter(list[Authority]),
        "tolerans_kr": TypeAdapter(conint(ge=0)),
        "tolerans_andel": TypeAdapter(confloat(ge=0.0, le=1.0)),
        "fyll_luckor_fran_m2": TypeAdapter(StrictBool),
    }
    REASONS = ("INKOMST_EJ_UPPGIVEN", "INKOMST_AVVIKER", "INKOMST_ANNAN_MANAD", Code.SSBTEK_EJ_TILLGANGLIG)

    def evaluate(self, ctx: Context) -> StepResult:
        day = ctx.period_start
        sources = self.value("kallor", day)
        tol_kr = self.value("tolerans_kr", day)
        tol_share = self.value("tolerans_andel", day)
        fill = self.value("fyll_luckor_fran_m2", day)
        params = [sources.cite(), tol_kr.cite(), tol_share.cite(), fill.cite()]
        app = ctx.application
        month, gap_month = ctx.control_month, ctx.gap_month

        reasons: list[Reason] = []
        parts: list[str] = [f"Kontrollmånad {month}."]
        evaluated = True
        for person, adult in app.adults():
            missing = [a for a in sources.value if a in ctx.register.person(adult.personnummer).unavailable]
            if missing:
                evaluated = False
                names = join([AUTHORITY_NAMES[Authority(a)] for a in missing])
                text = (
                    f"Inkomstuppgifter från {names} om {role(person)} kunde inte hämtas via SSBTEK; "
                    "inkomstkontrollen är inte fullständig."
                )
                reasons.append(Reason(code=Code.SSBTEK_EJ_TILLGANGLIG, text=text))

        declared: dict[tuple[str, str], int] = {}
        for income in app.incomes:
            if income.month != month:
                reasons.append(
                    Reason(
                        code="INKOMST_ANNAN_MANAD",
                        text=(
                            f"Uppgiven {INCOME_NAMES[income.type]} {kr(income.amount)} för {role(income.person)} avser "
                            f"{income.month}, men kontrollmånaden är {month}."
                        ),
                    )
                )
                continue
            key = (income.person, income.type.value)
            declared[key] = declared.get(key, 0) + income.amount

        lines: list[IncomeLine] = []
        checked: list[str] = []
        facts: list[dict[str, Any]] = []
        for person, adult in app.adults():
            registered = self._registered(ctx, adult.personnummer, month, gap_month if fill.value else None)
            for income_type, (amount, reg_month, authorities) in registered.items():
                name, who = INCOME_NAMES[income_type], role(person)
                origin = f"{join(sorted(authorities))}, {reg_month}"
                stated = declared.pop((person, income_type), None)
                allowed = max(tol_kr.value, round(tol_share.value * amount))
                fact = {
                    "person": person,
                    "type": income_type,
                    "registered": amount,
                    "declared": stated,
                    "month": reg_month,
                }
                facts.append(fact)
                if stated is None:
                    reasons.append(
                        Reason(
                            code="INKOMST_EJ_UPPGIVEN",
                            text=f"Registret visar {name} {kr(amount)} för {who} ({origin}), men inkomsten är inte uppgiven i ansökan.",
                        )
                    )
                elif abs(stated - amount) > allowed:
                    reasons.append(
                        Reason(
                            code="INKOMST_AVVIKER",
                            text=(
                                f"Uppgiven {name} för {who} är {kr(stated)}, registret visar {kr(amount)} ({origin}); "
                                f"skillnaden {kr(abs(stated - amount))} är större än toleransen {kr(allowed)}."
                            ),
                        )
                    )
                else:
                    checked.append(f"{name} för {who} {kr(amount)} ({origin})")
                lines.append(IncomeLine(person, income_type, amount, "register", reg_month))
        for (person, income_type), amount in declared.items():
            lines.append(IncomeLine(person, income_type, amount, "uppgiven", month))
        ctx.income_lines = lines

        if checked:
            parts.append(
                f"Stämmer med registret inom toleransen ({kr(tol_kr.value)} eller {percent(tol_share.value)}): {join(checked)}."
            )
        unchecked = [f"{INCOME_NAMES[t]} för {role(p)} {kr(a)}" for (p, t), a in declared.items()]
        if unchecked:
            parts.append(f"Uppgivet men inte registrerat i SSBTEK (beloppet i ansökan används): {join(unchecked)}.")
        if not lines:
            parts.append("Inga inkomster är uppgivna och inga finns registrerade.")
        parts += [r.text for r in reasons]
        if evaluated:
            parts.append(f"Inkomster i beräkningen: {kr(sum(line.amount for line in lines))}.")
        return StepResult.decide(reasons, " ".join(parts), params, {"incomes": facts}, evaluated)

    @staticmethod
    def _registered(ctx: Context, pnr: str, month: str, gap_month: str | None) -> dict[str, tuple[int, str, set[str]]]:
        """Per income type: the register's amount for the control month, or for M−2 where M−1 has none."""
        by_month: dict[str, dict[str, tuple[int, set[str]]]] = {}
        for inc in ctx.register.person(pnr).incomes:
            slot = by_month.setdefault(inc.month, {})
            amount, srcs = slot.get(inc.type.value, (0, set()))
            slot[inc.type.value] = (amount + inc.amount, srcs | {inc.source})
        out = {t: (a, month, s) for t, (a, s) in sorted(by_month.get(month, {}).items())}
        if gap_month:
            for t, (a, s) in sorted(by_month.get(gap_month, {}).items()):
                out.setdefault(t, (a, gap_month, s))
        return out
