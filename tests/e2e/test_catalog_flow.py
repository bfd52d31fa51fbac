"""An ops person in a real browser: uploads a messy GB18030 catalog, sees the per-row errors, drafts
descriptions for the good rows in bulk with a live progress bar, approves one and exports it."""

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

MESSY_CATALOG = Path(__file__).parents[1] / "data" / "messy_catalog_gb18030.csv"


def test_upload_errors_bulk_generate_approve_and_export(
    page: Any, live_server: Any, owner: Any, store: Any, catalog_fake: Any
) -> None:
    log_in(page, live_server, owner.username)
    page.wait_for_url(re.compile(rf"/s/{store.pk}/$"))

    # Upload: the preview shows the detected encoding and the auto-mapped Chinese headers.
    page.goto(f"{live_server.url}/s/{store.pk}/catalog/imports/")
    page.set_input_files("input[type=file]", str(MESSY_CATALOG))
    with page.expect_navigation():
        page.click("text=Upload and preview")
    assert re.search(r"gb(k|18030)", page.content(), re.IGNORECASE)
    assert page.locator("select[aria-label='货号']").input_value() == "sku"
    with page.expect_navigation():
        page.click("button:has-text('Import')")

    job = Job.objects.get(store=store, kind="imports.rows")
    run_job(job)
    page.wait_for_function(
        "document.querySelector('#job-progress .status').textContent.includes('Succeeded')"
    )
    page.reload()
    body = page.locator("main").inner_text()
    assert "10 rows: 5 valid, 5 with errors." in body
    for column in ["商品名称", "售价", "图片"]:
        assert column in body
    errors_csv = page.request.get(
        page.locator("a[href$='errors.csv']")
        .first.get_attribute("href")
        .replace("/", f"{live_server.url}/", 1)
    )
    assert errors_csv.status == 200 and errors_csv.text().count("\n") >= 6
    assert Product.objects.filter(store=store).count() == 5

    # Bulk generation for every product, followed live on the job page.
    page.goto(f"{live_server.url}/s/{store.pk}/catalog/")
    page.click("text=Generate descriptions in bulk")
    page.check("input[name=scope][value=all]")
    with page.expect_navigation():
        page.click("text=Start generating")
    describe_job = Job.objects.get(store=store, kind="catalog.describe")
    assert page.url.endswith(f"/jobs/{describe_job.pk}/")
    describe_job = run_job(describe_job)
    page.wait_for_function("document.querySelector('#job-progress progress').value == 100")
    assert (describe_job.status, describe_job.failed_count) == (Job.Status.SUCCEEDED, 0)
    assert Product.objects.filter(store=store, descriptions__isnull=False).distinct().count() == 5

    # Review: the kept draft is the grounded candidate; approve it.
    product = Product.objects.get(store=store, sku="CN-001")
    page.goto(f"{live_server.url}/s/{store.pk}/catalog/products/{product.pk}/")
    draft = page.locator("textarea[name=text]").first.input_value()
    assert "纯棉圆领T恤" in draft and "真皮" not in draft
    with page.expect_navigation():
        page.click("button[value=approve]")
    assert "Publish" in page.locator("main").inner_text()

    # Export: only approved text leaves the building.
    exported = page.request.get(f"{live_server.url}/s/{store.pk}/catalog/export/")
    assert exported.status == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = {row["sku"]: row for row in csv.DictReader(io.StringIO(exported.body().decode("utf-8-sig")))}
    assert rows["CN-001"]["description_zh"] == draft.strip()
    assert [sku for sku, row in rows.items() if row["description_zh"] or row["description_en"]] == ["CN-001"]


def test_a_merchant_drafts_one_description_streamed_into_the_page(
    page: Any, live_server: Any, owner: Any, store: Any, catalog_fake: Any
) -> None:
    product = Product.objects.create(
        store=store,
        sku="MUG-1",
        title="Stoneware mug",
        category="Kitchen",
        language="en",
        attributes={"material": "stoneware", "capacity": "350 ml", "colour": "sage green"},
    )
    log_in(page, live_server, owner.username)
    page.wait_for_url(re.compile(rf"/s/{store.pk}/$"))

    page.goto(f"{live_server.url}/s/{store.pk}/catalog/products/{product.pk}/")
    with page.expect_navigation():  # the page reloads once the draft is saved
        page.click("#describe-form button[type=submit]")
    draft = page.locator("textarea[name=text]").first.input_value()
    assert "Stoneware mug" in draft and "350 ml" in draft
    assert "leather" not in draft  # the candidate with invented claims was not kept
    assert product.descriptions.count() == 1
