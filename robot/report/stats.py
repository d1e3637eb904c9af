"""Small statistics for the report, without outside libraries: percentiles, proportion tests, intervals."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence


def percentile(values: Sequence[int], p: float) -> int | None:
    """The nearest-rank percentile: the smallest value with at least `p` of the values at or below it.

    Always one of the observed values (whole kronor, whole milliseconds); None for no values.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[int]) -> int | None:
    return percentile(values, 0.5)


class Histogram:
    """Whole numbers counted by value: the same percentiles as the list of them, in memory that grows with
    the number of distinct values (whole kronor, whole milliseconds), not with how many were added."""

    def __init__(self) -> None:
        self._counts: Counter[int] = Counter()
        self._n = 0
        self._sum = 0

    def append(self, value: int) -> None:
        self._counts[value] += 1
        self._n += 1
        self._sum += value

    def __len__(self) -> int:
        return self._n

    def __bool__(self) -> bool:
        return self._n > 0

    @property
    def total(self) -> int:
        return self._sum

    @property
    def max(self) -> int | None:
        return max(self._counts) if self._counts else None

    def percentile(self, p: float) -> int | None:
        """As `percentile` over every value added (nearest rank)."""
        if not self._n:
            return None
        rank = max(1, math.ceil(p * self._n))
        seen = 0
        for value in sorted(self._counts):
            seen += self._counts[value]
            if seen >= rank:
                return value
        raise AssertionError("unreachable: the counts add up to n")

    def median(self) -> int | None:
        return self.percentile(0.5)


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def two_proportion_p_value(hits_a: int, n_a: int, hits_b: int, n_b: int) -> float | None:
    """Two-sided p-value of the pooled two-proportion z-test (normal approximation).

    None when either group is empty. When every case in both groups is alike (pooled share 0 or
    1) there is no difference to find: 1.0.
    """
    if n_a == 0 or n_b == 0:
        return None
    pooled = (hits_a + hits_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se == 0:
        return 1.0
    z = (hits_a / n_a - hits_b / n_b) / se
    return math.erfc(abs(z) / math.sqrt(2))


def wilson_interval(hits: int, n: int, z: float = 1.959964) -> tuple[float, float] | None:
    """The Wilson score interval for a share (95 % by default); None for no observations."""
    if n == 0:
        return None
    p = hits / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)
