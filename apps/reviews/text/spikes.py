"""Is the negative share of a recent window significantly above its own trailing baseline?

A one-sided two-proportion z-test with the pooled proportion: H0 says the window and the baseline
share one negative rate; a spike is a p-value under ``alpha`` with both sides holding enough reviews.
A fixed threshold would fire on five unlucky reviews and miss a real rise on a busy product.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Counts:
    negative: int
    total: int

    @property
    def share(self) -> float:
        return self.negative / self.total if self.total else 0.0


@dataclass(frozen=True)
class SpikeTest:
    z_score: float
    p_value: float
    is_spike: bool
    reason: str


def two_proportion_z(window: Counts, baseline: Counts) -> tuple[float, float]:
    """(z, one-sided p) for H1: the window's share is above the baseline's."""
    if window.total == 0 or baseline.total == 0:
        return 0.0, 1.0
    pooled = (window.negative + baseline.negative) / (window.total + baseline.total)
    variance = pooled * (1 - pooled) * (1 / window.total + 1 / baseline.total)
    if variance <= 0:
        return 0.0, 1.0
    z = (window.share - baseline.share) / math.sqrt(variance)
    return z, 0.5 * math.erfc(z / math.sqrt(2))


def spike_test(
    window: Counts, baseline: Counts, *, min_reviews: int, alpha: float, min_rise: float = 0.05
) -> SpikeTest:
    """Test one product's or aspect's window against its baseline.

    Both sides need ``min_reviews`` reviews (too few is "not enough data", never an alert), and the
    share must rise by at least ``min_rise`` (five points): on a huge volume a trivial rise is
    significant but not worth waking anyone for.
    """
    if window.total < min_reviews or baseline.total < min_reviews:
        return SpikeTest(0.0, 1.0, False, "too_few_reviews")
    z, p_value = two_proportion_z(window, baseline)
    if window.share - baseline.share < min_rise:
        return SpikeTest(z, p_value, False, "small_rise")
    if p_value >= alpha:
        return SpikeTest(z, p_value, False, "not_significant")
    return SpikeTest(z, p_value, True, "spike")
