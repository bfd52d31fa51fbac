"""The way back: approved descriptions in each shop platform's own import format.

- Shopify: Handle, Title, Body (HTML), SEO Title, SEO Description; UTF-8. Import it in Shopify
  (Products → Import) with "Overwrite products with matching handles": only these columns change.
- WooCommerce: ID, Type, SKU, Name, Description; UTF-8 with a BOM, as WooCommerce writes it. Import it
  with "Update existing products" (matched by ID, else SKU).
- 淘宝助理: the "version 1.00" line, the internal names and the Chinese header, then 宝贝名称, 宝贝描述,
  商家编码, 数字ID; GBK, tab-separated. Characters GBK lacks become HTML character references in the
  description (the shop renders them) and "?" elsewhere.

Only approved text leaves: products without an approved description are not in the file. HTML is
built from the approved text (``text_to_html``): escaped and well-formed. Cells a spreadsheet would
read as a formula are neutralised, as in every ecomai export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from apps.core.text import neutralise_formula

from ..models import Description, Product
from ..text.html import text_to_html

BATCH = 500
SEO_TITLE_MAX = 70
SEO_DESCRIPTION_MAX = 320


@dataclass(frozen=True)
class ExportFormat:
    name: str
    filename: str
    header: list[str]
    row: Callable[[Product, str], list[str]]
    encoding: str = "utf-8"
    delimiter: str = ","
    preamble: tuple[list[str], ...] = ()  # lines above the header
    content_type: str = "text/csv"


def _seo_description(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= SEO_DESCRIPTION_MAX:
        return flat
    cut = flat[: SEO_DESCRIPTION_MAX - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[-40:] else cut) + "…"


def _shopify_row(product: Product, text: str) -> list[str]:
    seo_title = (product.platform_data or {}).get("SEO Title") or product.title[:SEO_TITLE_MAX]
    return [product.sku, product.title, text_to_html(text), seo_title, _seo_description(text)]


def _woocommerce_row(product: Product, text: str) -> list[str]:
    data = product.platform_data or {}
    woo = product.platform == "woocommerce"
    return [
        data.get("ID", "") if woo else "",
        data.get("Type", "") if woo else "",
        product.sku,
        product.title,
        text_to_html(text),
    ]


def _taobao_row(product: Product, text: str) -> list[str]:
    data = product.platform_data or {}
    code = (
        "" if product.platform == "taobao" and product.sku == f"TB{data.get('数字ID', '')}" else product.sku
    )
    return [
        product.title,
        text_to_html(text),
        code,
        data.get("数字ID", "") if product.platform == "taobao" else "",
    ]


FORMATS = {
    "shopify": ExportFormat(
        "shopify",
        "shopify-products.csv",
        ["Handle", "Title", "Body (HTML)", "SEO Title", "SEO Description"],
        _shopify_row,
    ),
    "woocommerce": ExportFormat(
        "woocommerce",
        "woocommerce-products.csv",
        ["ID", "Type", "SKU", "Name", "Description"],
        _woocommerce_row,
        encoding="utf-8-sig",
    ),
    "taobao": ExportFormat(
        "taobao",
        "taobao-items.csv",
        ["宝贝名称", "宝贝描述", "商家编码", "数字ID"],
        _taobao_row,
        encoding="gbk",
        delimiter="\t",
        preamble=(["version 1.00"], ["title", "description", "outer_id", "num_id"]),
    ),
}


def approved_texts(products: list[Product]) -> dict[int, str]:
    """Each product's approved description: in its own language, else in any language."""
    found: dict[int, str] = {}
    rows = Description.objects.filter(
        product__in=[product.pk for product in products], approved_version__isnull=False
    ).values_list("product_id", "language", "approved_version__text", "product__language")
    for product_id, language, text, product_language in rows.order_by("product_id", "language"):
        if language == product_language or product_id not in found:
            found[product_id] = text
    return found


def _encode(fmt: ExportFormat, line: str, *, first: bool) -> bytes:
    if fmt.encoding == "gbk":
        return line.encode("gbk", errors="xmlcharrefreplace")
    return line.encode(fmt.encoding if first else fmt.encoding.replace("-sig", ""))


def export_rows(fmt: ExportFormat, products: QuerySet[Product]) -> Iterator[list[str]]:
    batch: list[Product] = []
    for product in products.order_by("pk").iterator(chunk_size=BATCH):
        batch.append(product)
        if len(batch) >= BATCH:
            yield from _rows_for(fmt, batch)
            batch = []
    yield from _rows_for(fmt, batch)


def _rows_for(fmt: ExportFormat, products: list[Product]) -> Iterator[list[str]]:
    texts = approved_texts(products) if products else {}
    for product in products:
        if product.pk in texts:
            yield fmt.row(product, texts[product.pk])


def _cell(fmt: ExportFormat, value: str, column: str) -> str:
    value = neutralise_formula(value)
    if fmt.encoding == "gbk" and "描述" not in column:
        return value.encode("gbk", errors="replace").decode("gbk")  # only the HTML takes references
    return value


def export_lines(fmt: ExportFormat, products: QuerySet[Product]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=fmt.delimiter, lineterminator="\r\n")

    def line(cells: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    first = True
    for cells in [*fmt.preamble, fmt.header]:
        yield _encode(fmt, "".join(cells) + "\r\n" if len(cells) == 1 else line(cells), first=first)
        first = False
    for row in export_rows(fmt, products):
        yield _encode(
            fmt,
            line([_cell(fmt, value, column) for value, column in zip(row, fmt.header, strict=True)]),
            first=False,
        )


def platform_export_response(products: QuerySet[Product], platform: str) -> StreamingHttpResponse:
    fmt = FORMATS[platform]
    charset = "gbk" if fmt.encoding == "gbk" else "utf-8"
    response = StreamingHttpResponse(
        export_lines(fmt, products), content_type=f"{fmt.content_type}; charset={charset}"
    )
    response["Content-Disposition"] = f'attachment; filename="{fmt.filename}"'
    return response
