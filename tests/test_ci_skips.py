"""Under CI a skipped worker / real-model / browser test is a failure; elsewhere it stays a skip."""

from __future__ import annotations

from typing import Any

import pytest

pytest_plugins = ["pytester"]

SUITE = """
import pytest

@pytest.mark.worker
def test_needs_a_worker():
    pytest.skip("no broker")

@pytest.mark.real_model
def test_needs_weights():
    pytest.skip("not installed")

def test_plain_skip_is_fine():
    pytest.skip("optional")
"""


def _run(pytester: Any, monkeypatch: Any, ci: str) -> Any:
    monkeypatch.setenv("CI", ci)
    pytester.makeini("[pytest]\nmarkers =\n    worker: w\n    real_model: r\n    e2e: e\n")
    pytester.makepyfile(SUITE)
    return pytester.runpytest_inprocess("-p", "tests.ci_skips", "-p", "no:django", "-p", "no:cacheprovider")


@pytest.mark.parametrize("ci", ["1", "true"])
def test_under_ci_marked_skips_fail(pytester: Any, monkeypatch: Any, ci: str) -> None:
    result = _run(pytester, monkeypatch, ci)
    result.assert_outcomes(failed=2, skipped=1)
    result.stdout.fnmatch_lines(["*skipped under CI, but worker tests must run here*no broker*"])


def test_outside_ci_they_are_skips(pytester: Any, monkeypatch: Any) -> None:
    result = _run(pytester, monkeypatch, "")
    result.assert_outcomes(skipped=3)
