"""Plausibility: facts in the application that the register data should agree with, and does not.

- A child under 16 living here without registered barnbidrag (SFB 15 kap.).
- Barnomsorg costs without a child of förskola or fritidshem age.
- A 16–19-year-old in school without registered studiehjälp (studiestödslagen 1999:1395, 2 kap.);
  it is paid to the parent until the young person turns 18, then to the young person, whom the
  robot does not ask SSBTEK about.
Each is manual with its own reason; the robot never concludes that something is wrong.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from pydantic import TypeAdapter, conint

from robot.chain.context import Context
from robot.chain.step import Step, StepResult
from robot.formats import period as months
from robot.formats.reasons import Code
from robot.formats.register import Authority
from robot.formats.verdict import Reason
from robot.swedish.words import join

Age = TypeAdapter(conint(ge=0, le=25))


class Rimlighet(Step):
    kind = "rimlighet"
    PARAMETERS: ClassVar = {
        "barnbidrag_till_och_med_alder": Age,
        "barnomsorg_till_och_med_alder": Age,
        "studiehjalp_fran_alder": Age,
        "studiehjalp_till_och_med_alder": Age,
    }
    REASONS = (Code.BARNBIDRAG_SAKNAS, Code.BARNOMSORG_UTAN_BARN, Code.STUDIEHJALP_SAKNAS)

    def authorities(self, day: dt.date) -> frozenset[Authority]:
        return frozenset({Authority.FK, Authority.CSN})

    def evaluate(self, ctx: Context) -> StepResult:
        p = {name: self.value(name, ctx.period_start) for name in self.PARAMETERS}
        review = Review(ctx)
        review.barnbidrag(p["barnbidrag_till_och_med_alder"].value)
        review.barnomsorg(p["barnomsorg_till_och_med_alder"].value)
        review.studiehjalp(p["studiehjalp_fran_alder"].value, p["studiehjalp_till_och_med_alder"].value)
        motivering = " ".join(review.checked + [r.text for r in review.reasons]) or "Inget att pröva för hushållet."
        return StepResult.decide(review.reasons, motivering, [v.cite() for v in p.values()])


class Review:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.reasons: list[Reason] = []
        self.checked: list[str] = []

    def paid(self, source: str, income_type: str | None = None) -> bool | None:
        """Whether the register shows a payment from `source` to an adult in M−1 or M−2 (None: not asked)."""
        adults = [a.personnummer for _, a in self.ctx.application.adults()]
        if all(source in self.ctx.person(p).unavailable for p in adults):
            return None
        return any(
            i.source == source and (income_type is None or i.type.value == income_type)
            for p in adults
            for i in self.ctx.registered(p, self.ctx.control_month, self.ctx.gap_month)
        )

    def barnbidrag(self, up_to: int) -> None:
        first_paid_by = months.first_day(self.ctx.gap_month)  # paid from the month after birth
        expected = [
            i + 1
            for i, c in enumerate(self.ctx.application.household.children)
            if c.lives_here == "heltid" and self.ctx.child_age(c) <= up_to and c.birth_date < first_paid_by
        ]
        paid = self.paid("FK", "barnbidrag") if expected else None
        if paid is None:
            return
        if paid:
            self.checked.append(f"Barnbidrag är registrerat för hushållet (barn till och med {up_to} år).")
            return
        which = join([f"barn {n}" for n in expected])
        text = f"Försäkringskassan visar inget barnbidrag till hushållet, fast {which} bor här och är högst {up_to} år."
        self.reasons.append(Reason(code=Code.BARNBIDRAG_SAKNAS, text=text))

    def barnomsorg(self, up_to: int) -> None:
        if not any(c.type.value == "barnomsorg" for c in self.ctx.application.costs):
            return
        if any(0 <= self.ctx.child_age(c) <= up_to for c in self.ctx.application.household.children):
            self.checked.append(f"Barnomsorg söks och hushållet har barn till och med {up_to} år.")
            return
        text = f"Ansökan tar upp en kostnad för barnomsorg, men hushållet har inget barn till och med {up_to} år."
        self.reasons.append(Reason(code=Code.BARNOMSORG_UTAN_BARN, text=text))

    def studiehjalp(self, lo: int, hi: int) -> None:
        control = months.first_day(self.ctx.control_month)
        quarter = control.replace(month=(control.month - 1) // 3 * 3 + 1)  # paid from the quarter after 16
        expected = []
        for i, c in enumerate(self.ctx.application.household.children):
            turned = c.birth_date.replace(year=c.birth_date.year + lo, day=min(c.birth_date.day, 28))
            if c.in_school and lo <= self.ctx.child_age(c) <= hi and turned < quarter:
                expected.append(i + 1)
        paid = self.paid("CSN") if expected else None
        if paid is None:
            return
        if paid:
            self.checked.append("Studiehjälp från CSN är registrerad för hushållet.")
            return
        text = (
            f"CSN visar ingen studiehjälp till hushållet, fast {join([f'barn {n}' for n in expected])} går i skolan "
            f"och är {lo}–{hi} år (från 18 år betalas den till den unga själv, som roboten inte hämtar uppgifter om)."
        )
        self.reasons.append(Reason(code=Code.STUDIEHJALP_SAKNAS, text=text))
