"""A/B significance on known numbers (two-proportion z-test, pooled standard error, two-sided)."""

from __future__ import annotations

import math

import pytest

from apps.marketing.copy import significance
from apps.marketing.copy.significance import two_proportion_test


def test_a_clear_winner() -> None:
    # A: 200 of 1000, B: 250 of 1000. Pooled p = 0.225, SE = sqrt(0.225 * 0.775 * 2 / 1000) = 0.0186748,
    # z = 0.05 / SE = 2.67743, two-sided p = 0.00742.
    result = two_proportion_test(200, 1000, 250, 1000)
    assert result is not None
    assert result.z == pytest.approx(2.67743, abs=1e-4)
    assert result.p_value == pytest.approx(0.007419, abs=2e-5)
    assert (result.significant, result.winner) == (True, "B")
    assert result.ci_low == pytest.approx(
        0.05 - 1.96 * math.sqrt(0.2 * 0.8 / 1000 + 0.25 * 0.75 / 1000), abs=1e-4
    )
    assert result.ci_low > 0


def test_no_significant_difference() -> None:
    # 10/100 against 12/100: pooled 0.11, SE = 0.044249, z = 0.45198, p = 0.6513.
    result = two_proportion_test(10, 100, 12, 100)
    assert result is not None
    assert result.z == pytest.approx(0.45198, abs=1e-4)
    assert result.p_value == pytest.approx(0.6513, abs=1e-3)
    assert (result.significant, result.winner) == (False, "")


def test_a_wins_when_its_rate_is_higher() -> None:
    result = two_proportion_test(90, 1000, 50, 1000)
    assert result is not None and result.winner == "A" and result.p_value < 0.001


def test_cannot_be_run_without_trials_or_with_impossible_numbers() -> None:
    assert two_proportion_test(0, 0, 5, 100) is None
    assert two_proportion_test(11, 10, 5, 100) is None
    same = two_proportion_test(0, 100, 0, 100)
    assert same is not None and (same.p_value, same.winner) == (1.0, "")


def test_the_math_fallback_gives_the_scipy_figure() -> None:
    pytest.importorskip("scipy")
    for z in (0.1, 1.0, 1.96, 2.67743, 4.0):
        assert significance._normal_sf(z) == pytest.approx(0.5 * math.erfc(z / math.sqrt(2)), rel=1e-9)
