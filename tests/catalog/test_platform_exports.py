"""The way back: approved descriptions in each platform's own import format, read back the same."""

from __future__ import annotations

import csv
import io
from typing import Any
from xml.etree import ElementTree

import pytest
from django.test import Client

from apps.accounts.actor import Actor
from apps.accounts.models import Role
from apps.catalog.models import Product
from apps.catalog.services import descriptions, drafting
from apps.catalog.services import products as product_services
from apps.catalog.services.drafting import description_prompt
from apps.catalog.text.html import sanitize_html
from tests.factories import MembershipFactory, UserFactory

from .helpers import describe_options
from .test_platform_imports import import_file, run_import

pytestmark = pytest.mark.django_db

SHOPIFY_HEADER = [
    "Handle",
    "Title",
    "Body (HTML)",
    "SEO Title",
    "SEO Description",
    *(f"Option{n} {part}" for n in (1, 2, 3) for part in ("Name", "Value")),
    "Variant SKU",
]
HOSTILE = 'Soft & warm <script>alert("x")</script> socks =SUM(A1)\n\n- Merino "wool"\n- Reinforced heel 😀'


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"


def approve(store: Any, product: Product, text: str) -> None:
    version = drafting.description_generate(
        product=product, actor=Actor.system(), options=describe_options(store, language=product.language)
    )
    descriptions.description_review(
        description=version.description,
        actor=Actor.system(),
        action="approve",
        text=text,
        confirm_invented=True,  # the texts here test escaping, not grounding
    )


def download(api_client: Any, store: Any, platform: str) -> bytes:
    response = api_client.get(f"/api/v1/stores/{store.pk}/catalog/export/{platform}/")
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def well_formed(markup: str) -> None:
    # Raises on a stray or unclosed tag; the markup is our own export, not untrusted input.
    ElementTree.fromstring(f"<div>{markup.replace('<br>', '<br/>')}</div>")  # noqa: S314


def test_shopify_round_trip_gives_the_same_handles_and_bodies(
    api_client: Any, store: Any, other_store: Any, catalog_fake: Any
) -> None:
    run_import(import_file(store, "shopify_products.csv"))
    socks = Product.objects.get(store=store, sku="merino-hiking-socks")
    tote = Product.objects.get(store=store, sku="canvas-tote")
    approve(store, socks, HOSTILE)
    approve(store, tote, "A tote of heavy cotton canvas.")
    drafting.description_generate(  # a draft never leaves
        product=Product.objects.get(store=store, sku="trail-tee"),
        actor=Actor.system(),
        options=describe_options(store),
    )

    exported = download(api_client, store, "shopify")
    text = exported.decode("utf-8")
    assert not text.startswith("\ufeff")
    all_rows = list(csv.DictReader(io.StringIO(text)))
    assert list(all_rows[0]) == SHOPIFY_HEADER
    # A row per variant with its options, or Shopify would replace the variants by a default one.
    assert [
        (row["Handle"], row["Option1 Name"], row["Option1 Value"], row["Variant SKU"]) for row in all_rows
    ] == [
        (
            "merino-hiking-socks",
            "Size",
            "S",
            "TK-MERINO-HIKING-SOCK-CHARCOAL-SMALL-EU-35-38-2024-EDITION-RECYCLED",
        ),
        ("merino-hiking-socks", "", "M", "TK-MHS-M"),
        ("merino-hiking-socks", "", "L", "TK-MHS-L"),
        ("canvas-tote", "Title", "Default Title", "TK-TOTE"),
    ]
    rows = [row for row in all_rows if row["Title"]]
    assert [row["Handle"] for row in rows] == ["merino-hiking-socks", "canvas-tote"]
    body = rows[0]["Body (HTML)"]
    assert body == (
        '<p>Soft &amp; warm &lt;script&gt;alert("x")&lt;/script&gt; socks =SUM(A1)</p>'
        '<ul><li>Merino "wool"</li><li>Reinforced heel 😀</li></ul>'
    )
    well_formed(body)
    assert rows[0]["SEO Title"] == "Merino hiking socks | Trailknit"  # kept from the shop's file
    assert rows[1]["SEO Title"] == "Canvas Tote Bag"
    assert rows[0]["SEO Description"].startswith("Soft & warm <script>")  # plain text, Shopify escapes it

    # Read back as Shopify would: same handles, same bodies.
    again = run_import(import_file(other_store, "shopify-products.csv", exported))
    assert again.profile == "shopify" and again.error_rows == 0
    back = {p.sku: p.published_html for p in Product.objects.filter(store=other_store)}
    assert back == {row["Handle"]: row["Body (HTML)"] for row in rows}
    socks_back = Product.objects.get(store=other_store, sku="merino-hiking-socks")
    assert [v.option_values for v in socks_back.variants.all()] == [["S"], ["M"], ["L"]]
    assert sanitize_html(body) == body


