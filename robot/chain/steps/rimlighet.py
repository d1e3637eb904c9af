"""Plausibility: facts in the application that the register data should agree with, and does not.

- The household's children as the registers show them (`robot.chain.children`): the barnbidrag with
  flerbarnstillägg Försäkringskassan pays must be the amount for the children under 16 declared
  (SFB 15 kap. 3 och 8 §§); studiebidrag from CSN for each 16–17-year-old in school (studiestödslagen
  1999:1395, 2 kap. 7 §); a child the registers cannot show (newborn, 16–17 and not in school, 18 or
  older) is not confirmed. Each difference is manual, named.
- Barnomsorg costs without a child of förskola or fritidshem age.
Each is manual with its own reason; the robot never concludes that something is wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from pydantic import TypeAdapter, conint

from robot.chain import children as kids
from robot.chain.context import Context
from robot.chain.step import Step, StepResult
from robot.formats.reasons import Code
from robot.formats.register import Authority
from robot.formats.verdict import Reason
from robot.swedish.dates import month_name
from robot.swedish.numbers import kr
from robot.swedish.words import join

Age = TypeAdapter(conint(ge=0, le=25))


class Rimlighet(Step):
    kind = "rimlighet"
    PARAMETERS: ClassVar = {
        "barnbidrag_till_och_med_alder": Age,
        "barnomsorg_till_och_med_alder": Age,
        "studiehjalp_fran_alder": Age,
        "studiehjalp_till_och_med_alder": Age,
        "studiehjalp_till_foralder_under_alder": Age,
        "barnbidrag_kr": TypeAdapter(conint(ge=0, le=100_000)),
        "flerbarnstillagg_kr": TypeAdapter(dict[conint(ge=2, le=60), conint(ge=0, le=100_000)]),
        "studiebidrag_kr": TypeAdapter(conint(ge=0, le=100_000)),
        "studiehjalp_hogst_per_barn_kr": TypeAdapter(conint(ge=0, le=100_000)),
    }
    REASONS = (
        Code.BARNBIDRAG_SAKNAS,
        Code.BARNBIDRAG_AVVIKER,
        Code.BARN_EJ_BEKRAFTAT,
        Code.BARNOMSORG_UTAN_BARN,
        Code.STUDIEHJALP_SAKNAS,
        Code.SSBTEK_EJ_TILLGANGLIG,
    )

    def authorities(self, day: dt.date) -> frozenset[Authority]:
        return frozenset({Authority.FK, Authority.CSN})

    def evaluate(self, ctx: Context) -> StepResult:
        p = {name: self.value(name, ctx.period_start) for name in self.PARAMETERS}
        review = Review(ctx)
        review.children(
            Amounts(
                p["barnbidrag_till_och_med_alder"].value + 1,
                p["studiehjalp_till_foralder_under_alder"].value,
                p["barnbidrag_kr"].value,
                {int(k): v for k, v in p["flerbarnstillagg_kr"].value.items()},
                p["studiebidrag_kr"].value,
                p["studiehjalp_hogst_per_barn_kr"].value,
            )
        )
        review.barnomsorg(p["barnomsorg_till_och_med_alder"].value)
        motivering = " ".join(review.checked + [r.text for r in review.reasons]) or "Inget att pröva för hushållet."
        return StepResult.decide(review.reasons, motivering, [v.cite() for v in p.values()], review.facts)


@dataclass(frozen=True)
class Amounts:
    barnbidrag_turns: int
    to_parent_under: int
    barnbidrag: int
    tillagg: dict[int, int]
    studiebidrag: int
    studiehjalp_most: int


class Review:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.reasons: list[Reason] = []
        self.checked: list[str] = []
        self.facts: dict[str, object] = {}

    def paid(self, source: str, income_type: str) -> tuple[str, int] | None:
        """The month (the control month, else M−2 where only it has payments) and the sum `source` paid
        the household's adults as `income_type`; None where `source` did not answer for an adult."""
        adults = [a.personnummer for _, a in self.ctx.application.adults()]
        if any(source in self.ctx.person(p).unavailable for p in adults):
            return None
        for month in (self.ctx.control_month, self.ctx.gap_month):
            rows = [
                i.amount
                for p in adults
                for i in self.ctx.registered(p, month)
                if i.source == source and i.type.value == income_type
            ]
            if rows:
                return month, sum(rows)
        return self.ctx.control_month, 0

    def unavailable(self, who: str, authority: str) -> None:
        text = (
            f"Uppgifter från {authority} kunde inte hämtas via SSBTEK; registret kan inte bekräfta {who} "
            "som ansökan uppger."
        )
        self.reasons.append(Reason(code=Code.SSBTEK_EJ_TILLGANGLIG, text=text))

    def children(self, a: Amounts) -> None:
        """The declared children against Försäkringskassan's barnbidrag and CSN's studiebidrag."""
        h = self.ctx.application.household
        if not h.children:
            return
        if any(c.lives_here != "heltid" for c in h.children):
            self.checked.append(
                "Barn som bor växelvis kan ha delat barnbidrag; handläggaren jämför barnbidraget med hushållet."
            )
            return
        fk = self.paid("FK", "barnbidrag")
        month = fk[0] if fk else self.ctx.control_month
        status = kids.classify(list(h.children), month, self.ctx.period_start, a.barnbidrag_turns, a.to_parent_under)
        under_16 = [s.number for s in status if s.status == "barnbidrag"]
        students = [s.number for s in status if s.status == "studiebidrag"]
        older_students = sum(
            1
            for i, c in enumerate(h.children)
            if c.in_school and (i + 1) not in under_16 and month > kids.quarter_end(c.birth_date, a.barnbidrag_turns)
        )
        self.facts["children"] = {s.number: s.status for s in status}
        for s in status:
            if s.status == "obekraftat":
                text = f"Barn {s.number} kan inte bekräftas av registren för {month_name(month)}: {s.why}."
                self.reasons.append(Reason(code=Code.BARN_EJ_BEKRAFTAT, text=text))
        if fk is None:
            if under_16 or older_students >= 2:
                self.unavailable(f"barnbidraget för {join([f'barn {n}' for n in under_16])}", "Försäkringskassan")
        else:
            self.barnbidrag(fk[1], month, under_16, older_students, a)
        if students:
            self.studiebidrag(students, a)

    def barnbidrag(self, total: int, month: str, under_16: list[int], older_students: int, a: Amounts) -> None:
        self.facts["barnbidrag"] = {"month": month, "registered": total, "children": len(under_16)}
        accepted = kids.accepted_totals(len(under_16), older_students, a.barnbidrag, a.tillagg)
        which = join([f"barn {n}" for n in under_16])
        if total in accepted:
            if under_16:
                self.checked.append(
                    f"Försäkringskassans barnbidrag {kr(total)} för {month_name(month)} stämmer med "
                    f"{len(under_16)} barn under 16 år ({which})."
                )
            return
        expected = kids.barnbidrag_total(len(under_16), a.barnbidrag, a.tillagg)
        if total == 0:
            text = (
                f"Försäkringskassan visar inget barnbidrag till hushållet för {month_name(month)}, fast ansökan "
                f"uppger {len(under_16)} barn under 16 år ({which}); väntat belopp {kr(expected)}."
            )
            self.reasons.append(Reason(code=Code.BARNBIDRAG_SAKNAS, text=text))
            return
        paid_for = kids.children_paid_for(total, a.barnbidrag, a.tillagg)
        matches = f", vilket motsvarar barnbidrag för {paid_for} barn" if paid_for is not None else ""
        declared = f"{len(under_16)} barn under 16 år ({which})" if under_16 else "inget barn under 16 år"
        text = (
            f"Försäkringskassan visar barnbidrag {kr(total)} för {month_name(month)}{matches}, men ansökan uppger "
            f"{declared}, som ger {kr(expected)} ({kr(a.barnbidrag)} per barn och flerbarnstillägg "
            f"{kr(expected - len(under_16) * a.barnbidrag)}); skillnaden är {kr(abs(total - expected))}."
        )
        self.reasons.append(Reason(code=Code.BARNBIDRAG_AVVIKER, text=text))

    def studiebidrag(self, students: list[int], a: Amounts) -> None:
        csn = self.paid("CSN", "studiemedel")
        which = join([f"barn {n}" for n in students])
        if csn is None:
            self.unavailable(f"studiehjälpen för {which}", "CSN")
            return
        month, total = csn
        least, most = len(students) * a.studiebidrag, len(students) * a.studiehjalp_most
        self.facts["studiebidrag"] = {"month": month, "registered": total, "children": len(students)}
        if least <= total <= most:
            self.checked.append(
                f"CSN:s studiehjälp {kr(total)} för {month_name(month)} räcker för {len(students)} skolungdomar "
                f"16–17 år ({which}); studiebidraget är {kr(a.studiebidrag)} per barn."
            )
            return
        if total < least:
            text = (
                f"CSN visar studiehjälp {kr(total)} för {month_name(month)}, men {which} går i skolan och är 16–17 år: "
                f"studiebidraget är {kr(a.studiebidrag)} per barn, {kr(least)} för {len(students)} barn (CSN betalar "
                "det september–juni)."
            )
        else:
            text = (
                f"CSN visar {kr(total)} för {month_name(month)}, mer än studiehjälpen för {which} kan vara (högst "
                f"{kr(most)}); beloppet kan inte hänföras till barnen (till exempel studiemedel till en vuxen)."
            )
        self.reasons.append(Reason(code=Code.STUDIEHJALP_SAKNAS, text=text))

    def barnomsorg(self, up_to: int) -> None:
        if not any(c.type.value == "barnomsorg" for c in self.ctx.application.costs):
            return
        if any(0 <= self.ctx.child_age(c) <= up_to for c in self.ctx.application.household.children):
            self.checked.append(f"Barnomsorg söks och hushållet har barn till och med {up_to} år.")
            return
        text = f"Ansökan tar upp en kostnad för barnomsorg, men hushållet har inget barn till och med {up_to} år."
        self.reasons.append(Reason(code=Code.BARNOMSORG_UTAN_BARN, text=text))
