"""The Content-Security-Policy in a real browser: the pages work under it and nothing is refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from apps.catalog.models import Product

from .helpers import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page that enforces the Content-Security-Policy (conftest's page bypasses it)."""
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_pages_and_api_docs_run_under_the_policy_without_a_violation(
    page: Any, live_server: Any, owner: Any, store: Any
) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    product = Product.objects.create(store=store, sku="CSP-1", title="Teapot", attributes={"colour": "blue"})
    log_in(page, live_server, owner.username)
    page.wait_for_url(re.compile(rf"/s/{store.pk}/$"))
    # The store switcher and the language select work from static/js/ecomai.js.
    with page.expect_navigation():
        page.select_option("select[name=language]", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")

    for path in [
        f"/s/{store.pk}/catalog/products/{product.pk}/",
        f"/s/{store.pk}/members/",
        f"/s/{store.pk}/jobs/",
        "/tokens/",
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]

    # Swagger UI from the installed package, its start-up script from a URL, the token scheme offered.
    page.goto(f"{live_server.url}/api/docs/")
    # Recent Swagger UI keeps only the operations in view in the page: scroll through it and count
    # every operation seen (polled from here: the policy rightly refuses the string evaluation that
    # wait_for_function uses).
    page.wait_for_selector(".opblock", timeout=30_000)
    seen: set[str] = set()
    for _ in range(400):
        seen.update(page.locator(".opblock .opblock-summary").all_inner_texts())
        if len(seen) > 40:
            break
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(100)
    assert len(seen) > 40
    assert page.locator("button.authorize").count() == 1
    assert violations == []
    page.goto(f"{live_server.url}/api/redoc/")
    page.wait_for_selector("[data-section-id]", timeout=30_000)
    # Redoc's sidebar asks for its vendor's logo from a CDN: the policy keeps that request from leaving.
    assert [text for text in violations if "cdn.redoc.ly" not in text] == []
