"""The month's figures as plain data: what the HTML and the CSV files show, computed once.

Only aggregates leave this module, plus application ids in short example lists. Amount figures
(sum, median, p90) are left out for groups of fewer than `MIN_AMOUNT_GROUP` applications, where an
"aggregate" would be one or two persons' amounts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from robot.chain.swedish import COST_NAMES
from robot.report import likstallighet
from robot.report.data import TECHNICAL_FAILURE, ApplicationRecord, MonthData
from robot.report.labels import channel_name, cost_name, district_name
from robot.report.stats import median, percentile, share, wilson_interval

MIN_AMOUNT_GROUP = 3
EXAMPLES = 3
OUTSIDE = ("over", "under", "always_manual", "no_range")
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
        counts = Counter(a.outcome for a in apps)
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
    """`titles`: reason titles from the current rules; the stored rulesets' own titles take precedence."""
    merged = dict(titles or {})
    for stored in data.rulesets.values():
        merged.update(stored.reasons)
    apps = data.applications
    by_channel = _groups(apps, "kanal", lambda a: channel_name(a.channel))
    by_district = _groups(apps, "stadsdel", lambda a: district_name(a.district))
    comparisons = [
        *likstallighet.compare("kanal", _group_counts(by_channel), thresholds),
        *likstallighet.compare("stadsdel", _group_counts(by_district), thresholds),
    ]
    return MonthFigures(
        month=data.month,
        outcomes=OutcomeCounts.of(apps),
        by_channel=by_channel,
        by_district=by_district,
        reasons=_reasons(apps, merged),
        stickprov=_stickprov(apps),
        costs=_costs(apps),
        processing=_processing(apps),
        decisions=_decisions(apps),
        rulesets=_rulesets(data),
        likstallighet=tuple(comparisons),
        thresholds=thresholds,
        without_period=data.without_period,
    )


def _groups(
    apps: Iterable[ApplicationRecord], dimension: str, key: Callable[[ApplicationRecord], str]
) -> tuple[GroupOutcomes, ...]:
    grouped: dict[str, list[ApplicationRecord]] = {}
    for a in apps:
        grouped.setdefault(key(a), []).append(a)
    return tuple(GroupOutcomes(dimension, name, OutcomeCounts.of(grouped[name])) for name in sorted(grouped))


def _group_counts(groups: Iterable[GroupOutcomes]) -> list[likstallighet.GroupCount]:
    return [likstallighet.GroupCount(g.group, g.counts.decided, g.counts.manual) for g in groups]


def _manual_codes(app: ApplicationRecord) -> tuple[str, ...]:
    """Why the application fell out of the robot: its verdict's reasons, or a technical failure."""
    if app.outcome == "manual" and app.verdict is not None:
        return app.verdict.reason_codes
    if app.outcome == "technical_failure":
        return (TECHNICAL_FAILURE,)
    return ()


def _reasons(apps: tuple[ApplicationRecord, ...], titles: Mapping[str, str]) -> tuple[ReasonRow, ...]:
    manual = [a for a in apps if _manual_codes(a)]
    counts: Counter[str] = Counter()
    resolved: Counter[str] = Counter()
    resolutions: dict[str, Counter[str]] = {}
    examples: dict[str, list[str]] = {}
    for a in manual:
        for code in dict.fromkeys(_manual_codes(a)):
            counts[code] += 1
            if len(examples.setdefault(code, [])) < EXAMPLES:
                examples[code].append(a.application_id)
            if a.manual is not None and a.manual.status == "resolved":
                resolved[code] += 1
                resolutions.setdefault(code, Counter())[a.manual.resolution or ""] += 1
    rows = [
        ReasonRow(
            code=code,
            title=titles.get(code, "(titel saknas i orsakskatalogen)"),
            count=n,
            share_of_manual=share(n, len(manual)),
            share_of_all=share(n, len(apps)),
            resolved=resolved[code],
            resolutions={r: resolutions.get(code, Counter())[r] for r in RESOLUTIONS},
            examples=tuple(examples[code]),
        )
        for code, n in counts.items()
    ]
    return tuple(sorted(rows, key=lambda r: (-r.count, r.code)))


def _stickprov(apps: Iterable[ApplicationRecord]) -> StickprovFigures:
    selected = [a for a in apps if a.verdict is not None and a.verdict.stickprov]
    resolved = [a for a in selected if a.manual is not None and a.manual.status == "resolved"]
    correct = sum(1 for a in resolved if a.manual is not None and a.manual.stickprov_correct is True)
    incorrect = sum(1 for a in resolved if a.manual is not None and a.manual.stickprov_correct is False)
    return StickprovFigures(len(selected), len(resolved), correct, incorrect)


