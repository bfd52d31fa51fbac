"""CSV and XLSX files for download, safe to open in a spreadsheet.

Every text cell that a spreadsheet would read as a formula (starting with = + - @, also behind
invisible characters or spaces, or starting with a tab or carriage return; apps/core/text.py) is
prefixed with an apostrophe, so an exported file opened in Excel or LibreOffice runs nothing.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.http import FileResponse, StreamingHttpResponse

from .text import neutralise_formula

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: Any) -> Any:
    """A cell value safe to open in a spreadsheet: text that would start a formula is quoted."""
    return neutralise_formula(value) if isinstance(value, str) else value


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


def xlsx_file(header: list[str], rows: Iterable[list[Any]], *, sheet: str = "Sheet1") -> io.BufferedRandom:
    """An .xlsx workbook written in openpyxl's write-only mode to a temporary file, rewound."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append(header)
    for row in rows:
        worksheet.append(
            [
                float(cell) if isinstance(cell, Decimal) else neutralise("" if cell is None else cell)
                for cell in row
            ]
        )
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the response, which closes it
    workbook.save(handle)
    handle.seek(0)
    return handle  # type: ignore[return-value]


def xlsx_response(header: list[str], rows: Iterable[list[Any]], *, filename: str, sheet: str) -> FileResponse:
    return FileResponse(
        xlsx_file(header, rows, sheet=sheet),
        as_attachment=True,
        filename=filename,
        content_type=XLSX_CONTENT_TYPE,
    )
