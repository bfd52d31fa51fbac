"""Under CI (CI=1) a skipped worker, real-model or browser test fails the run instead of passing quietly.

Loaded by pytest's addopts (``-p tests.ci_skips``). Those tests need PostgreSQL, Redis, the
installed models or Chromium, which CI provides: a skip there means a check did not run.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

MUST_RUN_MARKERS = ("worker", "real_model", "e2e")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and _in_ci()):
        return
    markers = [name for name in MUST_RUN_MARKERS if item.get_closest_marker(name)]
    if markers and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, but {'/'.join(markers)} tests must run here: {reason}"
