"""The month's figures counted in one pass over its applications, as they stream from the database.

Memory does not follow the number of applications: counters per group, reason and status, a few
example ids, and the values medians and percentiles need counted by value (`stats.Histogram`:
durations in whole milliseconds, applied amounts in whole kronor), so it grows with the number of
distinct values, not with the month.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from robot.report.data import TECHNICAL_FAILURE, ApplicationRecord
from robot.report.stats import Histogram
from robot.swedish.labels import channel_name, district_name

EXAMPLES = 3
OUTSIDE = ("over", "under", "always_manual", "no_range")


@dataclass
class CostTally:
    amounts: Histogram = field(default_factory=Histogram)
    outside: Counter[str] = field(default_factory=Counter)
    outside_by: Histogram = field(default_factory=Histogram)


@dataclass
class ReasonTally:
    count: int = 0
    resolved: int = 0
    resolutions: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)


@dataclass
class MonthTally:
    outcomes: Counter[str] = field(default_factory=Counter)
    by_channel: dict[str, Counter[str]] = field(default_factory=dict)
    by_district: dict[str, Counter[str]] = field(default_factory=dict)
    manual_applications: int = 0
    reasons: dict[str, ReasonTally] = field(default_factory=dict)
    stickprov: Counter[str] = field(default_factory=Counter)
    """selected, resolved, correct, incorrect"""
    costs: dict[str, CostTally] = field(default_factory=dict)
    durations: Histogram = field(default_factory=Histogram)
    retries: int = 0
    waits: int = 0
    waiting_retry: int = 0
    waiting_queue: int = 0
    failures: int = 0
    error_types: Counter[str] = field(default_factory=Counter)
    failure_examples: list[str] = field(default_factory=list)
    recommendations: Counter[str] = field(default_factory=Counter)
    approved_amounts: Histogram = field(default_factory=Histogram)
    rejected_examples: list[str] = field(default_factory=list)
    manual_items: Counter[str] = field(default_factory=Counter)
    resolutions: Counter[str] = field(default_factory=Counter)
    proposal_compared: int = 0
    proposal_followed: int = 0
    rulesets: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, a: ApplicationRecord) -> None:
        outcome = a.outcome
        self.outcomes[outcome] += 1
        _group(self.by_channel, channel_name(a.channel))[outcome] += 1
        _group(self.by_district, district_name(a.district))[outcome] += 1
        self._reasons(a)
        self._processing(a)
        self._decisions(a)
        if a.verdict is not None:
            self.durations.append(a.verdict.duration_ms)
            self.rulesets[(a.verdict.ruleset, a.verdict.ruleset_identifier)] += 1
            for fact in a.verdict.costs:
                cost = self.costs.setdefault(fact.type, CostTally())
                cost.amounts.append(fact.amount)
                if fact.status in OUTSIDE:
                    cost.outside[fact.status] += 1
                if fact.status in ("over", "under") and fact.outside_by is not None:
                    cost.outside_by.append(int(fact.outside_by))
            if a.verdict.stickprov:
                self._stickprov(a)

    def _reasons(self, a: ApplicationRecord) -> None:
        codes = manual_codes(a)
        if not codes:
            return
        self.manual_applications += 1
        for code in dict.fromkeys(codes):
            reason = self.reasons.setdefault(code, ReasonTally())
            reason.count += 1
            _example(reason.examples, a.application_id)
            if a.manual is not None and a.manual.status == "resolved":
                reason.resolved += 1
                reason.resolutions[a.manual.resolution or ""] += 1

    def _stickprov(self, a: ApplicationRecord) -> None:
        self.stickprov["selected"] += 1
        if a.manual is not None and a.manual.status == "resolved":
            self.stickprov["resolved"] += 1
            if a.manual.stickprov_correct is True:
                self.stickprov["correct"] += 1
            elif a.manual.stickprov_correct is False:
                self.stickprov["incorrect"] += 1

    def _processing(self, a: ApplicationRecord) -> None:
        self.retries += a.retries
        self.waits += a.waits
        if a.outcome == "technical_failure":
            self.failures += 1
            self.error_types[error_type(a.last_error)] += 1
            _example(self.failure_examples, a.application_id)
        elif a.outcome == "waiting":
            if a.state == "RETRY_WAIT":
                self.waiting_retry += 1
            else:
                self.waiting_queue += 1

    def _decisions(self, a: ApplicationRecord) -> None:
        if a.recommendation is not None:
            self.recommendations[a.recommendation.status] += 1
            if a.recommendation.status == "approved":
                self.approved_amounts.append(a.recommendation.amount)
            elif a.recommendation.status == "rejected":
                _example(self.rejected_examples, a.application_id)
        m = a.manual
        if m is None:
            return
        self.manual_items[m.status] += 1
        if m.status == "resolved":
            self.resolutions[m.resolution or ""] += 1
            if m.proposal_amount is not None:
                self.proposal_compared += 1
                self.proposal_followed += m.resolution == "bifall" and m.resolution_amount == m.proposal_amount


def manual_codes(app: ApplicationRecord) -> tuple[str, ...]:
    """Why the application fell out of the robot: its verdict's reasons, or a technical failure."""
    if app.outcome == "manual" and app.verdict is not None:
        return app.verdict.reason_codes
    if app.outcome == "technical_failure":
        return (TECHNICAL_FAILURE,)
    return ()


def error_type(error: str | None) -> str:
    text = (error or "okänt fel").split(":", 1)[0].strip()
    return text[:80] or "okänt fel"


def _group(groups: dict[str, Counter[str]], name: str) -> Counter[str]:
    return groups.setdefault(name, Counter())


def _example(examples: list[str], application_id: str) -> None:
    if len(examples) < EXAMPLES:
        examples.append(application_id)
