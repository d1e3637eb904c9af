"""Business registration: an adult Skatteverket has registered for business goes to a handläggare.

Skatteverket's `foretagsinformation` (SSBTEK v11, register/1 `business`) says whether a person is
approved for F-skatt, registered as an employer or registered for VAT. Income from self-employment
is not in the registers the income check reads and is a handläggare's assessment, so the robot
recommends nothing for such a household (NARINGSVERKSAMHET). Which registrations count is a rule
value (`registreringar`). Skatteverket unavailable: not evaluable (SSBTEK_EJ_TILLGANGLIG).
`business` absent means no registration is known (docs/formats.md).
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import TypeAdapter

from robot.chain.context import Context
from robot.chain.step import Step, StepResult
from robot.formats.reasons import Code
from robot.formats.register import Authority, BusinessRegistration
from robot.formats.verdict import Reason
from robot.swedish.words import join, role

Registration = Literal["f_skatt", "arbetsgivare", "moms"]

REGISTRATION_NAMES: dict[str, str] = {
    "f_skatt": "godkänd för F-skatt",
    "arbetsgivare": "registrerad som arbetsgivare",
    "moms": "registrerad för moms",
}


def registrations(business: BusinessRegistration) -> list[str]:
    """The person's registrations, by the rule's names."""
    found = {"f_skatt": business.f_skatt, "arbetsgivare": business.employer, "moms": business.vat}
    return [name for name, registered in found.items() if registered]


class Naringsverksamhet(Step):
    kind = "naringsverksamhet"
    PARAMETERS: ClassVar = {"registreringar": TypeAdapter(list[Registration])}
    REASONS = (Code.NARINGSVERKSAMHET, Code.SSBTEK_EJ_TILLGANGLIG)

    def authorities(self, day: dt.date) -> frozenset[Authority]:
        return frozenset({Authority.SKV})

    def evaluate(self, ctx: Context) -> StepResult:
        counted = self.value("registreringar", ctx.period_start)
        reasons: list[Reason] = []
        checked: list[str] = []
        for person, adult in ctx.application.adults():
            who = role(person)
            register = ctx.person(adult.personnummer)
            if Authority.SKV in register.unavailable:
                text = f"Uppgift om näringsverksamhet för {who} kunde inte hämtas från Skatteverket via SSBTEK."
                reasons.append(Reason(code=Code.SSBTEK_EJ_TILLGANGLIG, text=text))
                continue
            found = (
                [name for name in registrations(register.business) if name in counted.value]
                if register.business
                else []
            )
            if found:
                text = (
                    f"Enligt Skatteverket är {who} {join([REGISTRATION_NAMES[n] for n in found])}. "
                    "Inkomst av näringsverksamhet bedöms av en handläggare."
                )
                reasons.append(Reason(code=Code.NARINGSVERKSAMHET, text=text))
            else:
                checked.append(
                    f"Ingen registrering hos Skatteverket för näringsverksamhet är känd för {who} "
                    f"({join([REGISTRATION_NAMES[n] for n in counted.value]).replace(' och ', ' eller ')})."
                )
        motivering = " ".join(checked + [r.text for r in reasons])
        return StepResult.decide(reasons, motivering, [counted.cite()])
