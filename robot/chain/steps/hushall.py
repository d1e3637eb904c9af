"""Who the household is: facts about its members the robot may not settle alone.

- An 18–20-year-old counts as a child of the household only while in gymnasieskola or equivalent
  (the parents' duty of support, FB 7 kap. 1 §); otherwise an adult with their own case. Not stated:
  unknown.
- A child living växelvis: the riksnorm is shared by the days the child lives here.
- An adult at the riktålder för pension (SFB 74 kap. 7 §, 2 kap. 10 a §): äldreförsörjningsstöd is tried first.
- Declared savings above the buffer, or other assets of value: the household may be able to meet its
  needs another way.
- A gap since the last month with support: not a plain renewal.
Each goes to a handläggare with its own reason.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import TypeAdapter, conint

from robot.chain.context import Context
from robot.chain.step import Step, StepResult
from robot.formats import period as months
from robot.formats.period import age_on
from robot.formats.personnummer import birth_date
from robot.formats.reasons import Code
from robot.formats.verdict import Reason
from robot.swedish.dates import month_name
from robot.swedish.numbers import kr
from robot.swedish.words import capitalized, role


class Hushall(Step):
    kind = "hushall"
    PARAMETERS: ClassVar = {
        "ung_vuxen_fran_alder": TypeAdapter(conint(ge=16, le=21)),
        "pensionsalder": TypeAdapter(conint(ge=60, le=75)),
        "sparbuffert_kr": TypeAdapter(conint(ge=0)),
    }
    REASONS = (
        Code.UNG_VUXEN_SKOLGANG_OKAND,
        Code.UNG_VUXEN_EJ_SKOLGANG,
        Code.VAXELVIS_BOENDE,
        Code.PENSIONSALDER,
        Code.TILLGANGAR,
        Code.UPPEHALL_I_BISTAND,
    )

    def evaluate(self, ctx: Context) -> StepResult:
        day = ctx.period_start
        adult_from = self.value("ung_vuxen_fran_alder", day)
        pension = self.value("pensionsalder", day)
        buffer = self.value("sparbuffert_kr", day)
        reasons: list[Reason] = []
        checked: list[str] = []
        h = ctx.application.household

        for i, child in enumerate(h.children):
            age = ctx.child_age(child)
            who = f"Barn {i + 1} ({age} år)"
            if age >= adult_from.value and child.in_school is None:
                text = f"{who} räknas som barn i hushållet bara under skolgång, men ansökan anger inte om hen går i skolan."
                reasons.append(Reason(code=Code.UNG_VUXEN_SKOLGANG_OKAND, text=text))
            elif age >= adult_from.value and not child.in_school:
                text = f"{who} går inte i skolan och räknas därför som vuxen med ett eget ärende, inte som barn i hushållet."
                reasons.append(Reason(code=Code.UNG_VUXEN_EJ_SKOLGANG, text=text))
            if child.lives_here == "vaxelvis":
                text = f"{who} bor växelvis; riksnormen för barnet fördelas efter de dagar barnet bor i hushållet."
                reasons.append(Reason(code=Code.VAXELVIS_BOENDE, text=text))
        young = {Code.UNG_VUXEN_SKOLGANG_OKAND, Code.UNG_VUXEN_EJ_SKOLGANG}
        if any(ctx.child_age(c) >= adult_from.value for c in h.children) and not {r.code for r in reasons} & young:
            checked.append(f"Barn från {adult_from.value} år går i skolan och räknas som barn i hushållet.")

        for person, adult in ctx.application.adults():
            age = age_on(birth_date(adult.personnummer), day)
            if age >= pension.value:
                text = (
                    f"{capitalized(role(person))} är {age} år, vilket är riktåldern för pension ({pension.value} år) eller "
                    "mer; "
                    "äldreförsörjningsstöd från Pensionsmyndigheten prövas före ekonomiskt bistånd."
                )
                reasons.append(Reason(code=Code.PENSIONSALDER, text=text))
        if not any(r.code == Code.PENSIONSALDER for r in reasons):
            checked.append(f"Ingen vuxen har uppnått riktåldern för pension ({pension.value} år).")

        assets = h.assets
        if assets is not None and (assets.bank > buffer.value or assets.other):
            found = [f"sparande {kr(assets.bank)} (bufferten är {kr(buffer.value)})"] if assets.bank > buffer.value else []
            found += ["andra tillgångar av värde (till exempel fordon, fastighet eller aktier)"] if assets.other else []
            text = f"Hushållet har uppgett {' och '.join(found)}; tillgångar kan behöva användas före bistånd."
            reasons.append(Reason(code=Code.TILLGANGAR, text=text))
        elif assets is not None:
            checked.append(f"Uppgivet sparande {kr(assets.bank)} ligger inom bufferten {kr(buffer.value)}.")

        gap = self._gap(ctx)
        if gap:
            reasons.append(Reason(code=Code.UPPEHALL_I_BISTAND, text=gap))
        elif ctx.application.kind == "ateransokan":
            checked.append(f"Försörjningsstöd utan uppehåll fram till {month_name(ctx.control_month)}.")

        motivering = " ".join(checked + [r.text for r in reasons])
        return StepResult.decide(reasons, motivering, [adult_from.cite(), pension.cite(), buffer.cite()])

    @staticmethod
    def _gap(ctx: Context) -> str:
        history = ctx.application.history
        if ctx.application.kind == "nyansokan":
            return ""  # a new application has no support to continue; intag sends it to a handläggare
        if history.consecutive_months_with_support == 0:
            return "Hushållet hade inte försörjningsstöd månaden före perioden; det är ingen löpande återansökan."
        last = history.last_support_month
        if last is not None and last < ctx.control_month:
            return (
                f"Senaste månaden med försörjningsstöd var {month_name(last)}, inte {month_name(ctx.control_month)}; "
                f"uppehållet från {month_name(months.shift(last, 1))} prövas av en handläggare."
            )
        return ""
