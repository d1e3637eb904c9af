"""The decision record `beslut/1` (../shared/FORMATS.md section 4): one per human action on an application.

What the case system receives, so that nobody types the decision twice. It carries the
application's id, never a personnummer; `decided_by` is an account's user id. A decision taken in
error is corrected by a new record whose `supersedes` names the old one's `event_id`.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Decision = Literal["bifall", "delavslag", "avslag", "overlamnad"]
Basis = Literal["robotens_forslag", "manuell_handlaggning"]
WITH_AMOUNT = ("bifall", "delavslag")
WITH_MOTIVERING = ("delavslag", "avslag")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DecisionNorm(_Model):
    """The calculation behind `amount`, when the amount is the robot's: riksnorm + costs − incomes."""

    personal: int
    shared: int
    costs: int
    incomes: int
    total: int


class RobotPart(_Model):
    """What the robot had recommended or proposed, from its stored verdict."""

    verdict_id: str
    outcome: Literal["recommendation", "manual"]
    amount: int | None
    ruleset: str
    stickprov: bool


class Beslut(_Model):
    format: Literal["beslut/1"] = "beslut/1"
    event_id: str = Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    application_id: str
    period: str | None
    district: str | None
    decision: Decision
    amount: int | None
    norm: DecisionNorm | None
    decided_by: str
    decided_at: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
    basis: Basis
    robot: RobotPart | None
    motivering: str | None
    lagrum: list[str]
    supersedes: str | None
    reviewed_at: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
    """Optional: when the person who approved the robot's recommendation was shown its calculation and
    reasons (docs/formats.md). Absent in records that are not an approval, and in records written before it."""

    @model_validator(mode="after")
    def _consistent(self) -> Beslut:
        if self.decision in WITH_AMOUNT and (self.amount is None or self.amount <= 0):
            raise ValueError(f"{self.decision} needs a positive amount")
        if self.decision not in WITH_AMOUNT and self.amount is not None:
            raise ValueError(f"{self.decision} has no amount")
        if self.decision in WITH_MOTIVERING and not self.motivering:
            raise ValueError(f"{self.decision} needs a motivering")
        if self.basis == "robotens_forslag" and (
            self.decision != "bifall" or self.robot is None or self.robot.amount != self.amount
        ):
            raise ValueError("robotens_forslag is the robot's recommended bifall with its amount")
        if self.norm is not None and self.norm.total != self.amount:
            raise ValueError("norm is given only when it is the calculation behind amount")
        return self

    def to_json(self) -> str:
        """The record's text as stored and delivered: the same record is always the same bytes."""
        fields = self.model_dump(mode="json")
        if fields["reviewed_at"] is None:  # optional: left out, so records without it keep their bytes
            del fields["reviewed_at"]
        return json.dumps(fields, ensure_ascii=False, indent=2) + "\n"
