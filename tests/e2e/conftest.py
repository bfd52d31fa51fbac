"""Browser tests: headless Chromium (Debian's /usr/bin/chromium) driven by Playwright."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.catalog.conftest import catalog_fake  # noqa: F401  (the fixture, for the catalog flows)

CHROMIUM = os.environ.get("ECOMAI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# A failed browser test leaves a screenshot of the page it was on here (git-ignored).
SCREENSHOTS = Path(
    os.environ.get("E2E_SCREENSHOTS", Path(__file__).resolve().parents[2] / "var" / "e2e-screenshots")
)

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make are still
# synchronous, so Django's guard against ORM use inside a running loop does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (make test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def screenshot_on_failure(request: Any, page: Any) -> None:
    """Save the page as it was when the test failed: var/e2e-screenshots/<test>.png."""
    report = getattr(request.node, "report_call", None)
    if report is None or not report.failed:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / (re.sub(r"[^\w.-]+", "_", request.node.nodeid) + ".png")
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as error:  # a crashed page must not hide the test's own failure
        print(f"no screenshot: {error}")
    else:
        print(f"screenshot of the failure: {path}")


@pytest.fixture
def page(browser: Any, request: Any) -> Iterator[Any]:
    # Playwright evaluates wait_for_function's string predicates with eval(), which the pages'
    # Content-Security-Policy forbids; the policy itself is tested in test_csp_browser.py.
    context = browser.new_context(locale="en-US", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    screenshot_on_failure(request, page)
    context.close()