def test_woocommerce_round_trip_matches_by_id_and_sku(
    api_client: Any, store: Any, other_store: Any, catalog_fake: Any
) -> None:
    run_import(import_file(store, "woocommerce_products.csv"))
    approve(store, Product.objects.get(store=store, sku="HOODIE-ALPINE"), "Brushed fleece & a deep hood.")
    exported = download(api_client, store, "woocommerce")
    assert exported.startswith(b"\xef\xbb\xbf")  # WooCommerce writes and reads a BOM
    rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))))
    assert rows == [
        {
            "ID": "101",
            "Type": "variable",
            "SKU": "HOODIE-ALPINE",
            "Name": "Alpine Fleece Hoodie",
            "Description": "<p>Brushed fleece &amp; a deep hood.</p>",
        }
    ]
    again = run_import(import_file(other_store, "woo.csv", exported))
    assert again.profile == "woocommerce"
    product = Product.objects.get(store=other_store, sku="HOODIE-ALPINE")
    assert product.published_html == rows[0]["Description"]


def test_taobao_round_trip_in_gbk_with_references_for_what_gbk_lacks(
    api_client: Any, store: Any, other_store: Any, catalog_fake: Any
) -> None:
    run_import(import_file(store, "taobao_items.csv"))
    approve(
        store, Product.objects.get(store=store, sku="SOCK-001"), "精梳棉，透气吸汗 😀\n\n- 经典黑\n- 象牙白"
    )
    approve(store, Product.objects.get(store=store, sku="TB612345678902"), "高温烧制陶瓷 <不含铅>")
    exported = download(api_client, store, "taobao")
    text = exported.decode("gbk")
    lines = text.split("\r\n")
    assert lines[0] == "version 1.00" and lines[2].split("\t") == [
        "宝贝名称",
        "宝贝描述",
        "商家编码",
        "数字ID",
    ]
    assert "&#128512;" in text  # GBK has no emoji: an HTML character reference the shop renders
    rows = list(csv.reader(io.StringIO("\r\n".join(lines[3:])), delimiter="\t"))
    assert [(row[2], row[3]) for row in rows if row] == [("SOCK-001", "612345678901"), ("", "612345678902")]
    again = run_import(import_file(other_store, "taobao.csv", exported))
    assert (again.profile, again.encoding, again.header_index, again.error_rows) == ("taobao", "gbk", 2, 0)
    back = {p.sku: p.published_html for p in Product.objects.filter(store=other_store)}
    assert back == {
        "SOCK-001": "<p>精梳棉，透气吸汗 😀</p><ul><li>经典黑</li><li>象牙白</li></ul>",
        "TB612345678902": "<p>高温烧制陶瓷 &lt;不含铅&gt;</p>",
    }


