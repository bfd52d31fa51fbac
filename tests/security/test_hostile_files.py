"""Hostile uploads through the import API: each answers a clear 4xx (or a per-row error) with memory
bounded, and leaves the store's data as it was."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from apps.catalog.models import Product
from apps.imports import reading
from apps.imports.models import DataImport

pytestmark = pytest.mark.django_db

SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"
# Peak Python allocations while the server refuses a file; a bomb that were unpacked or walked
# would take hundreds of megabytes.
MEMORY_BOUND = 64 * 1024 * 1024


def workbook_with_sheet(sheet_xml: bytes, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A real workbook from openpyxl whose first sheet is replaced by ``sheet_xml``."""
    book = Workbook()
    book.active.append(["SKU", "Title"])
    source = io.BytesIO()
    book.save(source)
    out = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as rebuilt:
        for entry in original.infolist():
            data = sheet_xml if entry.filename == SHEET else original.read(entry.filename)
            rebuilt.writestr(entry.filename, data)
        for name, data in (extra or {}).items():
            rebuilt.writestr(name, data)
    return out.getvalue()


def inline_row(number: int, *cells: str) -> str:
    columns = "ABCDEFGHIJ"
    body = "".join(
        f'<c r="{columns[i]}{number}" t="inlineStr"><is><t>{text}</t></is></c>'
        for i, text in enumerate(cells)
    )
    return f'<row r="{number}">{body}</row>'


def blank_rows(count: int, start: int = 2) -> str:
    return "".join(f'<row r="{n}"/>' for n in range(start, start + count))


def post(api_client: Any, store: Any, name: str, data: bytes) -> Any:
    return api_client.post(
        f"/api/v1/stores/{store.pk}/catalog/imports/",
        {"file": SimpleUploadedFile(name, data)},
        format="multipart",
    )


