"""The record `forslag/1`: the robot's verdict on an application from a case system, for its outbox.

Written by the worker with the verdict, in the same transaction, only for an application that came
from a case system (ROBOT_CASESYSTEM): the case system then gets the recommendation or the reasons
for manual handling on its errand, exactly once in effect, through the same outbox as `beslut/1`.
It is not a decision: the record's `decision` column is `forslag` and its basis `robot`, so it never
counts as the decision in force (casework reads only `beslut/1` records).
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict

from robot.formats.verdict import Reason, Verdict

FORMAT = "forslag/1"
SOURCE_PREFIX = "caremanagement:"
"""The `source` of an application that came from the case system (`caremanagement:<errandId>`): its
verdicts get a record."""
DECISION = "forslag"
BASIS = "robot"


class Forslag(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["forslag/1"] = "forslag/1"
    event_id: str
    application_id: str
    period: str | None
    outcome: Literal["recommendation", "manual"]
    amount: int | None
    """A recommendation's amount; for manual the robot's proposal to the handläggare, or null."""
    reasons: list[Reason]
    motivering: list[str]
    """Each rule's Swedish motivering, in order (`rule: text`)."""
    lagrum: list[str]
    ruleset: str | None
    decided_at: str

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


def from_verdict(verdict: Verdict, event_id: str, decided_at: str) -> Forslag:
    lagrum = list(dict.fromkeys(law for step in verdict.steps for law in step.lagrum))
    return Forslag(
        event_id=event_id, application_id=verdict.application_id, period=verdict.period, outcome=verdict.outcome,
        amount=verdict.amount, reasons=verdict.reasons, motivering=[f"{s.rule}: {s.motivering}" for s in verdict.steps],
        lagrum=lagrum, ruleset=verdict.ruleset, decided_at=decided_at,
    )  # fmt: skip


def without_verdict(application_id: str, period: str | None, reason: Reason, lagrum: list[str], event_id: str,
                    decided_at: str) -> Forslag:  # fmt: skip
    """The robot could not assess the application (a technical failure): manual, with that reason."""
    return Forslag(event_id=event_id, application_id=application_id, period=period, outcome="manual", amount=None,
                   reasons=[reason], motivering=[], lagrum=lagrum, ruleset=None, decided_at=decided_at)  # fmt: skip
