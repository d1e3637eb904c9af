"""Likställighet: do districts or channels go to manual handling more often than the rest?

Each group is compared with all the other groups of the same kind together (one against the rest),
with a two-sided two-proportion z-test. A group is flagged only when all three hold:

- both the group and the rest have at least `min_group` applications with a verdict,
- the difference in manual share is at least `min_difference` (absolute, e.g. 5 percentage points),
- the p-value is below `alpha` divided by the number of groups judged (Bonferroni correction, as
  several groups are tested at once).

A flag is a signal to look closer, not proof of unequal treatment: groups can differ for
legitimate reasons (more new applications, larger households, other costs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from robot.report.stats import share, two_proportion_p_value

Assessment = Literal["flagged", "no_difference", "too_small"]
ASSESSMENT_NAMES: dict[str, str] = {
    "flagged": "Flaggad: skillnaden bör utredas",
    "no_difference": "Ingen påtaglig skillnad",
    "too_small": "För få ansökningar för att bedöma",
}


@dataclass(frozen=True)
class Thresholds:
    alpha: float = 0.05
    min_difference: float = 0.05
    min_group: int = 30


THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class GroupCount:
    group: str
    decided: int
    """Applications with a verdict (recommendation or manual)."""
    manual: int


@dataclass(frozen=True)
class Comparison:
    dimension: str
    group: str
    decided: int
    manual: int
    rest_decided: int
    rest_manual: int
    p_value: float | None
    threshold: float | None
    """The Bonferroni-corrected significance level the p-value was held against."""
    assessment: Assessment

    @property
    def share(self) -> float | None:
        return share(self.manual, self.decided)

    @property
    def rest_share(self) -> float | None:
        return share(self.rest_manual, self.rest_decided)

    @property
    def difference(self) -> float | None:
        """The group's manual share minus the rest's, as a fraction (0.05 = 5 percentage points)."""
        if self.share is None or self.rest_share is None:
            return None
        return self.share - self.rest_share


def compare(dimension: str, groups: Iterable[GroupCount], thresholds: Thresholds = THRESHOLDS) -> list[Comparison]:
    """Each group against the rest of its dimension, in the order given."""
    groups = list(groups)
    total = sum(g.decided for g in groups)
    total_manual = sum(g.manual for g in groups)
    judged = {
        g.group for g in groups if g.decided >= thresholds.min_group and total - g.decided >= thresholds.min_group
    }
    threshold = thresholds.alpha / len(judged) if judged else None
    out = []
    for g in groups:
        rest, rest_manual = total - g.decided, total_manual - g.manual
        p = two_proportion_p_value(g.manual, g.decided, rest_manual, rest)
        assessment: Assessment = "too_small"
        if g.group in judged and p is not None and threshold is not None:
            difference = abs(g.manual / g.decided - rest_manual / rest)
            significant = p < threshold and difference >= thresholds.min_difference - 1e-12
            assessment = "flagged" if significant else "no_difference"
        out.append(Comparison(dimension, g.group, g.decided, g.manual, rest, rest_manual, p, threshold, assessment))
    return out
