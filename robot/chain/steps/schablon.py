"""Schablon ranges: each applied cost lies within the range for its type, household size and month."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from robot.chain.bands import household_text, in_band, month_set, parse_band
from robot.chain.context import Context, CostLine
from robot.chain.errors import RulesError
from robot.chain.parameters import Parameter, ParameterGroup, ParamValue
from robot.chain.step import Step, StepResult, validate
from robot.formats.application import CostType
from robot.formats.reasons import Code
from robot.formats.verdict import Reason
from robot.swedish.dates import MONTH_NAMES
from robot.swedish.numbers import kr
from robot.swedish.words import COST_NAMES, agreeing, capitalized, join, persons

ALL_MONTHS = frozenset(range(1, 13))


class RangeSpec(BaseModel):
    """One schablon range as written in rules/schablon.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    hushall: str
    manader: str | None = None
    min: Annotated[int, Field(ge=0)]
    max: Annotated[int, Field(ge=0)]

    @model_validator(mode="after")
    def _ordered(self) -> RangeSpec:
        parse_band(self.hushall, "schablon", "hushall")
        if self.manader is not None:
            month_set(self.manader, "schablon", "manader")
        if self.max < self.min:
            raise ValueError(f"max {self.max} is below min {self.min}")
        return self


@dataclass(frozen=True)
class Range:
    size_lo: int
    size_hi: int | None
    months: frozenset[int]
    min: int
    max: int
    spec: RangeSpec

    @classmethod
    def of(cls, spec: RangeSpec) -> Range:
        lo, hi = parse_band(spec.hushall, "schablon", "hushall")
        months = month_set(spec.manader, "schablon", "manader") if spec.manader else ALL_MONTHS
        return cls(lo, hi, months, spec.min, spec.max, spec)

    def covers(self, size: int, month: int) -> bool:
        return in_band(size, self.size_lo, self.size_hi) and month in self.months

    def cited(self) -> dict[str, Any]:
        """The range as a verdict cites it: a copy, as a verdict's reader may change what it holds."""
        return dict(self._cited)

    @cached_property
    def _cited(self) -> dict[str, Any]:
        return self.spec.model_dump(exclude_none=True)

    def describe(self) -> str:
        return self._description

    @cached_property
    def _description(self) -> str:
        low = kr(self.min).removesuffix(" kr")
        text = f"{low}–{kr(self.max)} för {household_text(self.size_lo, self.size_hi)}"
        if self.months != ALL_MONTHS:
            text += f", {season(self.months)}"
        return text


def season(months: frozenset[int]) -> str:
    ordered = sorted(months)
    # A season that wraps the new year (11-3) starts at its first month after a gap.
    start = next((m for m in ordered if (m - 2) % 12 + 1 not in months), ordered[0])
    end = next((m for m in ordered if m % 12 + 1 not in months), ordered[-1])
    return f"{MONTH_NAMES[start - 1]}–{MONTH_NAMES[end - 1]}"


RANGES = TypeAdapter(list[RangeSpec])


