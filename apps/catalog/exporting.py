"""CSV and XLSX exports of products with their approved descriptions (spreadsheet-safe: core.spreadsheets)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from apps.core.spreadsheets import csv_response, csv_stream, xlsx_file

from .fields import PRODUCT_FIELD_NAMES
from .models import Description, Product

EXPORT_COLUMNS = [*PRODUCT_FIELD_NAMES, "description_en", "description_zh", "option_names", "variants"]
BATCH = 1000


def attributes_text(attributes: dict[str, str]) -> str:
    """Attributes as 'name: value; name: value', or JSON where a name or value holds those separators."""
    if any(
        sep in f"{key}{value}" for key, value in attributes.items() for sep in (";", ":", "：", "\n", "=")
    ):
        return json.dumps(attributes, ensure_ascii=False)
    return "; ".join(f"{key}: {value}" for key, value in attributes.items())


def _cell(product: Product, name: str) -> Any:
    value = getattr(product, name)
    if name == "image_urls":
        return " ".join(value or [])
    if name == "attributes":
        return attributes_text(value or {})
    return value


def _product_rows(products: QuerySet[Product]) -> Iterator[list[Any]]:
    batch: list[Product] = []
    for product in products.order_by("pk").prefetch_related("variants").iterator(chunk_size=BATCH):
        batch.append(product)
        if len(batch) >= BATCH:
            yield from _rows_for(batch)
            batch = []
    if batch:
        yield from _rows_for(batch)


def variants_text(product: Product) -> str:
    """The variants as JSON: option values by name, SKU, prices, barcode, weight and stock."""
    variants = []
    for variant in product.variants.all():
        names, values = product.option_names or [], variant.option_values or []
        entry: dict[str, Any] = dict(zip(names, values, strict=False))
        for name in ("sku", "price", "compare_at_price", "barcode", "weight", "weight_unit", "stock"):
            value = getattr(variant, name)
            if value not in (None, ""):
                entry[name] = str(value) if isinstance(value, Decimal) else value
        variants.append(entry)
    return json.dumps(variants, ensure_ascii=False) if variants else ""


def _rows_for(products: list[Product]) -> Iterator[list[Any]]:
    approved: dict[tuple[int, str], str] = {}
    descriptions = Description.objects.filter(
        product__in=[product.pk for product in products], approved_version__isnull=False
    ).values_list("product_id", "language", "approved_version__text")
    for product_id, language, text in descriptions:
        approved[(product_id, language)] = text
    for product in products:
        yield [
            *(_cell(product, name) for name in PRODUCT_FIELD_NAMES),
            approved.get((product.pk, "en"), ""),
            approved.get((product.pk, "zh"), ""),
            " / ".join(product.option_names or []),
            variants_text(product),
        ]


def products_csv(products: QuerySet[Product]) -> StreamingHttpResponse:
    return csv_response(csv_stream(EXPORT_COLUMNS, _product_rows(products)), "products.csv")


def products_xlsx(products: QuerySet[Product]) -> io.BufferedRandom:
    return xlsx_file(EXPORT_COLUMNS, _product_rows(products), sheet="products")
