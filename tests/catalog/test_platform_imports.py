"""Catalog files as shops export them: detection by headers, variant rows grouped into their product,
platform-only fields kept out of the facts, and the shop's current description kept beside them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from apps.accounts.actor import Actor
from apps.catalog.models import Product
from apps.catalog.services.drafting import description_prompt
from apps.imports import services as import_services
from apps.imports.models import DataImport, ImportRowError

from .helpers import describe_options, run_job, upload

pytestmark = pytest.mark.django_db
PLATFORMS = Path(__file__).parents[1] / "data" / "platforms"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"


def import_file(store: Any, name: str, content: bytes | None = None) -> DataImport:
    data_import = import_services.import_create(
        store=store,
        target="catalog.products",
        upload=upload(name, content if content is not None else (PLATFORMS / name).read_bytes()),
        actor=Actor.system(),
    )
    return data_import


def run_import(data_import: DataImport) -> DataImport:
    data_import = import_services.import_start(data_import=data_import, actor=Actor.system())
    if data_import.job:
        run_job(data_import.job)
    data_import.refresh_from_db()
    return data_import


def errors_of(data_import: DataImport) -> list[tuple[int, str, str]]:
    return [
        (error.row_number, error.column, error.reason)
        for error in ImportRowError.objects.filter(data_import=data_import)
    ]


@pytest.mark.parametrize(
    ("name", "profile", "encoding", "delimiter", "header_index"),
    [
        ("shopify_products.csv", "shopify", "utf-8", ",", 0),
        ("woocommerce_products.csv", "woocommerce", "utf-8-sig", ",", 0),
        ("taobao_items.csv", "taobao", "gbk", "\t", 2),  # below "version 1.00" and the internal names
    ],
)
def test_each_platform_file_is_recognised_by_its_headers(
    store: Any, name: str, profile: str, encoding: str, delimiter: str, header_index: int
) -> None:
    data_import = import_file(store, name)
    assert (data_import.profile, data_import.profile_detected) == (profile, profile)
    assert (data_import.encoding, data_import.delimiter, data_import.header_index) == (
        encoding,
        delimiter,
        header_index,
    )
    assert data_import.preview_rows and data_import.preview_rows[0][0] not in ("title", "Handle", "ID")
    # Nothing needs mapping by hand: the profile's required fields are mapped.
    mapped = set(data_import.column_mapping.values())
    assert {"sku", "title"} <= mapped or (profile == "taobao" and "title" in mapped)


def test_a_plain_table_stays_generic_and_keeps_unknown_columns_as_attributes(store: Any) -> None:
    data_import = import_file(
        store, "plain.csv", b"sku,title,material,description\nA1,Mug,stoneware,<p>Nice</p>\n"
    )
    assert data_import.profile == "generic"
    assert data_import.column_mapping == {
        "sku": "sku",
        "title": "title",
        "material": "attribute:material",
        "description": "description",
    }
    run_import(data_import)
    product = Product.objects.get(store=store, sku="A1")
    assert product.attributes == {"material": "stoneware"}
    assert (product.published_html, product.published_text) == ("<p>Nice</p>", "Nice")


def test_a_shopify_export_becomes_products_with_their_variants(store: Any) -> None:
    data_import = run_import(import_file(store, "shopify_products.csv"))
    assert (data_import.total_rows, data_import.valid_rows, data_import.error_rows) == (9, 7, 2)
    assert data_import.created_count == 3
    assert errors_of(data_import) == [
        (9, "Variant Price", "Not a valid number: 'twenty-nine' is not a price."),
        (10, "Handle", "No valid row with SKU 'lost-variant' above this row to belong to."),
    ]
    socks = Product.objects.get(store=store, sku="merino-hiking-socks")
    assert (socks.title, socks.brand, socks.category, socks.platform) == (
        "Merino Hiking Socks",
        "Trailknit",
        "Socks",
        "shopify",
    )
    assert socks.price == Decimal("18.00") and socks.currency == store.currency
    assert socks.option_names == ["Size"]
    assert socks.image_urls == [f"https://cdn.example.com/socks-{n}.jpg" for n in (1, 2, 3)]
    variants = list(socks.variants.all())
    assert [(v.option_values, v.sku, v.price, v.stock) for v in variants] == [
        (["S"], "TK-MERINO-HIKING-SOCK-CHARCOAL-SMALL-EU-35-38-2024-EDITION-RECYCLED", Decimal("18.00"), 12),
        (["M"], "TK-MHS-M", Decimal("18.00"), 30),
        (["L"], "TK-MHS-L", Decimal("19.50"), 0),
    ]
    assert (variants[0].compare_at_price, variants[0].barcode) == (Decimal("22.00"), "4006381333931")
    assert (variants[0].weight, variants[0].weight_unit) == (Decimal("85.000"), "g")
    # "Default Title" is Shopify's way of saying "no options": one variant, no option names.
    tote = Product.objects.get(store=store, sku="canvas-tote")
    assert tote.option_names == [] and [v.sku for v in tote.variants.all()] == ["TK-TOTE"]
    tee = Product.objects.get(store=store, sku="trail-tee")
    assert tee.option_names == ["Size", "Color"] and tee.status == "draft"
    assert [v.option_values for v in tee.variants.all()] == [["M", "Forest green"], ["L", "Forest green"]]


def test_platform_fields_and_html_stay_out_of_the_facts(store: Any) -> None:
    run_import(import_file(store, "shopify_products.csv"))
    socks = Product.objects.prefetch_related("variants").get(store=store, sku="merino-hiking-socks")
    facts = socks.facts()
    assert facts.attributes == {"Size": "S, M, L", "Type": "Socks", "Material": "merino wool"}
    assert socks.platform_data["Published"] == "TRUE"
    assert socks.platform_data["SEO Title"] == "Merino hiking socks | Trailknit"
    assert socks.platform_data["Image Position"] == "1"
    prompt = description_prompt(product=socks, options=describe_options(store, language="en")).text
    for platform_only in (
        "Published",
        "SEO",
        "Image Position",
        "winter-sale",
        "<p>",
        "Inventory",
        "cushioned",
    ):
        assert platform_only not in prompt
    assert "- Size: S, M, L" in prompt
    # The current description: sanitised (no script, no handler), and its text beside it.
    assert "<script" not in socks.published_html and "onclick" not in socks.published_html
    assert "<li>Reinforced heel and toe</li>" in socks.published_html
    assert socks.published_text == (
        "Merino wool hiking socks with a cushioned sole.\n\n- Reinforced heel and toe\n- Flat toe seam\n\n"
        "Machine washable at 30 °C."
    )
    assert socks.published_text_good is False


def test_a_woocommerce_export_groups_variations_under_their_parent(store: Any) -> None:
    data_import = run_import(import_file(store, "woocommerce_products.csv"))
    assert (data_import.total_rows, data_import.valid_rows, data_import.created_count) == (7, 5, 2)
    assert errors_of(data_import) == [
        (7, "SKU", "No valid row with SKU 'id:999' above this row to belong to."),
        (8, "Stock", "'lots' is not a whole number."),
    ]
    hoodie = Product.objects.get(store=store, sku="HOODIE-ALPINE")
    assert (hoodie.category, hoodie.brand, hoodie.option_names) == ("Hoodies", "Northpeak", ["Size"])
    # Size is an option (its values come from the variations), Material stays a fact.
    assert hoodie.attributes == {"Material": "Recycled polyester"}
    assert [
        (v.option_values, v.sku, v.price, v.compare_at_price, v.stock) for v in hoodie.variants.all()
    ] == [
        (["S"], "HOODIE-ALPINE-S", Decimal("59.00"), None, 7),
        (["M"], "HOODIE-ALPINE-M", Decimal("49.00"), Decimal("59.00"), 11),  # on sale
        (["L"], "HOODIE-ALPINE-L", Decimal("59.00"), None, 3),  # Parent given by SKU
    ]
    assert hoodie.price == Decimal("59.00") and hoodie.currency == store.currency
    assert hoodie.platform_data["ID"] == "101" and hoodie.platform_data["Type"] == "variable"
    assert "Alpine fleece" in hoodie.published_text and "&amp;" in hoodie.published_html
    mug = Product.objects.get(store=store, sku="MUG-ENAMEL")
    assert mug.attributes == {"Material": "Enamelled steel", "Capacity": "350 ml"}
    assert [(v.sku, v.stock, v.weight_unit) for v in mug.variants.all()] == [("MUG-ENAMEL", 40, "kg")]


def test_a_taobao_assistant_export_in_gbk_unpacks_its_skus(store: Any) -> None:
    data_import = run_import(import_file(store, "taobao_items.csv"))
    assert (data_import.total_rows, data_import.valid_rows) == (3, 2)
    [(_row, column, reason)] = errors_of(data_import)
    assert column == "销售属性组合" and "价格待定" in reason
    socks = Product.objects.get(store=store, sku="SOCK-001")
    assert (socks.language, socks.currency, socks.price) == ("zh", "CNY", Decimal("19.90"))
    assert socks.option_names == ["颜色分类", "尺码"]
    assert [(v.option_values, v.sku, v.price, v.stock) for v in socks.variants.all()] == [
        (["经典黑", "M码"], "SOCK-BLK-M", Decimal("19.90"), 100),
        (["经典黑", "L码"], "SOCK-BLK-L", Decimal("19.90"), 120),
        (["象牙白", "M码"], "SOCK-WHT-M", Decimal("21.90"), 80),  # named by 自定义属性值
    ]
    assert socks.platform_data["宝贝类目"] == "50006846"  # a Taobao id: never a fact
    assert "50006846" not in str(socks.facts())
    assert socks.published_text == "精梳棉中筒袜\n\n透气吸汗，四季可穿。"
    # No 商家编码: the item is keyed by its Taobao number instead of being refused.
    mug = Product.objects.get(store=store, sku="TB612345678902")
    assert mug.title == "陶瓷马克杯 350ml 办公室水杯" and mug.variants.count() == 0


def test_the_detected_format_can_be_changed_and_the_mapping_follows(api_client: Any, store: Any) -> None:
    data_import = import_file(store, "shopify_products.csv")
    url = f"/api/v1/stores/{store.pk}/catalog/imports/{data_import.pk}/"
    body = api_client.get(url).json()
    assert body["profile"] == "shopify" and body["profile_detected"] == "shopify"
    assert [profile["name"] for profile in body["profiles"]] == [
        "generic",
        "shopify",
        "woocommerce",
        "taobao",
    ]
    changed = api_client.patch(url, {"profile": "generic"}, format="json").json()
    assert changed["profile"] == "generic" and changed["profile_detected"] == "shopify"
    assert changed["column_mapping"]["Published"] == "attribute:Published"  # generic: unknown = attribute
    back = api_client.patch(url, {"profile": "shopify"}, format="json").json()
    assert back["column_mapping"]["Published"] == "platform:Published"
    refused = api_client.patch(url, {"profile": "magento"}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_profile"


def test_reimporting_replaces_variants_and_a_changed_description_loses_its_good_mark(store: Any) -> None:
    run_import(import_file(store, "shopify_products.csv"))
    socks = Product.objects.get(store=store, sku="merino-hiking-socks")
    Product.objects.filter(pk=socks.pk).update(published_text_good=True)
    run_import(import_file(store, "shopify_products.csv"))  # the same file: nothing changes
    socks.refresh_from_db()
    assert socks.published_text_good is True and socks.variants.count() == 3
    smaller = (
        "Handle,Title,Body (HTML),Option1 Name,Option1 Value,Variant SKU,Variant Price\n"
        "merino-hiking-socks,Merino Hiking Socks,<p>New text</p>,Size,M,TK-MHS-M,18\n"
    )
    run_import(import_file(store, "again.csv", smaller.encode()))
    socks.refresh_from_db()
    assert socks.published_text == "New text" and socks.published_text_good is False
    assert [v.sku for v in socks.variants.all()] == ["TK-MHS-M"]


def test_a_weight_column_names_its_unit(store: Any) -> None:
    content = (
        "ID,Type,SKU,Name,Regular price,Weight (lbs),Stock,Parent,Attribute 1 name,Attribute 1 value(s)\n"
        '1,variable,TENT,Trail Tent,,,,,Colour,"Olive, Sand"\n'
        "2,variation,TENT-OLV,Trail Tent - Olive,199,4.5,3,id:1,Colour,Olive\n"
        "3,variation,TENT-SND,Trail Tent - Sand,199,4.5,0,TENT,Colour,Sand\n"
    )
    data_import = run_import(import_file(store, "tents.csv", content.encode()))
    assert data_import.profile == "woocommerce" and data_import.error_rows == 0
    tent = Product.objects.get(store=store, sku="TENT")
    assert [(v.option_values, v.weight, v.weight_unit) for v in tent.variants.all()] == [
        (["Olive"], Decimal("4.500"), "lb"),
        (["Sand"], Decimal("4.500"), "lb"),
    ]
    assert tent.attributes == {} and tent.option_names == ["Colour"]


def test_the_import_page_shows_the_detected_format_and_reads_the_file_again_as_another(
    store: Any, owner: Any
) -> None:
    from django.test import Client

    data_import = import_file(store, "taobao_items.csv")
    client = Client()
    client.force_login(owner)
    url = f"/s/{store.pk}/catalog/imports/{data_import.pk}/"
    page = client.get(url).content.decode()
    assert "Taobao / Tmall item export (淘宝助理) (detected)" in page
    assert "The header is below 2 platform lines, which are skipped." in page
    client.post(url, {"action": "reread", "profile": "generic", "encoding": "gbk"})
    data_import.refresh_from_db()
    # Read as a plain table, the first line is the header again and nothing is a platform field.
    assert (data_import.profile, data_import.header_index, data_import.headers) == (
        "generic",
        0,
        ["version 1.00"],
    )
    client.post(url, {"action": "reread", "profile": "taobao", "encoding": "gbk"})
    data_import.refresh_from_db()
    assert (data_import.profile, data_import.header_index) == ("taobao", 2)
    assert data_import.column_mapping["宝贝类目"] == "platform:宝贝类目"


def test_a_long_good_description_is_cut_at_a_sentence_to_serve_as_an_example(store: Any) -> None:
    from apps.catalog.selectors import approved_examples

    long_text = "Soft merino. " * 100
    Product.objects.create(
        store=store,
        sku="LONG",
        title="Long",
        language="en",
        published_text=long_text,
        published_text_good=True,
    )
    [(product, text)] = approved_examples(store=store, language="en")
    assert product.sku == "LONG" and 400 < len(text) <= 800 and text.endswith("Soft merino.")


def test_searching_a_variant_sku_finds_its_product_once(
    api_client: Any, store: Any, other_store: Any
) -> None:
    run_import(import_file(store, "shopify_products.csv"))
    run_import(import_file(other_store, "shopify_products.csv"))
    response = api_client.get(f"/api/v1/stores/{store.pk}/catalog/products/?search=TK-MHS")
    assert [product["sku"] for product in response.json()["results"]] == ["merino-hiking-socks"]
