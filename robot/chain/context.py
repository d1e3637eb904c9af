"""What one evaluation of the chain works on: the application, the register, what the steps read
from the rules besides their own parameters (the riksnorm tables), the recorded circumstances, and
what earlier steps established for later ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from robot.chain.inputs import Circumstances
from robot.chain.riksnorm import RiksnormTable
from robot.chain.stickprov import StickprovInput
from robot.formats import period as months
from robot.formats.application import Application, Child
from robot.formats.period import age_on
from robot.formats.register import Register, RegisterIncome, RegisterPerson
from robot.formats.verdict import Norm


@dataclass(frozen=True)
class CostLine:
    type: str
    amount: int
    within_schablon: bool


@dataclass(frozen=True)
class IncomeLine:
    """One line of the incomes that reduce support. `kind` says what it is:

    - "inkomst": an income, as registered (net) or as declared;
    - "jobbstimulans": the part of a person's net work income not counted (a negative amount);
    - "barns_arbetsinkomst": the part of a child's own work income not counted (a negative amount).
    """

    person: str
    type: str
    amount: int
    basis: Literal["register", "uppgiven", "regel"]
    month: str
    kind: Literal["inkomst", "jobbstimulans", "barns_arbetsinkomst"] = "inkomst"


@dataclass
class Context:
    application: Application
    register: Register
    riksnorm: Mapping[int, RiksnormTable]
    stickprov_input: StickprovInput
    circumstances: Circumstances
    # Established by the steps as they run:
    stickprov_selected: bool = False
    stickprov_draws: dict[str, float] = field(default_factory=dict)
    cost_lines: list[CostLine] | None = None
    income_lines: list[IncomeLine] | None = None
    norm: Norm | None = None
    # Derived once from the period:
    period: str = field(init=False)
    period_start: dt.date = field(init=False)
    control_month: str = field(init=False)
    """M−1: the month before the period, whose activities and incomes are checked."""
    gap_month: str = field(init=False)
    """M−2: where register gaps for the control month are filled from."""

    def __post_init__(self) -> None:
        self.period = self.application.period
        self.period_start = months.first_day(self.period)
        self.control_month = months.shift(self.period, -1)
        self.gap_month = months.shift(self.period, -2)

    def person(self, pnr: str) -> RegisterPerson:
        return self.register.person(pnr)

    def registered(self, pnr: str, *month_list: str) -> list[RegisterIncome]:
        """The person's registered incomes in the given months (all months when none are given)."""
        incomes = self.register.person(pnr).incomes
        return [i for i in incomes if not month_list or i.month in month_list]

    def child_age(self, child: Child) -> int:
        """Completed years on the period's first day (as the riksnorm counts)."""
        return age_on(child.birth_date, self.period_start)
