"""The month's figures as plain data: what the HTML and the CSV files show, computed once.

Only aggregates leave this module, plus application ids in short example lists. Amount figures
(sum, median, p90) are left out for groups of fewer than `MIN_AMOUNT_GROUP` applications, where an
"aggregate" would be one or two persons' amounts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from robot.report import likstallighet
from robot.report.data import ApplicationRecord, MonthData
from robot.report.stats import share, wilson_interval
from robot.report.tally import OUTSIDE, MonthTally
from robot.swedish.labels import cost_name
from robot.swedish.words import COST_NAMES

MIN_AMOUNT_GROUP = 3
RECOMMENDATION_STATUSES = ("pending", "approved", "rejected")
MANUAL_STATUSES = ("open", "claimed", "resolved")
RESOLUTIONS = ("bifall", "delavslag", "avslag", "overlamnad")


@dataclass(frozen=True)
class OutcomeCounts:
    recommendation: int = 0
    manual: int = 0
    waiting: int = 0
    technical_failure: int = 0

    @classmethod
    def of(cls, apps: Iterable[ApplicationRecord]) -> OutcomeCounts:
        return cls.counted(Counter(a.outcome for a in apps))

    @classmethod
    def counted(cls, counts: Mapping[str, int]) -> OutcomeCounts:
        return cls(counts["recommendation"], counts["manual"], counts["waiting"], counts["technical_failure"])

    @property
    def total(self) -> int:
        return self.recommendation + self.manual + self.waiting + self.technical_failure

    @property
    def decided(self) -> int:
        """Applications the robot has given a verdict: a recommendation or manual handling."""
        return self.recommendation + self.manual

    @property
    def manual_share(self) -> float | None:
        """Manual verdicts among applications with a verdict."""
        return share(self.manual, self.decided)

    def count(self, outcome: str) -> int:
        return int(getattr(self, outcome))


@dataclass(frozen=True)
class GroupOutcomes:
    dimension: str
    """kanal or stadsdel."""
    group: str
    counts: OutcomeCounts


@dataclass(frozen=True)
class ReasonRow:
    code: str
    title: str
    count: int
    share_of_manual: float | None
    """Among applications that went to manual handling (one application can have several reasons)."""
    share_of_all: float | None
    resolved: int
    resolutions: dict[str, int]
    """bifall / delavslag / avslag / överlämnat among the resolved manual items with this reason."""
    examples: tuple[str, ...]


@dataclass(frozen=True)
class StickprovFigures:
    selected: int
    resolved: int
    correct: int
    incorrect: int

    @property
    def unresolved(self) -> int:
        return self.selected - self.resolved

    @property
    def incorrect_share(self) -> float | None:
        return share(self.incorrect, self.correct + self.incorrect)

    @property
    def interval(self) -> tuple[float, float] | None:
        """95 % Wilson interval for the share found incorrect."""
        return wilson_interval(self.incorrect, self.correct + self.incorrect)


@dataclass(frozen=True)
class CostRow:
    cost_type: str
    name: str
    applications: int
    total: int | None
    median: int | None
    p90: int | None
    outside: dict[str, int]
    """over / under / always_manual / no_range: applications whose cost fell outside its range."""
    outside_total: int | None
    """Sum of how far over or under the range the costs were (kr); None when too few to show."""
    outside_median: int | None

    @property
    def outside_count(self) -> int:
        return sum(self.outside.values())


@dataclass(frozen=True)
class ProcessingFigures:
    verdicts: int
    p50_ms: int | None
    p95_ms: int | None
    max_ms: int | None
    technical_failures: int
    technical_retries: int
    ssbtek_waits: int
    waiting_retry: int
    """Applications in RETRY_WAIT now (waiting for SSBTEK or for a new attempt)."""
    waiting_queue: int
    """Applications not yet processed (NEW or IN_PROGRESS)."""
    error_types: tuple[tuple[str, int], ...]
    failure_examples: tuple[str, ...]


@dataclass(frozen=True)
class DecisionFigures:
    recommendations: dict[str, int]
    approved_amount: int | None
    rejected_examples: tuple[str, ...]
    manual_items: dict[str, int]
    resolutions: dict[str, int]
    proposal_compared: int
    """Resolved manual items where the robot had proposed an amount."""
    proposal_followed: int
    """Of those, bifall with exactly the robot's proposal."""


@dataclass(frozen=True)
class RulesetRow:
    label: str
    identifier: str
    version: str
    verdicts: int


@dataclass(frozen=True)
class MonthFigures:
    month: str
    outcomes: OutcomeCounts
    by_channel: tuple[GroupOutcomes, ...]
    by_district: tuple[GroupOutcomes, ...]
    reasons: tuple[ReasonRow, ...]
    stickprov: StickprovFigures
    costs: tuple[CostRow, ...]
    processing: ProcessingFigures
    decisions: DecisionFigures
    rulesets: tuple[RulesetRow, ...]
    likstallighet: tuple[likstallighet.Comparison, ...]
    thresholds: likstallighet.Thresholds
    without_period: int

    @property
    def empty(self) -> bool:
        return self.outcomes.total == 0


