"""One month as plain records: applications with their latest verdict, manual item, recommendation
and retry count, from what `queue.month` reads, streamed a page at a time (the figures are counted
in one pass, `tally.py`). Read-only; nothing personal is read beyond what the figures need (no raw
applications, no notes, no names of handläggare).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from robot.chain.errors import RulesError
from robot.chain.ruleset import ruleset_from_files
from robot.formats.reasons import Code
from robot.queue.month import month_pages, month_rulesets, without_period

TECHNICAL_FAILURE = Code.TEKNISKT_FEL.value


@dataclass(frozen=True)
class CostFact:
    """One applied cost type as the schablon step saw it (facts["costs"] of its step entry)."""

    type: str
    amount: int
    status: str
    """within, over, under, always_manual or no_range."""
    outside_by: int | None


@dataclass(frozen=True)
class VerdictRecord:
    ruleset: str
    """The verdict's ruleset label (identifier, plus a stickprov rate override when one applied)."""
    ruleset_identifier: str
    outcome: str
    amount: int | None
    stickprov: bool
    reason_codes: tuple[str, ...]
    duration_ms: int
    costs: tuple[CostFact, ...]


@dataclass(frozen=True)
class ManualRecord:
    reason_codes: tuple[str, ...]
    has_verdict: bool
    stickprov: bool
    status: str
    resolution: str | None
    resolution_amount: int | None
    proposal_amount: int | None
    stickprov_correct: bool | None

    @property
    def technical_failure(self) -> bool:
        """A technical failure after all attempts: a manual item with TEKNISKT_FEL and no verdict."""
        return not self.has_verdict and TECHNICAL_FAILURE in self.reason_codes


@dataclass(frozen=True)
class RecommendationRecord:
    amount: int
    status: str


@dataclass(frozen=True)
class ApplicationRecord:
    application_id: str
    channel: str | None
    district: str | None
    state: str
    waits: int
    """Times the application waited for SSBTEK (these retries do not use up attempts)."""
    retries: int
    """Times processing ended in RETRY_WAIT (SSBTEK waits and technical retries together)."""
    last_error: str | None
    verdict: VerdictRecord | None
    manual: ManualRecord | None
    recommendation: RecommendationRecord | None

    @property
    def outcome(self) -> str:
        """recommendation or manual (the robot's verdict), technical_failure, or waiting (no result yet)."""
        if self.verdict is not None:
            return self.verdict.outcome
        if self.manual is not None and self.manual.technical_failure:
            return "technical_failure"
        return "waiting"


@dataclass(frozen=True)
class RulesetRecord:
    identifier: str
    version: str
    reasons: dict[str, str]
    """The ruleset's reason catalogue (code → title), read from its stored files."""


@dataclass(frozen=True)
class MonthData:
    month: str
    applications: Iterable[ApplicationRecord]
    """Read once, in application_id order (from the database: as they stream)."""
    rulesets: dict[str, RulesetRecord]
    without_period: int
    """Applications stored without a valid period (all months): no monthly report includes them."""


def load_month(engine: Engine, month: str) -> MonthData:
    stored = {
        r.identifier: RulesetRecord(r.identifier, r.version, _reason_catalogue(r.files_json))
        for r in month_rulesets(engine, month).values()
    }
    return MonthData(month, _records(engine, month), stored, without_period(engine))


def _records(engine: Engine, month: str) -> Iterator[ApplicationRecord]:
    for page in month_pages(engine, month):
        for a in page.applications:
            recommendation = page.recommendations.get(a.id)
            yield ApplicationRecord(
                application_id=a.application_id,
                channel=a.channel,
                district=a.district,
                state=a.state,
                waits=a.waits or 0,
                retries=page.retries.get(a.id, 0),
                last_error=a.last_error,
                verdict=_verdict(page.verdicts[a.id]) if a.id in page.verdicts else None,
                manual=_manual(page.manual_items[a.id]) if a.id in page.manual_items else None,
                recommendation=RecommendationRecord(recommendation.amount, recommendation.status)
                if recommendation is not None
                else None,
            )


def _reason_catalogue(files_json: str) -> dict[str, str]:
    """The reason titles of a stored ruleset (its rules/orsaker.yaml); empty when it cannot be loaded."""
    try:
        return dict(ruleset_from_files(json.loads(files_json)).reasons)
    except (RulesError, KeyError, ValueError):
        return {}


def _codes(text: str | None) -> tuple[str, ...]:
    return tuple(c for c in (text or "").split(",") if c)


def _verdict(row: Any) -> VerdictRecord:
    return VerdictRecord(
        ruleset=row.ruleset,
        ruleset_identifier=row.ruleset_identifier,
        outcome=row.outcome,
        amount=row.amount,
        stickprov=bool(row.stickprov),
        reason_codes=_codes(row.reason_codes),
        duration_ms=row.duration_ms,
        costs=cost_facts(json.loads(row.verdict_json or "{}")),  # purged: no per-cost facts
    )


def cost_facts(verdict: dict[str, Any]) -> tuple[CostFact, ...]:
    """The schablon step's per-cost facts: the step entry whose facts hold "costs"."""
    for step in verdict.get("steps") or []:
        costs = (step.get("facts") or {}).get("costs")
        if isinstance(costs, list):
            return tuple(
                CostFact(str(c["type"]), int(c["amount"]), str(c.get("status", "")), c.get("outside_by")) for c in costs
            )
    return ()


def _manual(row: Any) -> ManualRecord:
    return ManualRecord(
        reason_codes=_codes(row.reason_codes),
        has_verdict=row.verdict_pk is not None,
        stickprov=bool(row.stickprov),
        status=row.status,
        resolution=row.resolution,
        resolution_amount=row.resolution_amount,
        proposal_amount=row.proposal_amount,
        stickprov_correct=row.stickprov_correct,
    )
