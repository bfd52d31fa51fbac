"""CSV and XLSX exports of products with their approved descriptions, and import error files.

Every text cell that a spreadsheet would read as a formula (starting with = + - @, also behind
invisible characters or spaces, or starting with a tab or carriage return) is prefixed with an
apostrophe, so an exported file opened in Excel or LibreOffice runs nothing.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from apps.core import text as text_hygiene

from .models import CatalogImport, Description, ImportRowError, Product

EXPORT_COLUMNS = [
    "sku",
    "title",
    "category",
    "brand",
    "price",
    "currency",
    "language",
    "status",
    "image_urls",
    "attributes",
    "description_en",
    "description_zh",
]
BATCH = 1000


def neutralise(value: Any) -> Any:
    """A cell value safe to open in a spreadsheet: text that would start a formula is quoted, also
    behind leading invisible characters such as a BOM or a zero-width space (apps/core/text.py)."""
    if isinstance(value, str):
        return text_hygiene.neutralise_formula(value)
    return value


def attributes_text(attributes: dict[str, str]) -> str:
    """Attributes as 'name: value; name: value', or JSON where a name or value holds those separators."""
    if any(
        sep in f"{key}{value}" for key, value in attributes.items() for sep in (";", ":", "：", "\n", "=")
    ):
        return json.dumps(attributes, ensure_ascii=False)
    return "; ".join(f"{key}: {value}" for key, value in attributes.items())


def _product_rows(products: QuerySet[Product]) -> Iterator[list[Any]]:
    batch: list[Product] = []
    for product in products.order_by("pk").iterator(chunk_size=BATCH):
        batch.append(product)
        if len(batch) >= BATCH:
            yield from _rows_for(batch)
            batch = []
    if batch:
        yield from _rows_for(batch)


def _rows_for(products: list[Product]) -> Iterator[list[Any]]:
    approved: dict[tuple[int, str], str] = {}
    descriptions = Description.objects.filter(
        product__in=[product.pk for product in products], approved_version__isnull=False
    ).values_list("product_id", "language", "approved_version__text")
    for product_id, language, text in descriptions:
        approved[(product_id, language)] = text
    for product in products:
        yield [
            product.sku,
            product.title,
            product.category,
            product.brand,
            product.price,
            product.currency,
            product.language,
            product.status,
            " ".join(product.image_urls or []),
            attributes_text(product.attributes or {}),
            approved.get((product.pk, "en"), ""),
            approved.get((product.pk, "zh"), ""),
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text, a row at a time, UTF-8 with a BOM so Excel shows Chinese correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        yield writer.writerow([neutralise("" if cell is None else str(cell)) for cell in row])


def csv_response(lines: Iterable[str], filename: str) -> StreamingHttpResponse:
    """A CSV download streamed from ``csv_stream`` lines."""
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def products_csv(products: QuerySet[Product]) -> Iterator[str]:
    return csv_stream(EXPORT_COLUMNS, _product_rows(products))


def xlsx_file(header: list[str], rows: Iterable[list[Any]]) -> io.BufferedRandom:
    """An .xlsx workbook written in openpyxl's write-only mode to a temporary file, rewound."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("products")
    sheet.append(header)
    for row in rows:
        sheet.append(
            [
                float(cell) if isinstance(cell, Decimal) else neutralise("" if cell is None else cell)
                for cell in row
            ]
        )
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the response, which closes it
    workbook.save(handle)
    handle.seek(0)
    return handle  # type: ignore[return-value]


def products_xlsx(products: QuerySet[Product]) -> io.BufferedRandom:
    return xlsx_file(EXPORT_COLUMNS, _product_rows(products))


def import_errors_rows(catalog_import: CatalogImport) -> tuple[list[str], Iterator[list[Any]]]:
    """The error file: row number, column, reason, then the row's cells under the file's own headers."""
    header = ["row", "column", "reason", *catalog_import.headers]

    def rows() -> Iterator[list[Any]]:
        errors = ImportRowError.objects.filter(catalog_import=catalog_import).order_by("row_number", "pk")
        for error in errors.iterator(chunk_size=BATCH):
            yield [error.row_number, error.column, error.reason, *error.raw]

    return header, rows()


def import_errors_csv(catalog_import: CatalogImport) -> StreamingHttpResponse:
    """The error file as a CSV download."""
    header, rows = import_errors_rows(catalog_import)
    return csv_response(csv_stream(header, rows), f"import-{catalog_import.pk}-errors.csv")