def test_a_good_current_description_becomes_a_few_shot_example(api_client: Any, store: Any) -> None:
    run_import(import_file(store, "shopify_products.csv"))
    socks = Product.objects.get(store=store, sku="merino-hiking-socks")
    tote = Product.objects.get(store=store, sku="canvas-tote")
    options = describe_options(store, language="en")
    assert "Heavy cotton canvas tote" not in description_prompt(product=socks, options=options).text
    url = f"/api/v1/stores/{store.pk}/catalog/products/{tote.pk}/published-text/"
    response = api_client.post(url, {"good": True}, format="json")
    assert response.status_code == 200 and response.json()["published_text_good"] is True
    prompt = description_prompt(product=socks, options=options).text
    assert "Heavy cotton canvas tote, long handles." in prompt  # as an example of how the store writes
    assert prompt.index("Canvas Tote Bag") < prompt.index("Merino Hiking Socks")
    body = api_client.get(f"/api/v1/stores/{store.pk}/catalog/products/{socks.pk}/").json()
    assert [variant["sku"] for variant in body["variants"]][1:] == ["TK-MHS-M", "TK-MHS-L"]
    assert body["option_names"] == ["Size"] and body["platform_data"]["Published"] == "TRUE"
    trail_tee = Product.objects.get(store=store, sku="trail-tee")  # no current description
    refused = api_client.post(
        f"/api/v1/stores/{store.pk}/catalog/products/{trail_tee.pk}/published-text/",
        {"good": True},
        format="json",
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "no_published_text"


def test_another_stores_products_and_exports_answer_404(
    api_client: Any, store: Any, other_store: Any, catalog_fake: Any
) -> None:
    run_import(import_file(other_store, "shopify_products.csv"))
    theirs = Product.objects.get(store=other_store, sku="merino-hiking-socks")
    approve(other_store, theirs, "Their text.")
    mine = f"/api/v1/stores/{store.pk}/catalog"
    assert api_client.post(f"{mine}/products/{theirs.pk}/published-text/", {"good": True}).status_code == 404
    assert api_client.get(f"/api/v1/stores/{other_store.pk}/catalog/export/shopify/").status_code == 404
    assert api_client.get(f"{mine}/export/magento/").status_code == 404
    own = download(api_client, store, "shopify").decode("utf-8")
    assert own.strip() == ",".join(SHOPIFY_HEADER)  # nothing of theirs
    user = UserFactory()
    MembershipFactory(user=user, store=store, role=Role.OWNER)
    client = Client()
    client.force_login(user)
    assert client.get(f"/s/{store.pk}/catalog/products/{theirs.pk}/").status_code == 404
    assert (
        client.post(f"/s/{store.pk}/catalog/products/{theirs.pk}/published-text/", {"good": "1"}).status_code
        == 404
    )
    page = client.get(f"/s/{store.pk}/catalog/export/?file=shopify")
    assert b"".join(page.streaming_content).decode().count("\n") == 1
    product_services.product_mark_published_text(product=theirs, actor=Actor.system(), good=True)
    assert Product.objects.get(pk=theirs.pk).published_text_good is True


def test_the_product_page_shows_variants_platform_fields_and_the_current_description(store: Any) -> None:
    run_import(import_file(store, "shopify_products.csv"))
    socks = Product.objects.get(store=store, sku="merino-hiking-socks")
    user = UserFactory()
    MembershipFactory(user=user, store=store, role=Role.OPERATOR)
    client = Client()
    client.force_login(user)
    page = client.get(f"/s/{store.pk}/catalog/products/{socks.pk}/").content.decode()
    assert "3 variants" in page and "TK-MHS-L" in page and "19.50" in page
    assert "SEO Title" in page and "Reinforced heel and toe" in page and "<script>alert" not in page
    response = client.post(f"/s/{store.pk}/catalog/products/{socks.pk}/published-text/", {"good": "1"})
    assert response.status_code == 302
    assert Product.objects.get(pk=socks.pk).published_text_good is True
    listing = client.get(f"/s/{store.pk}/catalog/").content.decode()
    assert "export-shopify" in listing and "file=taobao" in listing
    detail = client.get(f"/s/{store.pk}/catalog/imports/").status_code
    assert detail == 200


def test_marking_takes_a_json_boolean_only(api_client: Any, store: Any) -> None:
    run_import(import_file(store, "shopify_products.csv"))
    tote = Product.objects.get(store=store, sku="canvas-tote")
    url = f"/api/v1/stores/{store.pk}/catalog/products/{tote.pk}/published-text/"
    for wrong in (0, 1, "yes", None):
        assert api_client.post(url, {"good": wrong}, format="json").status_code == 400, wrong
    assert api_client.post(url, {"good": False}, format="json").json()["published_text_good"] is False
