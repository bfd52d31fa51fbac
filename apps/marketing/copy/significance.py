"""A/B significance: which of two variants converts better, and how sure that is.

A two-proportion z-test (pooled standard error) on successes / trials, two-sided, with a Wald
confidence interval for the difference. scipy's normal distribution where it is installed, else the
same figure from ``math.erfc``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal


def _normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z (the complementary error function gives it exactly)."""
    return 0.5 * math.erfc(z / math.sqrt(2))


@dataclass(frozen=True)
class ABResult:
    rate_a: float
    rate_b: float
    difference: float  # rate_b - rate_a
    z: float
    p_value: float
    ci_low: float  # 95% interval for the difference
    ci_high: float
    significant: bool
    winner: Literal["A", "B", ""]  # "" while the difference is not significant
    alpha: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def two_proportion_test(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int, *, alpha: float = 0.05
) -> ABResult | None:
    """The test, or None where it cannot be run (no trials on a side, more successes than trials)."""
    if trials_a <= 0 or trials_b <= 0 or not 0 <= successes_a <= trials_a or not 0 <= successes_b <= trials_b:
        return None
    rate_a, rate_b = successes_a / trials_a, successes_b / trials_b
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    standard_error = math.sqrt(pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b))
    difference = rate_b - rate_a
    if standard_error == 0:
        z, p_value = 0.0, 1.0
    else:
        z = difference / standard_error
        p_value = min(1.0, 2 * _normal_sf(abs(z)))
    unpooled = math.sqrt(rate_a * (1 - rate_a) / trials_a + rate_b * (1 - rate_b) / trials_b)
    critical = 1.959963984540054
    significant = p_value < alpha
    winner: Literal["A", "B", ""] = ("B" if difference > 0 else "A") if significant else ""
    return ABResult(
        rate_a=rate_a,
        rate_b=rate_b,
        difference=difference,
        z=z,
        p_value=p_value,
        ci_low=difference - critical * unpooled,
        ci_high=difference + critical * unpooled,
        significant=significant,
        winner=winner,
        alpha=alpha,
    )
