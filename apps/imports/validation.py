"""Validating an uploaded file in one streaming pass: per-row errors recorded, good records spooled.

Rows that belong together (the variant rows of one product in a platform file) are grouped into one
record: the validator marks such a row with ``join`` and its ``merge`` adds it to the open record
with the same key. Records stay open while their rows keep coming; at most ``OPEN_RECORDS`` are held
at once (the least recently touched is written out first), so a file of any length is read in
bounded memory, and a row whose record was already written out is reported, not lost silently.
"""

from __future__ import annotations

import json
import tempfile
from collections import OrderedDict
from decimal import Decimal
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import default_storage

from apps.core.text import clean_text

from . import conf, reading
from .models import DataImport, ImportRowError
from .profiles import GENERIC
from .targets import RowResult, get_import_target

ERROR_BULK_SIZE = 1000
OPEN_RECORDS = 2000


def rows_of(data_import: DataImport, handle: IO[bytes]) -> Any:
    return reading.iter_rows(
        handle,
        file_format=data_import.file_format,
        encoding=data_import.encoding,
        delimiter=data_import.delimiter,
        max_unpacked_bytes=conf.xlsx_max_unpacked_bytes(),
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


class _ErrorWriter:
    """Per-row errors, written in bulk as the file is read."""

    def __init__(self, data_import: DataImport) -> None:
        self.data_import = data_import
        self.pending: list[ImportRowError] = []

    def add(self, row_number: int, column: str, reason: str, cells: list[str]) -> None:
        self.pending.append(
            ImportRowError(
                data_import=self.data_import,
                row_number=row_number,
                column=column[:200],
                reason=reason[:500],
                raw=[clean_text(cell)[:1000] for cell in cells[:100]],
            )
        )
        if len(self.pending) >= ERROR_BULK_SIZE:
            self.flush()

    def flush(self) -> None:
        ImportRowError.objects.bulk_create(self.pending)
        self.pending.clear()


class _Spool:
    """Validated records as JSON lines, cut into blocks of ``block_rows`` records for the job."""

    def __init__(self, out: IO[bytes], block_rows: int) -> None:
        self.out = out
        self.block_rows = block_rows
        self.offset = 0
        self.blocks: list[dict[str, int]] = []
        self.records = 0

    def write(self, values: dict[str, Any], first_row: int, last_row: int) -> None:
        line = (json.dumps(values, ensure_ascii=False, default=_json_default) + "\n").encode()
        block = self.blocks[-1] if self.blocks else None
        if block is None or block["count"] >= self.block_rows:
            block = {"offset": self.offset, "count": 0, "first_row": first_row, "last_row": last_row}
            self.blocks.append(block)
        block["count"] += 1
        block["last_row"] = max(block["last_row"], last_row)
        self.out.write(line)
        self.offset += len(line)
        self.records += 1


def validate_rows(
    data_import: DataImport,
) -> tuple[list[dict[str, int]], tuple[int, int, int], set[str], str]:
    """Blocks of the spool, (rows, valid rows, rows with errors), the fields written, the spool's name."""
    target = get_import_target(data_import.target)
    validator = target.profile_row_validator(
        store=data_import.store,
        headers=data_import.headers,
        mapping=data_import.column_mapping,
        profile=data_import.profile or GENERIC,
    )
    merge = getattr(validator, "merge", None)
    max_rows = conf.max_rows()
    ImportRowError.objects.filter(data_import=data_import).delete()
    errors = _ErrorWriter(data_import)
    first_seen: dict[str, int] = {}
    # key -> [first row, last row, values]: records that later rows may still join.
    open_records: OrderedDict[str, list[Any]] = OrderedDict()
    total = valid = failed = 0
    header_seen = False
    key_header = _key_header(data_import)
    with tempfile.TemporaryFile() as out, data_import.file.open("rb") as handle:
        spool = _Spool(out, conf.block_rows())
        for index, row in enumerate(rows_of(data_import, handle)):
            if not header_seen:
                header_seen = index >= data_import.header_index and any(cell.strip() for cell in row.cells)
                continue
            if not row.error and not any(cell.strip() for cell in row.cells):
                continue  # blank lines between rows are common in spreadsheets
            total += 1
            if total > max_rows:
                raise reading.FileRejected(
                    f"The file has more than {max_rows} rows; split it.", code="too_many_rows"
                )
            if row.error:
                errors.add(row.number, "", row.error, row.cells)
                failed += 1
                continue
            result = validator.validate(row.cells)
            if result.values is None:
                for column, reason in result.errors:
                    errors.add(row.number, column, reason, row.cells)
                failed += 1
                continue
            if result.join:
                reason = _join(open_records, first_seen, result, merge, target.key_label, row.number)
                if reason:
                    errors.add(row.number, key_header, reason, row.cells)
                    failed += 1
                else:
                    valid += 1
                continue
            if result.key and result.key in first_seen:
                errors.add(
                    row.number,
                    key_header,
                    f"Duplicate {target.key_label} {result.key!r}: row {first_seen[result.key]} has it too "
                    "and was imported; this row was skipped.",
                    row.cells,
                )
                failed += 1
                continue
            valid += 1
            if result.key:
                first_seen[result.key] = row.number
            if not result.key or merge is None:
                spool.write(result.values, row.number, row.number)
                continue
            open_records[result.key] = [row.number, row.number, result.values]
            while len(open_records) > OPEN_RECORDS:
                _key, (first, last, values) = open_records.popitem(last=False)
                spool.write(values, first, last)
        for first, last, values in open_records.values():
            spool.write(values, first, last)
        errors.flush()
        if not header_seen:
            raise reading.FileRejected("The file has no header row.", code="empty_file")
        out.seek(0)
        name = default_storage.save(f"{data_import.file.name}.rows.jsonl", File(out))
    return spool.blocks, (total, valid, failed), set(validator.fields), name


def _join(
    open_records: OrderedDict[str, list[Any]],
    first_seen: dict[str, int],
    result: RowResult,
    merge: Any,
    key_label: str,
    row_number: int,
) -> str:
    """Add a row to the open record it belongs to; the reason it cannot, or ''."""
    key = result.key
    if merge is None:
        return "This kind of file does not group rows."
    record = open_records.get(key)
    if record is None:
        if key in first_seen:
            return (
                f"The row it belongs to ({key_label} {key!r}, row {first_seen[key]}) is too far above it; "
                "keep rows that belong together next to each other."
            )
        return f"No valid row with {key_label} {key!r} above this row to belong to."
    reason = merge(record[2], result.values)
    if not reason:
        record[1] = row_number
        open_records.move_to_end(key)
    return str(reason or "")


def _key_header(data_import: DataImport) -> str:
    """The column holding the record's key (the SKU column), for the duplicate error."""
    key_field = get_import_target(data_import.target).key_field
    headers = [header for header, mapped in data_import.column_mapping.items() if mapped == key_field]
    return headers[0] if headers else key_field
