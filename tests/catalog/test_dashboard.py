"""Catalog dashboard pages, used as an ops person and a merchant would."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from apps.accounts.actor import Actor
from apps.accounts.models import Role
from apps.catalog.models import Description, Product
from apps.catalog.services import products
from apps.imports import services as import_services
from apps.imports.models import DataImport
from apps.jobs.models import Job
from tests.factories import MembershipFactory, UserFactory

from .helpers import run_job, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def client_for(store: Any) -> Any:
    def make(role: str = Role.OWNER) -> Client:
        user = UserFactory()
        MembershipFactory(user=user, store=store, role=role)
        client = Client()
        client.force_login(user)
        return client

    return make


def test_catalog_is_installed_in_the_sidebar_and_lists_products_escaped(client_for: Any, store: Any) -> None:
    products.product_create(store=store, actor=Actor.system(), sku="H1", title="<script>alert(1)</script>")
    page = client_for().get(f"/s/{store.pk}/catalog/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'href="/s/{store.pk}/catalog/"' in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_ops_flow_upload_map_import_errors_generate_review_export(
    client_for: Any, store: Any, catalog_fake: Any
) -> None:
    client = client_for()
    messy = (
        "货号,商品名称,售价,材质,颜色\n"
        "Z1,纯棉T恤,￥59,纯棉,白色\n"
        "Z2,,10,,\n"
        "Z1,重复行,20,,\n"
        "Z3,羊毛围巾,199,羊毛,灰色\n"
    ).encode("gb18030")
    response = client.post(f"/s/{store.pk}/catalog/imports/", {"file": upload("目录.csv", messy)})
    catalog_import = DataImport.objects.get(store=store, target="catalog.products")
    assert (
        response.status_code == 302 and response.url == f"/s/{store.pk}/catalog/imports/{catalog_import.pk}/"
    )
    preview = client.get(response.url).content.decode()
    assert "纯棉T恤" in preview and 'name="map-0"' in preview

    mapping = {"map-0": "sku", "map-1": "title", "map-2": "price", "map-3": "attribute", "map-4": "attribute"}
    client.post(response.url, mapping)
    catalog_import.refresh_from_db()
    run_job(catalog_import.job)  # type: ignore[arg-type]
    page = client.get(response.url).content.decode()
    assert "Required; the cell is empty." in page and "Duplicate SKU" in page
    assert f"/s/{store.pk}/jobs/{catalog_import.job_id}/" in page
    assert Product.objects.filter(store=store).count() == 2
    errors = client.get(f"/s/{store.pk}/catalog/imports/{catalog_import.pk}/errors.csv")
    assert "Duplicate SKU" in b"".join(errors.streaming_content).decode("utf-8-sig")

    selected = list(Product.objects.filter(store=store).order_by("sku"))
    response = client.post(
        f"/s/{store.pk}/catalog/describe/",
        {
            "product": [p.pk for p in selected],
            "scope": "selected",
            "tone": "neutral",
            "target_length": 20,
            "format": "paragraph",
            "batch_size": 8,
        },
    )
    assert response.status_code == 302 and "/jobs/" in response.url
    job_id = int(response.url.rstrip("/").split("/")[-1])
    run_job(job_id)
    assert "100.0%" in client.get(response.url).content.decode()

    queue = client.get(f"/s/{store.pk}/catalog/review/").content.decode()
    assert "纯棉T恤" in queue
    description = Description.objects.get(product=selected[0])
    client.post(
        f"/s/{store.pk}/catalog/descriptions/{description.pk}/review/",
        {"action": "approve", "next": "review", "version": 1},
    )
    description.refresh_from_db()
    assert description.status == "approved"

    export = client.get(f"/s/{store.pk}/catalog/export/?file=csv")
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert description.approved_version.text in text  # type: ignore[union-attr]
    assert len(text.strip().splitlines()) == 3


def test_merchant_generates_one_product_streamed_then_edits_approves_and_diffs(
    client_for: Any, store: Any, catalog_fake: Any
) -> None:
    client = client_for()
    response = client.post(
        f"/s/{store.pk}/catalog/products/new/",
        {
            "sku": "M1",
            "title": "Linen shirt",
            "brand": "Acme",
            "language": "en",
            "status": "active",
            "attributes": "material: linen\ncolour: white",
            "currency": "USD",
            "price": "39",
        },
    )
    product = Product.objects.get(store=store, sku="M1")
    assert response.status_code == 302 and product.attributes == {"material": "linen", "colour": "white"}

    stream = client.post(
        f"/s/{store.pk}/catalog/products/{product.pk}/describe/",
        {"tone": "friendly", "target_length": 20, "format": "paragraph", "seo_keywords": "linen"},
    )
    events = [json.loads(line) for line in b"".join(stream.streaming_content).decode().splitlines()]
    assert events[0]["delta"] and events[-1]["version"] == 1
    page = client.get(f"/s/{store.pk}/catalog/products/{product.pk}/").content.decode()
    assert "No grounding issues found." in page and "Other candidates" in page

    description = Description.objects.get(product=product)
    client.post(
        f"/s/{store.pk}/catalog/descriptions/{description.pk}/review/",
        {"action": "approve", "version": 1, "text": events[-1]["text"] + " The best shirt."},
    )
    description.refresh_from_db()
    assert description.approved_version.number == 2  # type: ignore[union-attr]
    # An edit is checked like a draft: the reviewer sees the claim they added.
    assert [flag["code"] for flag in description.approved_version.flags] == ["superlative"]  # type: ignore[union-attr]
    diff = client.get(
        f"/s/{store.pk}/catalog/descriptions/{description.pk}/diff/?from=1&to=2"
    ).content.decode()
    assert "<ins> The best shirt.</ins>" in diff


def test_other_stores_pages_are_404_and_viewers_cannot_write(
    client_for: Any, store: Any, other_store: Any
) -> None:
    product = products.product_create(store=other_store, actor=Actor.system(), sku="O1", title="Theirs")
    client = client_for()
    assert client.get(f"/s/{other_store.pk}/catalog/").status_code == 404
    assert client.get(f"/s/{store.pk}/catalog/products/{product.pk}/").status_code == 404
    assert client.post(f"/s/{store.pk}/catalog/products/{product.pk}/delete/").status_code == 404
    viewer = client_for(Role.VIEWER)
    assert viewer.get(f"/s/{store.pk}/catalog/products/new/").status_code == 403
    assert viewer.post(f"/s/{store.pk}/catalog/describe/", {}).status_code == 403


def test_pages_render_in_chinese(client_for: Any, store: Any) -> None:
    client = client_for()
    for url in (
        "catalog/",
        "catalog/imports/",
        "catalog/review/",
        "catalog/brand-voices/",
        "catalog/products/new/",
    ):
        response = client.get(f"/s/{store.pk}/{url}", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url
    listing = client.get(f"/s/{store.pk}/catalog/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "批量生成文案" in listing and "导出 CSV" in listing
    imports = client.get(f"/s/{store.pk}/catalog/imports/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "上传并预览" in imports and "按货号匹配商品" in imports
    assert "Upload and preview" in client.get(f"/s/{store.pk}/catalog/imports/").content.decode()


def test_an_import_being_validated_polls_until_it_is_done(client_for: Any, store: Any) -> None:
    catalog_import = import_services.import_create(
        store=store,
        target="catalog.products",
        upload=upload("v.csv", "SKU,Title\nV1,One\n"),
        actor=Actor.system(),
    )
    DataImport.objects.filter(pk=catalog_import.pk).update(status="validating")
    page = client_for().get(f"/s/{store.pk}/catalog/imports/{catalog_import.pk}/").content.decode()
    assert "Validating every row" in page and 'hx-trigger="every 2s"' in page


def test_bulk_describe_ignores_ticked_values_that_are_not_product_ids(client_for: Any, store: Any) -> None:
    client = client_for()
    for junk in ("²", "9" * 30, "abc"):
        response = client.post(
            f"/s/{store.pk}/catalog/describe/",
            {"product": [junk], "tone": "neutral", "target_length": 80, "format": "paragraph"},
        )
        assert response.status_code == 302, junk  # back to the list with "no products match"
        assert response.url == f"/s/{store.pk}/catalog/", junk
    assert not Job.objects.filter(store=store).exists()


def test_reviewer_sees_invented_spans_and_must_confirm_to_approve_them(
    client_for: Any, store: Any, other_store: Any, catalog_fake: Any
) -> None:
    from apps.catalog.services import descriptions, drafting

    from .helpers import describe_options

    product = products.product_create(
        store=store,
        actor=Actor.system(),
        sku="S1",
        title="Linen shirt",
        brand="Acme",
        attributes={"material": "linen"},
    )
    version = drafting.description_generate(
        product=product, actor=Actor.system(), options=describe_options(store)
    )
    edited = descriptions.description_review(
        description=version.description,
        actor=Actor.system(),
        action="reject",
        text="The Acme linen shirt <glows> in the dark. A lovely shirt.",
    )
    assert [span["text"] for span in edited.invented_spans] == ["glows", "dark"]
    client = client_for()
    for url in (f"/s/{store.pk}/catalog/products/{product.pk}/", f"/s/{store.pk}/catalog/review/"):
        page = client.get(url).content.decode()
        # Escaped text, each span a focusable mark with its reason on hover (title) and focus (data-reason).
        assert '&lt;<mark class="span span-invented" tabindex="0"' in page and ">glows</mark>&gt;" in page
        assert 'data-reason="“glows” is not in the product&#x27;s facts."' in page
        assert '<mark class="span span-puffery"' in page and ">lovely</mark>" in page
        assert 'name="confirm_invented"' in page and "data-invented=" in page
        assert "<script>" not in page.split("<main")[1]  # no inline script: the CSP allows files only
        # A Chinese reviewer reads the same reasons in Chinese.
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert 'data-reason="“glows”不在商品的事实信息中。"' in page
    review = f"/s/{store.pk}/catalog/descriptions/{version.description.pk}/review/"
    response = client.post(review, {"action": "approve", "version": edited.number}, follow=True)
    assert "invented span" in response.content.decode()
    edited.refresh_from_db()
    assert edited.status == "draft"
    client.post(review, {"action": "approve", "version": edited.number, "confirm_invented": "1"})
    edited.refresh_from_db()
    assert edited.status == "approved"
    # Another store's reviewer cannot reach the description.
    outsider = Client()
    user = UserFactory()
    MembershipFactory(user=user, store=other_store, role=Role.OWNER)
    outsider.force_login(user)
    assert (
        outsider.post(
            review.replace(f"/s/{store.pk}/", f"/s/{other_store.pk}/"), {"action": "approve"}
        ).status_code
        == 404
    )
