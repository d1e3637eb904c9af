"""The verdict: what the robot produces for one application (../shared/FORMATS.md section 3).

`outcome` is `recommendation` (bifall with `amount`) or `manual` (`reasons` non-empty; `amount` is
the robot's proposal for the handläggare, or null). The robot never rejects.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

_set = object.__setattr__


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reason(_Model):
    code: str
    text: str


class StepEntry(_Model):
    rule: str
    result: Literal["pass", "manual"]
    evaluated: bool = True
    motivering: str
    reasons: list[str] = []
    lagrum: list[str] = []
    """The provisions the rule applies (law and paragraph), for the period's date."""
    parameters: list[dict[str, Any]] = []
    facts: dict[str, Any] = {}

    @classmethod
    def checked(
        cls,
        rule: str,
        result: Literal["pass", "manual"],
        evaluated: bool,
        motivering: str,
        reasons: list[str],
        lagrum: list[str],
        parameters: list[dict[str, Any]],
        facts: dict[str, Any],
    ) -> StepEntry:
        """An entry from parts the chain built from validated inputs and rules, without validating
        them again: what `model_construct` does, without its per-field loop over aliases and defaults
        (validating nine entries was a tenth of the chain's CPU). The lists and dicts are copied as
        validation would copy them (a parameter's citation is shared by every verdict citing it).
        tests/test_chain_cpu.py holds every verdict equal to its validated form."""
        entry = cls.__new__(cls)
        values = {
            "rule": rule,
            "result": result,
            "evaluated": evaluated,
            "motivering": motivering,
            "reasons": reasons,
            "lagrum": lagrum,
            "parameters": [dict(p) for p in parameters],
            "facts": dict(facts),
        }
        _set(entry, "__dict__", values)
        _set(entry, "__pydantic_fields_set__", set(values))
        _set(entry, "__pydantic_extra__", None)
        _set(entry, "__pydantic_private__", None)
        return entry


class NormLine(_Model):
    group: Literal["personal", "shared", "costs", "incomes"]
    text: str
    amount: int


class Norm(_Model):
    personal: int
    shared: int
    costs: int
    incomes: int
    total: int
    lines: list[NormLine] = []

    @model_validator(mode="after")
    def _adds_up(self) -> Norm:
        if self.total != self.personal + self.shared + self.costs - self.incomes:
            raise ValueError("norm.total must equal personal + shared + costs − incomes")
        return self


class Verdict(_Model):
    format: Literal["verdict/1"] = "verdict/1"
    application_id: str
    period: str | None
    outcome: Literal["recommendation", "manual"]
    amount: int | None
    stickprov: bool
    reasons: list[Reason]
    norm: Norm | None
    steps: list[StepEntry]
    ruleset: str

    @model_validator(mode="after")
    def _never_rejects(self) -> Verdict:
        if self.outcome == "recommendation":
            if self.reasons or self.stickprov:
                raise ValueError("a recommendation has no reasons and is not a stickprov")
            if self.norm is None or self.amount is None or self.amount <= 0 or self.amount != self.norm.total:
                raise ValueError("a recommendation's amount is positive and equals norm.total")
        elif not self.reasons:
            raise ValueError("a manual verdict always has a reason")
        if self.amount is not None and self.amount <= 0:
            raise ValueError("the robot never proposes a zero or negative amount")
        return self

    def reason_codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def to_json(self, indent: int | None = 2) -> str:
        """Canonical text: the same verdict is always the same bytes (compact when `indent` is None)."""
        if indent is None:
            return self.model_dump_json()
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=indent)
