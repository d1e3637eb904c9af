"""What one evaluation of the chain works on, and what each step gives back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import TypeAdapter

from robot.chain.parameters import ParameterGroup, ParamValue
from robot.formats import period as months
from robot.formats.application import Application
from robot.formats.register import Register
from robot.formats.verdict import Norm, Reason

if TYPE_CHECKING:
    from robot.chain.ruleset import Ruleset
    from robot.chain.stickprov import StickprovInput


@dataclass(frozen=True)
class CostLine:
    type: str
    amount: int
    within_schablon: bool


@dataclass(frozen=True)
class IncomeLine:
    person: str
    type: str
    amount: int
    basis: Literal["register", "uppgiven"]
    month: str


@dataclass
class Context:
    application: Application
    register: Register
    ruleset: Ruleset
    stickprov_input: StickprovInput
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


@dataclass
class StepResult:
    result: Literal["pass", "manual"]
    motivering: str
    reasons: list[Reason] = field(default_factory=list)
    parameters: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    evaluated: bool = True

    @classmethod
    def decide(
        cls,
        reasons: list[Reason],
        motivering: str,
        parameters: list[dict[str, Any]],
        facts: dict[str, Any] | None = None,
        evaluated: bool = True,
    ) -> StepResult:
        return cls(
            "manual" if reasons or not evaluated else "pass",
            motivering,
            reasons,
            parameters,
            facts or {},
            evaluated,
        )


class Step:
    """A step kind. Subclasses declare their parameters (name → schema of one value) and reason codes."""

    kind: ClassVar[str]
    PARAMETERS: ClassVar[dict[str, TypeAdapter[Any]]] = {}
    REASONS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, name: str, params: ParameterGroup):
        self.name = name
        self.params = params

    def value(self, name: str, day: dt.date) -> ParamValue:
        """The parameter's value in force on `day`; a missing value is a rules error, never a default."""
        found = self.params.parameter(name).at(day)
        if found is None:
            raise LookupError(f"{self.params.name}.{name} has no value in force on {day.isoformat()}")
        return found

    def evaluate(self, ctx: Context) -> StepResult:  # pragma: no cover - abstract
        raise NotImplementedError
