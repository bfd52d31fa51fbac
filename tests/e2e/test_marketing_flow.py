"""A merchant in a real browser: a campaign for a promotion, five SMS and five e-mail subject variants in
Chinese, two approved and exported, then results recorded for an A/B pair and the winner shown."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from apps.accounts.actor import Actor
from apps.catalog.services import products
from apps.marketing.models import Campaign, Variant
from tests.marketing.conftest import copy_fake  # noqa: F401  (the fixture)

from .helpers import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _ask(page: Any, channel: str, product_id: int) -> None:
    if page.locator("#new-request[open]").count() == 0:
        page.click("#new-request summary")
    page.select_option("#request-form select[name=channel]", channel)
    page.select_option("#request-form select[name=language]", "zh")
    page.select_option("#request-form select[name=goal]", "sales")
    page.select_option("#request-form select[name=products]", [str(product_id)])
    page.fill("#request-form input[name=discount_percent]", "30")
    page.fill("#request-form input[name=starts]", "2026-12-01")
    page.fill("#request-form input[name=ends]", "2026-12-12")
    page.fill("#request-form input[name=code]", "XMAS30")
    page.fill("#request-form input[name=variant_count]", "5")
    with page.expect_navigation():
        page.click("#request-form button[type=submit]")


def test_campaign_for_a_promotion_variants_approval_export_and_ab_results(
    page: Any,
    live_server: Any,
    owner: Any,
    store: Any,
    copy_fake: Any,  # noqa: F811
) -> None:
    tee = products.product_create(
        store=store,
        actor=Actor.system(),
        sku="TEE-1",
        title="纯棉T恤",
        brand="北原",
        category="T恤",
        language="zh",
        attributes={"材质": "纯棉"},
    )
    log_in(page, live_server, owner.username)
    page.wait_for_url(re.compile(rf"/s/{store.pk}/$"))

    # The module is in the store navigation.
    with page.expect_navigation():
        page.click("nav.sidebar >> text=Marketing copy")
    page.fill("input[name=name]", "双十二大促")
    with page.expect_navigation():
        page.click("#campaign-form button[type=submit]")
    campaign = Campaign.objects.get(store=store)
    assert page.url.endswith(f"/marketing/campaigns/{campaign.pk}/")

    _ask(page, "sms", tee.pk)
    _ask(page, "email_subject", tee.pk)
    sms = list(Variant.objects.filter(request__campaign=campaign, request__channel="sms"))
    subjects = list(Variant.objects.filter(request__campaign=campaign, request__channel="email_subject"))
    assert (len(sms), len(subjects)) == (5, 5)
    body = page.locator("main").inner_text()
    assert body.count("回T退订") >= 5 and "UCS-2" in body
    for variant in sms + subjects:
        assert variant.measure["fits"] and not variant.blocking
        assert "最" not in variant.text and page.locator(f"#variant-{variant.pk}").count() == 1

    # Approve two: one SMS, one subject.
    for variant in (sms[0], subjects[0]):
        with page.expect_navigation():
            page.click(f"#variant-{variant.pk} button[value=approve]")
        assert page.locator(f"#variant-{variant.pk} .variant-status").inner_text() == "Approved"

    # Export them: exactly the two approved texts.
    href = page.locator("#export-approved").get_attribute("href")
    exported = page.request.get(f"{live_server.url}{href}")
    assert exported.status == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.body().decode("utf-8-sig"))))
    assert sorted((row["channel"], row["text"]) for row in rows) == sorted(
        [("sms", sms[0].text), ("email_subject", subjects[0].text)]
    )

    # Pair two subjects as an A/B test and record their results.
    page.select_option("#ab-form select[name=variant_a]", str(subjects[0].pk))
    page.select_option("#ab-form select[name=variant_b]", str(subjects[1].pk))
    page.select_option("#ab-form select[name=metric]", "conversion")
    with page.expect_navigation():
        page.click("#ab-form button[type=submit]")
    for label, (impressions, clicks, conversions) in (("A", (2000, 160, 40)), ("B", (2000, 210, 90))):
        row = page.locator(f"tr.ab-row-{label}")
        row.locator("input[name=impressions]").fill(str(impressions))
        row.locator("input[name=clicks]").fill(str(clicks))
        row.locator("input[name=conversions]").fill(str(conversions))
        with page.expect_navigation():
            row.locator("button[type=submit]").click()
    verdict = page.locator(".verdict").inner_text()
    assert f"Variant B (#{subjects[1].pk}) wins" in verdict
    assert Variant.objects.get(pk=subjects[1].pk).conversions == 90
    # The chart is drawn by Chart.js from the vendored file (a script file, allowed by the CSP).
    page.wait_for_function(
        "window.Chart !== undefined && Chart.getChart(document.querySelector('canvas.ab-chart'))"
    )