class Schablon(Step):
    kind = "schablon"
    PARAMETERS: ClassVar = {"alltid_manuell": TypeAdapter(list[CostType])}
    RANGE_PARAMETERS = "intervall"
    REASONS = (
        Code.KOSTNAD_ALLTID_MANUELL,
        Code.KOSTNAD_OVER_SCHABLON,
        Code.KOSTNAD_UNDER_SCHABLON,
        Code.SCHABLON_SAKNAS,
    )

    @classmethod
    def extra_groups(cls) -> set[str]:
        return {cls.RANGE_PARAMETERS}

    @classmethod
    def check_parameters(cls, group: ParameterGroup, where: str) -> None:
        """The declared parameters, and `intervall`: one parameter of ranges per cost type of ansokan/1."""
        super().check_parameters(group, where)
        ranges = group.children.get(cls.RANGE_PARAMETERS)
        if not isinstance(ranges, ParameterGroup):
            raise RulesError(where, "schablon behöver `intervall`, en parameter per kostnadstyp")
        for cost_type, param in ranges.children.items():
            if cost_type not in CostType.__members__:
                raise RulesError(where, f"intervall.{cost_type}: ingen kostnadstyp i ansokan/1")
            if not isinstance(param, Parameter):
                raise RulesError(where, f"intervall.{cost_type}: förväntade en parameter med values")
            for v in param.values:
                validate(RANGES, v.value, where, f"{param.name} {v.valid_from}")

    def __init__(self, name: str, params: ParameterGroup):
        super().__init__(name, params)
        # Parsed once: the ranges of each cost type, per valid-from date.
        self.versions: dict[str, list[tuple[ParamValue, list[Range]]]] = {}
        group = params.children.get(self.RANGE_PARAMETERS)
        if group is not None:
            for param in group.walk():
                cost_type = param.name.rsplit(".", 1)[-1]
                self.versions[cost_type] = [
                    (v, [Range.of(s) for s in RANGES.validate_python(v.value)]) for v in param.values
                ]

    def ranges(self, cost_type: str, ctx: Context) -> tuple[list[Range], ParamValue] | None:
        """The ranges in force for the period, or None where the rules have none."""
        current = None
        for value, ranges in self.versions.get(cost_type, []):
            if value.valid_from <= ctx.period_start:
                current = (ranges, value)
        return current

    def evaluate(self, ctx: Context) -> StepResult:
        app = ctx.application
        size = app.household_size()
        month = ctx.period_start.month
        always = self.value("alltid_manuell", ctx.period_start)
        always_manual = set(always.value)
        params: list[dict[str, Any]] = [always.cite()]
        totals: dict[str, int] = {}
        for cost in app.costs:
            totals[cost.type.value] = totals.get(cost.type.value, 0) + cost.amount

        reasons: list[Reason] = []
        within: list[str] = []
        lines: list[CostLine] = []
        facts: list[dict[str, Any]] = []
        for cost_type, amount in totals.items():
            name = COST_NAMES[cost_type]
            fact: dict[str, Any] = {"type": cost_type, "amount": amount}
            facts.append(fact)
            if cost_type in always_manual:
                fact["status"] = "always_manual"
                reasons.append(
                    Reason(
                        code=Code.KOSTNAD_ALLTID_MANUELL,
                        text=f"{capitalized(agreeing('ansökt', name))} {name} {kr(amount)} prövas alltid av en handläggare.",
                    )
                )
                lines.append(CostLine(cost_type, amount, False))
                continue
            found = self.ranges(cost_type, ctx)
            match = next((r for r in found[0] if r.covers(size, month)), None) if found else None
            if match is None:
                fact["status"] = "no_range"
                reasons.append(
                    Reason(
                        code=Code.SCHABLON_SAKNAS,
                        text=f"Det finns inget schablonintervall för {name} för {persons(size)} i {MONTH_NAMES[month - 1]}.",
                    )
                )
                lines.append(CostLine(cost_type, amount, False))
                continue
            assert found is not None
            params.append(found[1].cite(match.cited()))
            fact.update(min=match.min, max=match.max)
            if amount > match.max:
                fact.update(status="over", outside_by=amount - match.max)
                reasons.append(
                    Reason(
                        code=Code.KOSTNAD_OVER_SCHABLON,
                        text=f"{capitalized(agreeing('ansökt', name))} {name} {kr(amount)} är {kr(amount - match.max)} över schablonintervallet {match.describe()}.",
                    )
                )
            elif amount < match.min:
                fact.update(status="under", outside_by=match.min - amount)
                reasons.append(
                    Reason(
                        code=Code.KOSTNAD_UNDER_SCHABLON,
                        text=f"{capitalized(agreeing('ansökt', name))} {name} {kr(amount)} är {kr(match.min - amount)} under schablonintervallet {match.describe()}.",
                    )
                )
            else:
                fact["status"] = "within"
                within.append(f"{name} {kr(amount)} (intervall {match.describe()})")
            lines.append(CostLine(cost_type, amount, fact["status"] == "within"))
        ctx.cost_lines = lines

        parts = []
        if not totals:
            parts.append("Inga kostnader har sökts utöver riksnormen.")
        if within:
            parts.append(f"Inom schablon: {join(within)}.")
        parts += [r.text for r in reasons]
        if len(totals) < len(app.costs):
            parts.append("Kostnader av samma typ har lagts samman.")
        return StepResult.decide(reasons, " ".join(parts), params, {"costs": facts})