def refused_within_memory(api_client: Any, store: Any, name: str, data: bytes) -> Any:
    before = Product.objects.filter(store=store).count()
    tracemalloc.start()
    try:
        response = post(api_client, store, name, data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND, peak
    assert Product.objects.filter(store=store).count() == before
    assert DataImport.objects.filter(store=store).count() == 0
    return response


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def test_millions_of_empty_rows_are_refused_by_their_packing_ratio(api_client: Any, store: Any) -> None:
    # 60 MB of identical empty rows packs into a few dozen KB.
    sheet = (SHEET_HEAD + inline_row(1, "SKU", "Title") + "<row/>" * 10_000_000 + SHEET_TAIL).encode()
    data = workbook_with_sheet(sheet)
    assert len(data) < 1024 * 1024
    response = refused_within_memory(api_client, store, "bomb.xlsx", data)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "xlsx_too_large"
    assert "empty rows" in response.json()["error"]["message"]


def test_a_large_sheet_without_a_dimension_is_refused_unread(api_client: Any, store: Any) -> None:
    # Numbered empty rows pack only about 20 times: the ratio passes, the missing dimension does not.
    sheet = (SHEET_HEAD + inline_row(1, "SKU", "Title") + blank_rows(1_000_000) + SHEET_TAIL).encode()
    response = refused_within_memory(api_client, store, "unsized.xlsx", workbook_with_sheet(sheet))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "xlsx_unsized"


def test_a_long_run_of_empty_rows_ends_the_read_with_a_clear_error(api_client: Any, store: Any) -> None:
    # Small enough to pass the ratio check: the run of blank rows itself is refused.
    sheet = (
        SHEET_HEAD
        + inline_row(1, "SKU", "Title")
        + blank_rows(reading.MAX_BLANK_RUN + 10)
        + inline_row(reading.MAX_BLANK_RUN + 20, "A1", "Late row")
        + SHEET_TAIL
    ).encode()
    response = refused_within_memory(api_client, store, "gaps.xlsx", workbook_with_sheet(sheet))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "blank_rows"


def test_a_workbook_unpacking_past_the_limit_is_refused(api_client: Any, store: Any, settings: Any) -> None:
    settings.IMPORT_XLSX_MAX_UNPACKED_BYTES = 64 * 1024
    sheet = SHEET_HEAD + "".join(inline_row(n, f"S{n}", f"Title {n}") for n in range(1, 2000)) + SHEET_TAIL
    response = refused_within_memory(api_client, store, "big.xlsx", workbook_with_sheet(sheet.encode()))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "xlsx_too_large"
    assert "unpacks to" in response.json()["error"]["message"]


def test_a_zip_of_thousands_of_entries_is_refused(api_client: Any, store: Any) -> None:
    extra = {f"xl/media/pad{n}.bin": b"" for n in range(reading.XLSX_MAX_ENTRIES + 1)}
    sheet = (SHEET_HEAD + inline_row(1, "SKU", "Title") + SHEET_TAIL).encode()
    response = refused_within_memory(api_client, store, "many.xlsx", workbook_with_sheet(sheet, extra=extra))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "xlsx_too_large"


def test_a_stray_cell_in_the_last_column_does_not_widen_every_row(api_client: Any, store: Any) -> None:
    stray = '<c r="XFD{n}"><v>1</v></c>'
    rows = [
        inline_row(1, "SKU", "Title").replace("</row>", stray.format(n=1) + "</row>"),
        *(
            inline_row(n, f"S{n}", "Scarf").replace("</row>", stray.format(n=n) + "</row>")
            for n in range(2, 500)
        ),
    ]
    sheet = SHEET_HEAD.replace("<sheetData>", '<dimension ref="A1:XFD499"/><sheetData>') + "".join(rows)
    tracemalloc.start()
    try:
        response = post(api_client, store, "wide.xlsx", workbook_with_sheet((sheet + SHEET_TAIL).encode()))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND, peak
    assert response.status_code == 201, response.content
    assert response.json()["headers"] == ["SKU", "Title"]


def test_a_sheet_wider_than_the_limit_is_refused(api_client: Any, store: Any) -> None:
    columns = [f"c{n}" for n in range(1, reading.MAX_COLUMNS + 6)]
    book = Workbook()
    book.active.append(columns)
    out = io.BytesIO()
    book.save(out)
    response = refused_within_memory(api_client, store, "wide.xlsx", out.getvalue())
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_columns"


def test_a_huge_cell_fails_its_row_and_the_other_rows_import(api_client: Any, store: Any) -> None:
    huge = "x" * (reading.MAX_CELL_CHARS + 1)
    sheet = (
        SHEET_HEAD
        + inline_row(1, "SKU", "Title")
        + inline_row(2, "OK1", "Scarf")
        + inline_row(3, "BIG", huge)
        + inline_row(4, "OK2", "Hat")
        + SHEET_TAIL
    ).encode()
    response = post(api_client, store, "cells.xlsx", workbook_with_sheet(sheet))
    assert response.status_code == 201, response.content
    data_import = DataImport.objects.get(pk=response.json()["id"])
    rows = list(
        reading.iter_rows(data_import.file.open("rb"), file_format="xlsx")  # type: ignore[arg-type]
    )
    assert [row.cells for row in rows if not row.error] == [
        ["SKU", "Title"],
        ["OK1", "Scarf"],
        ["OK2", "Hat"],
    ]
    assert [row.number for row in rows if row.error] == [3]


def test_path_tricks_in_the_file_name_stay_a_name(api_client: Any, store: Any, media_root: Path) -> None:
    response = post(api_client, store, "../../../etc/passwd.csv", b"SKU,Title\nA,Scarf\n")
    assert response.status_code == 201, response.content
    data_import = DataImport.objects.get(pk=response.json()["id"])
    stored = Path(data_import.file.path).resolve()
    assert stored.is_relative_to(media_root.resolve())
    assert "/" not in data_import.original_name and ".." not in Path(data_import.original_name).parts


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("catalog.xlsx", b"PK\x03\x04" + b"\0" * 64, "not_xlsx"),  # a zip header over nothing
        ("catalog.xlsx", b"\xef\xbb\xbfSKU,Title\n", "not_xlsx"),  # CSV text renamed
        ("catalog.csv", b"\x00\x01\x02\x03" * 2000, "not_csv"),  # binary named .csv
    ],
)
def test_disguised_files_are_refused_with_a_reason(
    api_client: Any, store: Any, name: str, data: bytes, code: str
) -> None:
    response = refused_within_memory(api_client, store, name, data)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
