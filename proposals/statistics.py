"""Whether the check-ins after something was done differ from those before by more than noise.

Answers are on a 1..5 scale and come as histograms (the number of answers at each point, as the tallies
keep them), so there are many ties and no reason to think the answers are normally distributed: the test is
the Mann–Whitney U test (two-sided), which compares ranks, with average ranks for ties and the normal
approximation with the tie correction and a continuity correction. Its figures are those of
`scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)`,
computed here from the histograms in a few arithmetic steps, whatever the number of answers (the tests hold
scipy's figures for the same data).
"""

import math
from dataclasses import dataclass

from .journey_selectors import MIN_CHECKINS, histogram_median

# Below this p-value a difference is called more than noise (with MIN_CHECKINS answers on each side).
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class MannWhitney:
    """The test's result. `u` is the statistic of the first sample (scipy's `statistic`); `z` is the
    standardised larger of the two U with the continuity correction, None when it is undefined (every
    answer the same); `p` is the two-sided p-value, 1 when every answer is the same. All three are None
    without answers on a side (scipy's NaN)."""

    u: float | None
    z: float | None
    p: float | None


def mann_whitney(first: tuple[int, ...], second: tuple[int, ...]) -> MannWhitney:
    """The two-sided Mann–Whitney U test of two samples given as histograms over the same ordered points
    (`first[i]` answers at the i-th point)."""
    if len(first) != len(second):
        raise ValueError("Both histograms must have the same points.")
    n1, n2 = sum(first), sum(second)
    n = n1 + n2
    # Each point's answers share the average of the ranks they occupy together (1-based).
    rank_sum, below, tie_term = 0.0, 0, 0
    for a, b in zip(first, second, strict=True):
        together = a + b
        rank_sum += a * (below + (together + 1) / 2)
        below += together
        tie_term += together**3 - together
    if n1 == 0 or n2 == 0:
        return MannWhitney(u=None, z=None, p=None)
    u1 = rank_sum - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    spread = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
    if spread == 0:  # every answer the same: nothing tells the samples apart
        return MannWhitney(u=u1, z=None, p=1.0)
    z = (u - n1 * n2 / 2 - 0.5) / spread
    # Twice the normal upper tail at z: erfc(z / √2) = 2 · (1 − Φ(z)).
    return MannWhitney(u=u1, z=z, p=min(1.0, math.erfc(z / math.sqrt(2))))


@dataclass(frozen=True)
class Comparison:
    """One measure's answers before and after, compared.

    `outcome` is one of:
    - "not_enough": fewer than `minimum` answers on a side, so no medians or test are given for it;
    - "no_clear_difference": the test's p-value is SIGNIFICANCE or more;
    - "difference": p below SIGNIFICANCE, more than noise; `direction` then says whether the answers went
      "down" or "up" afterwards (by their ranks, as the test reads them: the medians may be equal)."""

    before: int
    after: int
    before_median: float | None
    after_median: float | None
    test: MannWhitney | None
    outcome: str
    direction: str | None = None

    @property
    def p(self) -> float | None:
        return self.test.p if self.test else None


NOT_ENOUGH, NO_CLEAR_DIFFERENCE, DIFFERENCE = "not_enough", "no_clear_difference", "difference"


def compare(before: tuple[int, ...], after: tuple[int, ...], *, minimum: int = MIN_CHECKINS) -> Comparison:
    """`before` and `after` (histograms of one measure) compared; a side's median only from `minimum`
    answers on it, the test only from `minimum` on each side."""
    n_before, n_after = sum(before), sum(after)
    medians = {
        "before_median": histogram_median(before) if n_before >= minimum else None,
        "after_median": histogram_median(after) if n_after >= minimum else None,
    }
    if n_before < minimum or n_after < minimum:
        return Comparison(n_before, n_after, **medians, test=None, outcome=NOT_ENOUGH)
    test = mann_whitney(before, after)
    if test.p is None or test.p >= SIGNIFICANCE:
        return Comparison(n_before, n_after, **medians, test=test, outcome=NO_CLEAR_DIFFERENCE)
    # U of the answers before above half its range: they rank higher, so the answers went down.
    direction = "down" if test.u > n_before * n_after / 2 else "up"
    return Comparison(n_before, n_after, **medians, test=test, outcome=DIFFERENCE, direction=direction)
