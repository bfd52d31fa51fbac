"""A merchant in a real browser: imports a reviews file with a seeded spike, watches the reviews classified,
reads the insights chart, sees the spike alert, drafts a reply to a complaint and approves it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.jobs.models import Job
from apps.reviews.models import ReplyDraft, Review, ReviewSettings, SpikeAlert
from apps.reviews.tasks import classify_new_task, detect_spikes_task
from tests.catalog.helpers import run_job

from .helpers import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _reviews_csv() -> str:
    """35 days of reviews: a calm baseline, then a week of zipper complaints about one jacket."""
    now = timezone.now()
    lines = ["sku,rating,review,date,source,review id"]
    number = 0
    for day in range(34, -1, -1):
        spike = day < 7
        for index in range(5 if spike else 3):
            when = (now - timedelta(days=day, hours=2, minutes=index)).strftime("%Y-%m-%d %H:%M")
            number += 1
            if spike and index < 4:
                text, rating = "The zipper broke after two days, terrible quality.", 1
            elif index % 3 == 2:
                text, rating = "面料很好，穿着很舒服，很喜欢。", 5
            else:
                text, rating = "Great jacket, I love the fabric.", 5
            lines.append(f'JACKET-1,{rating},"{text}",{when},shop,{number}')
            lines.append(f"MUG-2,5,Good mug and great glaze,{when},shop,m{number}")
    lines.append(lines[1])  # the same review twice: skipped and counted
    lines.append("MUG-2,9,Rating out of range,2024-01-01,shop,bad1")
    lines.append("MUG-2,4,,2024-01-01,shop,bad2")
    return "\n".join(lines) + "\n"


def test_import_classify_insights_alert_and_approve_a_reply(
    page: Any,
    live_server: Any,
    owner: Any,
    store: Any,
    fake_inference: Any,
    sent_tasks: Any,
    tmp_path: Any,
    settings: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    ReviewSettings.objects.create(store=store, policy_text="Returns accepted within 30 days of delivery.")
    fake_inference.writer = lambda prompt, index: (
        " We are sorry the zipper broke so soon. Returns are accepted within 30 days of delivery."
        if "zipper" in prompt.splitlines()[-2]
        else " Thank you for your review."
    )
    reviews_file = tmp_path / "reviews.csv"
    reviews_file.write_text(_reviews_csv(), encoding="utf-8")
    log_in(page, live_server, owner.username)
    page.wait_for_url(re.compile(rf"/s/{store.pk}/$"))

    # The store's navigation leads to the reviews; upload, preview, import.
    page.click("nav.sidebar >> text=Reviews & sentiment")
    page.click("text=Upload reviews")
    page.set_input_files("input[type=file]", str(reviews_file))
    with page.expect_navigation():
        page.click("text=Upload and preview")
    with page.expect_navigation():
        page.click("button:has-text('Import')")
    run_job(Job.objects.get(store=store, kind="imports.rows"))
    page.reload()
    body = page.locator("main").inner_text()
    assert "2 with errors" in body and "1 duplicates skipped" in body
    assert Review.objects.filter(store=store).count() == 2 * (28 * 3 + 7 * 5)

    # New reviews were queued for classification: one job, followed live on the job page.
    for _name, args, _queue in [task for task in sent_tasks if task[0] == "reviews.classify_new"]:
        classify_new_task(*args)
    job = Job.objects.get(store=store, kind="reviews.classify")
    page.goto(f"{live_server.url}/s/{store.pk}/jobs/{job.pk}/")
    run_job(job)
    page.wait_for_function(
        "document.querySelector('#job-progress .status').textContent.includes('Succeeded')"
    )
    assert not Review.objects.filter(store=store, sentiment="").exists()
    for _name, args, _queue in [task for task in sent_tasks if task[0] == "reviews.detect_spikes"]:
        detect_spikes_task(*args)
    alert = SpikeAlert.objects.get(store=store, scope="product")
    assert alert.key == "JACKET-1"

    # Insights: the chart is drawn, the complaint and the alert are there.
    page.goto(f"{live_server.url}/s/{store.pk}/reviews/insights/")
    page.wait_for_function("document.getElementById('sentiment-chart').dataset.rendered > 0")
    text = page.locator("main").inner_text()
    assert "JACKET-1" in text and "Most complained about" in text and "quality" in text
    assert page.locator(".alert-item", has_text="JACKET-1").count() == 1

    # From a complaint to its reply: draft, read, approve.
    with page.expect_navigation():
        page.locator(".card", has_text="Most complained about").locator("li a").first.click()
    assert "zipper" in page.locator(".review-text").inner_text()
    with page.expect_navigation():
        page.click("text=Draft a reply")
    assert "within 30 days" in page.locator("textarea[name=text]").input_value()
    with page.expect_navigation():
        page.click("button[value=approved]")
    assert "Reply approved." in page.locator("#toasts").inner_text()
    assert ReplyDraft.objects.get(store=store).status == "approved"


def test_the_insights_chart_draws_under_the_content_security_policy(
    browser: Any, live_server: Any, owner: Any, store: Any
) -> None:
    from tests.reviews.helpers import make_review

    for day in range(5):
        for sentiment in ("positive", "negative", "neutral"):
            make_review(
                store,
                f"{sentiment} {day}",
                sentiment=sentiment,
                reviewed_at=timezone.now() - timedelta(days=day),
            )
    context = browser.new_context(locale="en-US")  # enforces the policy (conftest's page bypasses it)
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security" in message.text else None,
    )
    log_in(page, live_server, owner.username)
    page.wait_for_url(re.compile(rf"/s/{store.pk}/$"))
    response = page.goto(f"{live_server.url}/s/{store.pk}/reviews/insights/")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector("#sentiment-chart[data-rendered='5']")
    assert page.evaluate("Chart.getChart('sentiment-chart').data.datasets.length") == 3
    assert violations == []
    context.close()
