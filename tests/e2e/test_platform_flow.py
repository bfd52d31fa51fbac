"""An ops person in a real browser uploads the product CSV their Shopify shop exported, sees a product
with its three variants without touching the mapping, drafts and approves a description, and downloads
the file Shopify imports."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from apps.catalog.models import Product
from apps.jobs.models import Job
from tests.catalog.helpers import run_job

from .helpers import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOPIFY_FILE = Path(__file__).parents[1] / "data" / "platforms" / "shopify_products.csv"


def test_shopify_file_in_variants_drafted_approved_and_shopify_file_out(
    page: Any, live_server: Any, owner: Any, store: Any, catalog_fake: Any
) -> None:
    log_in(page, live_server, owner.username)
    page.wait_for_url(re.compile(rf"/s/{store.pk}/$"))

    page.goto(f"{live_server.url}/s/{store.pk}/catalog/imports/")
    page.set_input_files("input[type=file]", str(SHOPIFY_FILE))
    with page.expect_navigation():
        page.click("text=Upload and preview")
    # The format is recognised and shown; the mapping needs no hand.
    assert page.locator("select[name=profile]").input_value() == "shopify"
    assert "Shopify product CSV (detected)" in page.locator("select[name=profile]").inner_text()
    assert page.locator("select[aria-label='Variant SKU']").input_value() == "variant_sku"
    assert page.locator("select[aria-label='Published']").input_value() == "platform"
    with page.expect_navigation():
        page.click("button:has-text('Import')")
    run_job(Job.objects.get(store=store, kind="imports.rows"))
    page.reload()
    body = page.locator("main").inner_text()
    assert "9 rows: 7 valid, 2 with errors." in body and "twenty-nine" in body

    # One product, three variants.
    socks = Product.objects.get(store=store, sku="merino-hiking-socks")
    page.goto(f"{live_server.url}/s/{store.pk}/catalog/")
    row = page.locator("tr", has_text="merino-hiking-socks")
    assert row.locator("td").nth(6).inner_text() == "3"
    page.goto(f"{live_server.url}/s/{store.pk}/catalog/products/{socks.pk}/")
    assert page.locator("#variants tbody tr").count() == 3
    assert page.locator("#variants tbody tr").nth(2).inner_text().split("\t")[:2] == ["L", "TK-MHS-L"]
    assert "Reinforced heel and toe" in page.locator("#published-text").inner_text()

    # Draft (streamed into the page), approve.
    with page.expect_navigation():
        page.click("#describe-form button[type=submit]")
    draft = page.locator("textarea[name=text]").first.input_value()
    assert "Merino Hiking Socks" in draft and "Published" not in draft
    with page.expect_navigation():
        page.click("button[value=approve]")

    # Download the Shopify file from the catalog page.
    page.goto(f"{live_server.url}/s/{store.pk}/catalog/")
    href = page.locator("#export-shopify").get_attribute("href")
    exported = page.request.get(f"{live_server.url}{href}")
    assert exported.status == 200
    rows = list(csv.DictReader(io.StringIO(exported.body().decode("utf-8"))))
    assert [row["Handle"] for row in rows] == ["merino-hiking-socks"]
    assert rows[0]["Body (HTML)"].startswith("<p>")
    assert rows[0]["SEO Title"] == "Merino hiking socks | Trailknit"
    assert "Merino Hiking Socks" in rows[0]["Body (HTML)"]