def _costs(apps: Iterable[ApplicationRecord]) -> tuple[CostRow, ...]:
    amounts: dict[str, list[int]] = {}
    outside: dict[str, Counter[str]] = {}
    outside_by: dict[str, list[int]] = {}
    for a in apps:
        for fact in a.verdict.costs if a.verdict is not None else ():
            amounts.setdefault(fact.type, []).append(fact.amount)
            if fact.status in OUTSIDE:
                outside.setdefault(fact.type, Counter())[fact.status] += 1
            if fact.status in ("over", "under") and fact.outside_by is not None:
                outside_by.setdefault(fact.type, []).append(int(fact.outside_by))
    order = {t: i for i, t in enumerate(COST_NAMES)}
    rows = []
    for cost_type in sorted(amounts, key=lambda t: (order.get(t, len(order)), t)):
        values = amounts[cost_type]
        shown = len(values) >= MIN_AMOUNT_GROUP
        beyond = outside_by.get(cost_type, [])
        beyond_shown = len(beyond) >= MIN_AMOUNT_GROUP
        rows.append(
            CostRow(
                cost_type=cost_type,
                name=cost_name(cost_type),
                applications=len(values),
                total=sum(values) if shown else None,
                median=median(values) if shown else None,
                p90=percentile(values, 0.9) if shown else None,
                outside={s: outside.get(cost_type, Counter())[s] for s in OUTSIDE},
                outside_total=sum(beyond) if beyond_shown else None,
                outside_median=median(beyond) if beyond_shown else None,
            )
        )
    return tuple(rows)


def _error_type(error: str | None) -> str:
    text = (error or "okänt fel").split(":", 1)[0].strip()
    return text[:80] or "okänt fel"


def _processing(apps: tuple[ApplicationRecord, ...]) -> ProcessingFigures:
    durations = [a.verdict.duration_ms for a in apps if a.verdict is not None]
    failures = [a for a in apps if a.outcome == "technical_failure"]
    retries = sum(a.retries for a in apps)
    waits = sum(a.waits for a in apps)
    errors = Counter(_error_type(a.last_error) for a in failures)
    return ProcessingFigures(
        verdicts=len(durations),
        p50_ms=percentile(durations, 0.5),
        p95_ms=percentile(durations, 0.95),
        max_ms=max(durations) if durations else None,
        technical_failures=len(failures),
        technical_retries=max(0, retries - waits),
        ssbtek_waits=waits,
        waiting_retry=sum(1 for a in apps if a.outcome == "waiting" and a.state == "RETRY_WAIT"),
        waiting_queue=sum(1 for a in apps if a.outcome == "waiting" and a.state != "RETRY_WAIT"),
        error_types=tuple(sorted(errors.items(), key=lambda e: (-e[1], e[0]))),
        failure_examples=tuple(a.application_id for a in failures[:EXAMPLES]),
    )


def _decisions(apps: tuple[ApplicationRecord, ...]) -> DecisionFigures:
    recs = [a.recommendation for a in apps if a.recommendation is not None]
    rec_status = Counter(r.status for r in recs)
    approved = [r.amount for r in recs if r.status == "approved"]
    items = [a.manual for a in apps if a.manual is not None]
    resolved = [m for m in items if m.status == "resolved"]
    compared = [m for m in resolved if m.proposal_amount is not None]
    rejected = [
        a.application_id for a in apps if a.recommendation is not None and a.recommendation.status == "rejected"
    ]
    return DecisionFigures(
        recommendations={s: rec_status[s] for s in RECOMMENDATION_STATUSES},
        approved_amount=sum(approved) if len(approved) >= MIN_AMOUNT_GROUP else None,
        rejected_examples=tuple(rejected[:EXAMPLES]),
        manual_items={s: sum(1 for m in items if m.status == s) for s in MANUAL_STATUSES},
        resolutions={r: sum(1 for m in resolved if m.resolution == r) for r in RESOLUTIONS},
        proposal_compared=len(compared),
        proposal_followed=sum(
            1 for m in compared if m.resolution == "bifall" and m.resolution_amount == m.proposal_amount
        ),
    )


def _rulesets(data: MonthData) -> tuple[RulesetRow, ...]:
    labels = Counter((a.verdict.ruleset, a.verdict.ruleset_identifier) for a in data.applications if a.verdict)
    rows = []
    for (label, identifier), n in sorted(labels.items(), key=lambda item: (-item[1], item[0])):
        stored = data.rulesets.get(identifier)
        rows.append(RulesetRow(label, identifier, stored.version if stored else "(okänd)", n))
    return tuple(rows)
