"""What-if for a rule change: re-run stored applications under another rules folder and compare.

Each application is evaluated from exactly what its latest verdict recorded (the application as
received, the register snapshot, the stickprov draws and rate override), under the new ruleset.
A stickprov draw the recording lacks (a new per-cost-type rate) is computed with the key, so new
selections show. Read-only: nothing is written to the database.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from robot.chain.engine import evaluate
from robot.chain.inputs import read_recorded
from robot.chain.ruleset import Ruleset
from robot.formats.application import NotAnApplication, parse_application
from robot.queue.month import applications_in, latest_verdicts


@dataclass(frozen=True)
class Case:
    """One application's stored verdict and its verdict under the new rules."""

    application_id: str
    before_outcome: str
    after_outcome: str
    before_amount: int | None
    after_amount: int | None
    before_reasons: tuple[str, ...]
    after_reasons: tuple[str, ...]

    @property
    def outcome_changed(self) -> bool:
        return self.before_outcome != self.after_outcome

    @property
    def amount_changed(self) -> bool:
        return self.before_amount != self.after_amount

    @property
    def reasons_gained(self) -> tuple[str, ...]:
        return tuple(c for c in self.after_reasons if c not in self.before_reasons)

    @property
    def reasons_lost(self) -> tuple[str, ...]:
        return tuple(c for c in self.before_reasons if c not in self.after_reasons)

    @property
    def changed(self) -> bool:
        return self.outcome_changed or self.amount_changed or bool(self.reasons_gained or self.reasons_lost)

    def to_dict(self) -> dict[str, Any]:
        return {
            "application_id": self.application_id,
            "outcome": {"before": self.before_outcome, "after": self.after_outcome},
            "amount": {"before": self.before_amount, "after": self.after_amount},
            "reasons": {"before": list(self.before_reasons), "after": list(self.after_reasons)},
            "reasons_gained": list(self.reasons_gained),
            "reasons_lost": list(self.reasons_lost),
        }


@dataclass
class Simulation:
    month: str | None
    ruleset: str
    """The new ruleset's identifier."""
    applications: int = 0
    """Applications in scope (the month, or all)."""
    compared: int = 0
    without_verdict: int = 0
    """Skipped: no verdict yet (waiting) or a technical failure."""
    unreadable: int = 0
    """Skipped: the stored document or recorded inputs could not be read back."""
    baseline: Counter[str] = field(default_factory=Counter)
    """The rulesets the stored verdicts ran under (label → verdicts)."""
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(before, after) → applications, for changed outcomes only."""
    amounts_up: int = 0
    amounts_down: int = 0
    amount_change: int = 0
    """Total change in kr over applications with an amount before and after."""
    amounts_gained: int = 0
    """Applications with no amount before and one now (e.g. a proposal where none could be made)."""
    amounts_lost: int = 0
    recommended_before: int = 0
    """Sum of recommended amounts (bifall) before and after, over the compared applications."""
    recommended_after: int = 0
    reasons_gained: Counter[str] = field(default_factory=Counter)
    reasons_lost: Counter[str] = field(default_factory=Counter)
    changed: int = 0
    cases: list[Case] = field(default_factory=list)
    """Every changed case (outcome changes first, then by application id)."""

    @property
    def outcome_changes(self) -> int:
        return sum(self.outcomes.values())

    @property
    def amount_changes(self) -> int:
        return self.amounts_up + self.amounts_down + self.amounts_gained + self.amounts_lost

    def add(self, case: Case) -> None:
        self.compared += 1
        if case.outcome_changed:
            self.outcomes[(case.before_outcome, case.after_outcome)] += 1
        before, after = case.before_amount, case.after_amount
        if before is not None and after is not None:
            self.amounts_up += after > before
            self.amounts_down += after < before
            self.amount_change += after - before
        else:
            self.amounts_gained += before is None and after is not None
            self.amounts_lost += before is not None and after is None
        if case.before_outcome == "recommendation":
            self.recommended_before += before or 0
        if case.after_outcome == "recommendation":
            self.recommended_after += after or 0
        self.reasons_gained.update(case.reasons_gained)
        self.reasons_lost.update(case.reasons_lost)
        if case.changed:
            self.changed += 1
            self.cases.append(case)

    def sample(self, n: int) -> list[Case]:
        return sorted(self.cases, key=lambda c: (not c.outcome_changed, not c.amount_changed, c.application_id))[:n]

    def to_dict(self, sample: int) -> dict[str, Any]:
        return {
            "month": self.month,
            "ruleset": self.ruleset,
            "baseline_rulesets": dict(sorted(self.baseline.items())),
            "applications": self.applications,
            "compared": self.compared,
            "skipped": {"without_verdict": self.without_verdict, "unreadable": self.unreadable},
            "changed": self.changed,
            "outcomes": {
                "changed": self.outcome_changes,
                "recommendation_to_manual": self.outcomes[("recommendation", "manual")],
                "manual_to_recommendation": self.outcomes[("manual", "recommendation")],
            },
            "amounts": {
                "changed": self.amount_changes,
                "up": self.amounts_up,
                "down": self.amounts_down,
                "total_change_kr": self.amount_change,
                "gained": self.amounts_gained,
                "lost": self.amounts_lost,
                "recommended_total_before_kr": self.recommended_before,
                "recommended_total_after_kr": self.recommended_after,
            },
            "reasons": {
                code: {"gained": self.reasons_gained[code], "lost": self.reasons_lost[code]}
                for code in sorted(set(self.reasons_gained) | set(self.reasons_lost))
            },
            "sample": [c.to_dict() for c in self.sample(sample)],
        }


def simulate(engine: Engine, ruleset: Ruleset, key: bytes, month: str | None = None) -> Simulation:
    """Re-run the latest verdict of every application (of `month`, or all) under `ruleset`."""
    result = Simulation(month=month, ruleset=ruleset.identifier, applications=applications_in(engine, month))
    for row in latest_verdicts(engine, month):
        result.baseline[row.ruleset] += 1
        try:
            recorded = read_recorded(json.loads(row.inputs_json), key, draw_missing=True)
            parsed = parse_application(row.raw)
        except (NotAnApplication, KeyError, TypeError, ValueError):
            result.unreadable += 1
            continue
        after = evaluate(
            parsed, recorded.register, ruleset, recorded.stickprov, circumstances=recorded.circumstances
        ).verdict
        result.add(
            Case(
                application_id=row.application_id,
                before_outcome=row.outcome,
                after_outcome=after.outcome,
                before_amount=row.amount,
                after_amount=after.amount,
                before_reasons=tuple(c for c in (row.reason_codes or "").split(",") if c),
                after_reasons=tuple(dict.fromkeys(after.reason_codes())),
            )
        )
    result.without_verdict = result.applications - sum(result.baseline.values())
    return result