def compute(
    data: MonthData,
    titles: Mapping[str, str] | None = None,
    thresholds: likstallighet.Thresholds = likstallighet.THRESHOLDS,
) -> MonthFigures:
    """One pass over `data.applications` (which may stream from the database), then the figures.

    `titles`: reason titles from the current rules; the stored rulesets' own titles take precedence.
    """
    tally = MonthTally()
    for app in data.applications:
        tally.add(app)
    merged = dict(titles or {})
    for stored in data.rulesets.values():
        merged.update(stored.reasons)
    by_channel = _groups("kanal", tally.by_channel)
    by_district = _groups("stadsdel", tally.by_district)
    comparisons = [
        *likstallighet.compare("kanal", _group_counts(by_channel), thresholds),
        *likstallighet.compare("stadsdel", _group_counts(by_district), thresholds),
    ]
    outcomes = OutcomeCounts.counted(tally.outcomes)
    s = tally.stickprov
    return MonthFigures(
        month=data.month,
        outcomes=outcomes,
        by_channel=by_channel,
        by_district=by_district,
        reasons=_reasons(tally, outcomes.total, merged),
        stickprov=StickprovFigures(s["selected"], s["resolved"], s["correct"], s["incorrect"]),
        costs=_costs(tally),
        processing=_processing(tally),
        decisions=_decisions(tally),
        rulesets=_rulesets(tally, data),
        likstallighet=tuple(comparisons),
        thresholds=thresholds,
        without_period=data.without_period,
    )


def _groups(dimension: str, grouped: Mapping[str, Counter[str]]) -> tuple[GroupOutcomes, ...]:
    return tuple(GroupOutcomes(dimension, name, OutcomeCounts.counted(grouped[name])) for name in sorted(grouped))


def _group_counts(groups: Iterable[GroupOutcomes]) -> list[likstallighet.GroupCount]:
    return [likstallighet.GroupCount(g.group, g.counts.decided, g.counts.manual) for g in groups]


def _reasons(tally: MonthTally, total: int, titles: Mapping[str, str]) -> tuple[ReasonRow, ...]:
    rows = [
        ReasonRow(
            code=code,
            title=titles.get(code, "(titel saknas i orsakskatalogen)"),
            count=r.count,
            share_of_manual=share(r.count, tally.manual_applications),
            share_of_all=share(r.count, total),
            resolved=r.resolved,
            resolutions={k: r.resolutions[k] for k in RESOLUTIONS},
            examples=tuple(r.examples),
        )
        for code, r in tally.reasons.items()
    ]
    return tuple(sorted(rows, key=lambda r: (-r.count, r.code)))


def _costs(tally: MonthTally) -> tuple[CostRow, ...]:
    order = {t: i for i, t in enumerate(COST_NAMES)}
    rows = []
    for cost_type in sorted(tally.costs, key=lambda t: (order.get(t, len(order)), t)):
        cost = tally.costs[cost_type]
        values, beyond = cost.amounts, cost.outside_by
        shown = len(values) >= MIN_AMOUNT_GROUP
        beyond_shown = len(beyond) >= MIN_AMOUNT_GROUP
        rows.append(
            CostRow(
                cost_type=cost_type,
                name=cost_name(cost_type),
                applications=len(values),
                total=values.total if shown else None,
                median=values.median() if shown else None,
                p90=values.percentile(0.9) if shown else None,
                outside={k: cost.outside[k] for k in OUTSIDE},
                outside_total=beyond.total if beyond_shown else None,
                outside_median=beyond.median() if beyond_shown else None,
            )
        )
    return tuple(rows)


def _processing(tally: MonthTally) -> ProcessingFigures:
    durations = tally.durations
    return ProcessingFigures(
        verdicts=len(durations),
        p50_ms=durations.percentile(0.5),
        p95_ms=durations.percentile(0.95),
        max_ms=durations.max,
        technical_failures=tally.failures,
        technical_retries=max(0, tally.retries - tally.waits),
        ssbtek_waits=tally.waits,
        waiting_retry=tally.waiting_retry,
        waiting_queue=tally.waiting_queue,
        error_types=tuple(sorted(tally.error_types.items(), key=lambda e: (-e[1], e[0]))),
        failure_examples=tuple(tally.failure_examples),
    )


def _decisions(tally: MonthTally) -> DecisionFigures:
    approved = tally.approved_amounts
    return DecisionFigures(
        recommendations={k: tally.recommendations[k] for k in RECOMMENDATION_STATUSES},
        approved_amount=approved.total if len(approved) >= MIN_AMOUNT_GROUP else None,
        rejected_examples=tuple(tally.rejected_examples),
        manual_items={k: tally.manual_items[k] for k in MANUAL_STATUSES},
        resolutions={k: tally.resolutions[k] for k in RESOLUTIONS},
        proposal_compared=tally.proposal_compared,
        proposal_followed=tally.proposal_followed,
    )


def _rulesets(tally: MonthTally, data: MonthData) -> tuple[RulesetRow, ...]:
    rows = []
    for (label, identifier), n in sorted(tally.rulesets.items(), key=lambda item: (-item[1], item[0])):
        stored = data.rulesets.get(identifier)
        rows.append(RulesetRow(label, identifier, stored.version if stored else "(okänd)", n))
    return tuple(rows)
