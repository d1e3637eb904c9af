"""The register source the worker uses in production: SSBTEK, the employer declarations and the
activity providers, asked concurrently and merged into one register/1 answer.

- SSBTEK (`ssbtek.client.SoapRegisterSource`) gives AF, CSN, FK (with Pensionsmyndigheten), the
  a-kassor and, in v11, Skatteverket's parts: the employer declarations (`individuppgifter`: SKV
  `lon`, gross with tax withheld) and the business registrations. It says per authority whether it
  could answer.
- The separate employer-declaration source (`agi.client.AgiSource`, ROBOT_AGI_URL) is optional: when
  it is configured, its monthly pay replaces SSBTEK's (a provider that delivers them apart, or one
  still on v10, whose Skatteverket part has no monthly pay). When Skatteverket's pay is needed and
  no source carries it (v10 without ROBOT_AGI_URL), or the source cannot answer for a person, or
  SSBTEK's Skatteverket part failed, SKV is unavailable for that person: a salary nobody could check
  never reads as no salary.
- The activity providers (`activity.ActivitySource`) give `activity`; without a source it is None
  (no provider reports).

If any part cannot answer at all it raises `RegisterUnavailable`, and the whole fetch does: the
queue tries again later, as for SSBTEK alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from robot import logs
from robot.adapters.activity import ActivitySource
from robot.adapters.register_source import RegisterRequest, RegisterSource
from robot.adapters.ssbtek.response import income_order
from robot.formats.register import Authority, ProviderAttendance, Register, RegisterIncome, RegisterPerson

if TYPE_CHECKING:  # AGI's client is loaded only with ROBOT_AGI_URL (adapters/sources.py)
    from robot.adapters.agi.client import AgiSource, PayRecords

log = logs.get("robot.register")


class ComposedRegisterSource:
    def __init__(
        self,
        ssbtek: RegisterSource,
        pay: AgiSource | None = None,
        activity: ActivitySource | None = None,
        *,
        always_asked: frozenset[Authority] = frozenset(),
    ):
        self.ssbtek, self.pay, self.activity = ssbtek, pay, activity
        self.always_asked = always_asked
        self.name = "+".join(s.name for s in (ssbtek, pay, activity) if s is not None)
        self.ssbtek_pay = bool(getattr(ssbtek, "carries_pay", False))
        """SSBTEK's own answer carries Skatteverket's monthly pay (v11)."""
        self._activity_at_once: Callable[[RegisterRequest], Mapping[str, list[ProviderAttendance] | None]] | None = (
            activity.answer if activity is not None and getattr(activity, "answers_at_once", False) else None  # type: ignore[attr-defined]
        )
        """An activity source that never waits (a file loaded once) is asked in place, without a task."""
        if pay is None and not self.ssbtek_pay and Authority.SKV in always_asked:
            log.warning(
                "register.no_pay_source",
                effect="SKV unavailable for everyone asked; use SSBTEK v11 or set ROBOT_AGI_URL",
            )

    async def fetch(self, request: RegisterRequest) -> Register:
        wants_pay = Authority.SKV in (self.always_asked | request.authorities)
        asks_pay = wants_pay and self.pay is not None
        at_once = self._activity_at_once
        parts: list[Awaitable[Any]] = [self.ssbtek.fetch(request)]
        if asks_pay:
            parts.append(self.pay.fetch(request))  # type: ignore[union-attr]
        if self.activity is not None and at_once is None:
            parts.append(self.activity.fetch(request))
        # One source that may wait needs no task of its own; one that answers at once is asked after it.
        answers = [await parts[0]] if len(parts) == 1 else await _all_or_nothing(parts)
        register: Register = answers[0]
        pay: Mapping[str, PayRecords] | None = answers[1] if asks_pay else None
        activity: Mapping[str, list[ProviderAttendance] | None]
        if at_once is not None:
            activity = at_once(request)
        else:
            activity = answers[-1] if self.activity is not None else {}
        pay_from_ssbtek = wants_pay and pay is None and self.ssbtek_pay
        persons = {
            pnr: _merge(
                register.person(pnr),
                wants_pay and not pay_from_ssbtek,
                pay.get(pnr) if pay is not None else None,
                activity.get(pnr),
            )
            for pnr in dict.fromkeys(request.persons)
        }
        return Register(format="register/1", persons=persons)

    async def aclose(self) -> None:
        for source in (self.ssbtek, self.pay, self.activity):
            if source is not None:
                await source.aclose()


def _merge(
    person: RegisterPerson,
    pay_from_second_source: bool,
    pay: PayRecords | None,
    activity: list[ProviderAttendance] | None,
) -> RegisterPerson:
    """SSBTEK's person with the activity; with `pay_from_second_source`, SKV `lon` from `pay` instead of SSBTEK's."""
    incomes: list[RegisterIncome] = person.incomes
    unavailable = set(person.unavailable)
    if pay_from_second_source:
        incomes = [i for i in incomes if i.source != "SKV"]
        if pay is None or not pay.available or Authority.SKV in unavailable:
            unavailable.add(Authority.SKV)
        else:
            incomes.extend(pay.incomes)
    return RegisterPerson(
        af=person.af,
        incomes=sorted(incomes, key=income_order),
        unavailable=sorted(unavailable),  # Authority is a StrEnum: by value
        activity=activity,
        business=person.business,
    )


async def _all_or_nothing(parts: list[Awaitable[Any]]) -> list[Any]:
    """Every part's answer; if one raises, the others are cancelled and the error propagates."""
    tasks = [asyncio.ensure_future(part) for part in parts]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
