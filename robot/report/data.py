"""Reading one month from the database into plain records: applications with their latest verdict,
manual item, recommendation and retry count. Read-only; nothing personal is read beyond what the
figures need (no raw applications, no notes, no names of handläggare).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from robot.chain.errors import RulesError
from robot.chain.ruleset import ruleset_from_files
from robot.formats.reasons import Code
from robot.queue.db import read
from robot.queue.schema import applications as A
from robot.queue.schema import events, manual_items, recommendations, rulesets, verdicts
from robot.queue.states import State

TECHNICAL_FAILURE = Code.TEKNISKT_FEL.value
CHUNK = 900
"""Ids per IN (…) query: below SQLite's default limit of bound parameters."""


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
    applications: tuple[ApplicationRecord, ...]
    rulesets: dict[str, RulesetRecord]
    without_period: int
    """Applications stored without a valid period (all months): no monthly report includes them."""


def load_month(engine: Engine, month: str) -> MonthData:
    with read(engine) as conn:
        apps = conn.execute(
            select(A.c.id, A.c.application_id, A.c.channel, A.c.district, A.c.state, A.c.waits, A.c.last_error)
            .where(A.c.period == month)
            .order_by(A.c.application_id)
        ).all()
        pks = [a.id for a in apps]
        latest = _latest_verdicts(conn, pks)
        items = _by_pk(conn, manual_items, pks)
        recs = _by_pk(conn, recommendations, pks)
        retries = _retries(conn, pks)
        stored = _rulesets(conn, {v.ruleset_identifier for v in latest.values()})
        without_period = conn.execute(select(func.count()).select_from(A).where(A.c.period.is_(None))).scalar_one()
    records = tuple(
        ApplicationRecord(
            application_id=a.application_id,
            channel=a.channel,
            district=a.district,
            state=a.state,
            waits=a.waits or 0,
            retries=retries.get(a.id, 0),
            last_error=a.last_error,
            verdict=_verdict(latest[a.id]) if a.id in latest else None,
            manual=_manual(items[a.id]) if a.id in items else None,
            recommendation=RecommendationRecord(recs[a.id].amount, recs[a.id].status) if a.id in recs else None,
        )
        for a in apps
    )
    return MonthData(month, records, stored, without_period)


def _chunks(pks: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(pks), CHUNK):
        yield pks[start : start + CHUNK]


def _latest_verdicts(conn: Connection, pks: list[int]) -> dict[int, Any]:
    """Each application's latest verdict (there is normally exactly one)."""
    found: dict[int, Any] = {}
    for chunk in _chunks(pks):
        latest_ids = (
            select(func.max(verdicts.c.id))
            .where(verdicts.c.application_pk.in_(chunk))
            .group_by(verdicts.c.application_pk)
        )
        query = select(
            verdicts.c.application_pk,
            verdicts.c.ruleset,
            verdicts.c.ruleset_identifier,
            verdicts.c.outcome,
            verdicts.c.amount,
            verdicts.c.stickprov,
            verdicts.c.reason_codes,
            verdicts.c.duration_ms,
            verdicts.c.verdict_json,
        ).where(verdicts.c.id.in_(latest_ids))
        for row in conn.execute(query):
            found[row.application_pk] = row
    return found


def _by_pk(conn: Connection, table: Any, pks: list[int]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for chunk in _chunks(pks):
        for row in conn.execute(select(table).where(table.c.application_pk.in_(chunk))):
            found[row.application_pk] = row
    return found


def _retries(conn: Connection, pks: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for chunk in _chunks(pks):
        query = (
            select(events.c.application_pk, func.count())
            .where(
                events.c.application_pk.in_(chunk),
                events.c.kind == "processed",
                events.c.to_state == State.RETRY_WAIT.value,
            )
            .group_by(events.c.application_pk)
        )
        found.update({pk: n for pk, n in conn.execute(query)})
    return found


def _rulesets(conn: Connection, identifiers: set[str]) -> dict[str, RulesetRecord]:
    if not identifiers:
        return {}
    rows = conn.execute(
        select(rulesets.c.identifier, rulesets.c.version, rulesets.c.files_json).where(
            rulesets.c.identifier.in_(sorted(identifiers))
        )
    )
    return {r.identifier: RulesetRecord(r.identifier, r.version, _reason_catalogue(r.files_json)) for r in rows}


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
        costs=cost_facts(json.loads(row.verdict_json)),
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
