"""The error file of an import: why each rejected row was not imported, beside the row itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.http import StreamingHttpResponse

from apps.core.spreadsheets import csv_response, csv_stream

from .models import DataImport, ImportRowError

BATCH = 1000


def import_errors_rows(data_import: DataImport) -> tuple[list[str], Iterator[list[Any]]]:
    """Row number, column, reason, then the row's cells under the file's own headers."""
    header = ["row", "column", "reason", *data_import.headers]

    def rows() -> Iterator[list[Any]]:
        errors = ImportRowError.objects.filter(data_import=data_import).order_by("row_number", "pk")
        for error in errors.iterator(chunk_size=BATCH):
            yield [error.row_number, error.column, error.reason, *error.raw]

    return header, rows()


def import_errors_csv(data_import: DataImport) -> StreamingHttpResponse:
    header, rows = import_errors_rows(data_import)
    return csv_response(csv_stream(header, rows), f"import-{data_import.pk}-errors.csv")
