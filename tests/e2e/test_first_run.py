"""A new user's first run, in a real browser: the seeded demo stores, every module's main page, both
languages, a phone's width, the keyboard, and axe-core finding no serious accessibility violation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command

from apps.accounts.models import Store
from apps.jobs.models import Job
from apps.reviews.tasks import classify_new_task
from tests.catalog.helpers import run_job

from .accessibility import axe_violations, describe

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "first-run-password"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Each module's main pages, with what a new user should find there from the demo data.
PAGES = [
    ("catalog/", "NW-KETL-GS"),
    ("catalog/products/{product}/", "Gooseneck Electric Kettle"),
    ("reviews/", "tracking has not updated"),
    ("reviews/insights/", "Sentiment by aspect"),
    ("support/", "Waiting for a person"),
    ("support/knowledge/", "Returns and refunds policy"),
    ("support/orders/", "NW-10248"),
    ("marketing/", "Autumn trail sale"),
    ("marketing/campaigns/{campaign}/", "wins"),
    ("jobs/", "Items finished per"),
]


@pytest.fixture
def demo(sent_tasks: Any, fake_inference: Any) -> dict[str, Store]:
    """`make run`'s first step, then the workers' share (classification, indexing) on the fake model."""
    call_command("demo_seed", "--password", PASSWORD)
    stores = {
        store.default_language: store for store in Store.objects.filter(memberships__user__username="demo")
    }
    for _name, args, _queue in [task for task in sent_tasks if task[0] == "reviews.classify_new"]:
        classify_new_task(*args)
    for job in Job.objects.filter(status__in=Job.ACTIVE_STATUSES):
        run_job(job)
    return stores


def _assert_accessible(page: Any, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{where}:\n{describe(violations)}"


def _no_horizontal_overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def _log_in(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/login/")
    _assert_accessible(page, "login")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def _page_paths(store: Store) -> list[tuple[str, str]]:
    product = (
        store.products.get(sku="NW-KETL-GS") if store.default_language == "en" else store.products.first()
    )
    campaign = store.campaigns.get()
    assert product is not None
    return [
        (f"/s/{store.pk}/" + path.format(product=product.pk, campaign=campaign.pk), text)
        for path, text in PAGES
    ]


def test_first_run_sign_in_demo_data_and_every_module(
    page: Any, live_server: Any, demo: dict[str, Store]
) -> None:
    english = demo["en"]
    page.set_viewport_size(DESKTOP)
    _log_in(page, live_server)
    page.wait_for_url(re.compile(rf"/s/{english.pk}/$"))
    # The home page: each module with its state and its next step, from the demo data.
    cards = page.locator(".modules .module")
    assert cards.count() == 4
    overview = page.locator("main").inner_text()
    assert "26 products" in overview and "123 reviews" in overview and "not installed" not in overview.lower()
    assert page.locator(".module-support .badge").inner_text() == "Needs you"
    assert page.locator(".module .next-step a").count() == 4
    page.wait_for_selector("#home-sentiment-chart[data-rendered]")
    _assert_accessible(page, "overview")

    for path, text in _page_paths(english):
        page.goto(f"{live_server.url}{path}")
        assert text in page.locator("main").inner_text(), path
        assert _no_horizontal_overflow(page) <= 0, path
        _assert_accessible(page, path)

    # Charts are drawn, in the page's language, with their numbers as a table beside them.
    page.goto(f"{live_server.url}/s/{english.pk}/reviews/insights/")
    page.wait_for_selector("#sentiment-chart[data-rendered]")
    page.wait_for_selector("#aspect-chart[data-rendered]")
    assert int(page.get_attribute("#sentiment-chart", "data-rendered")) > 10
    assert page.locator("#sentiment-chart-figure details table tbody tr").count() > 10


def test_language_switch_and_the_chinese_store(page: Any, live_server: Any, demo: dict[str, Store]) -> None:
    chinese = demo["zh"]
    _log_in(page, live_server)
    page.wait_for_url(re.compile(r"/s/\d+/$"))
    with page.expect_navigation():
        page.select_option("select[name=language]", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    with page.expect_navigation():
        page.select_option("#store-select", str(chinese.pk))
    assert page.locator("h1").inner_text() == "青木生活馆"
    assert "商品目录与描述" in page.locator(".modules").inner_text()
    assert "26 个商品" in page.locator(".module-catalog").inner_text()
    _assert_accessible(page, "zh overview")
    page.goto(f"{live_server.url}/s/{chinese.pk}/catalog/")
    assert "明前西湖龙井 250克" in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/s/{chinese.pk}/reviews/insights/")
    page.wait_for_selector("#sentiment-chart[data-rendered]")
    # The axis speaks Chinese: Chart.js draws the labels charts.js formatted for the page's language.
    labels = page.evaluate("Chart.getChart('sentiment-chart').data.labels")
    assert all("月" in label for label in labels)
    _assert_accessible(page, "zh insights")


def test_phone_width_collapsing_navigation_and_scrolling_tables(
    page: Any, live_server: Any, demo: dict[str, Store]
) -> None:
    english = demo["en"]
    page.set_viewport_size(PHONE)
    _log_in(page, live_server)
    page.wait_for_url(re.compile(rf"/s/{english.pk}/$"))
    sidebar, toggle = page.locator("#sidebar"), page.locator(".nav-toggle")
    assert not sidebar.is_visible() and toggle.is_visible()
    toggle.click()
    assert sidebar.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    assert not sidebar.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert _no_horizontal_overflow(page) <= 0
    _assert_accessible(page, "phone overview")
    for path, text in _page_paths(english):
        page.goto(f"{live_server.url}{path}")
        assert text in page.locator("main").inner_text(), path
        assert _no_horizontal_overflow(page) <= 0, path
        _assert_accessible(page, f"phone {path}")
    # A wide table scrolls inside its own box, and takes keyboard focus to do so.
    page.goto(f"{live_server.url}/s/{english.pk}/catalog/")
    table = page.locator("main table").first
    assert table.evaluate("t => t.scrollWidth > t.clientWidth") and table.get_attribute("tabindex") == "0"
    # Through the sidebar by keyboard: the Menu button, then the module links.
    toggle.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.closest('#sidebar') !== null")


def test_keyboard_skip_link_and_visible_focus(page: Any, live_server: Any, demo: dict[str, Store]) -> None:
    _log_in(page, live_server)
    page.wait_for_url(re.compile(r"/s/\d+/$"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    # The next Tab stop is inside the main content: a module's link.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
