"""Reading uploaded tables: format and encoding detection, and streaming rows as text cells.

Nothing here touches the database. Files are read from a binary file object (whatever the
storage backend opened) row by row: CSV through the text reader, XLSX through openpyxl's
read-only mode, so a file of any length is read in constant memory.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from apps.core.errors import ApplicationError
from apps.core.text import clean_text

MAX_COLUMNS = 200
PREVIEW_ROWS = 10
SAMPLE_BYTES = 256 * 1024
DECODE_CHUNK = 1024 * 1024

MAX_CELL_CHARS = 1024 * 1024
csv.field_size_limit(MAX_CELL_CHARS)
# Workbooks are zip files whose sheets may unpack to far more than the upload's size. Declared
# entry sizes bound what the zip reader will unpack (a lying size fails its CRC check), so they
# are checked before openpyxl reads anything: a total, and a ratio for large entries (real
# sheets compress about 5 to 30 times; a sheet of empty rows, thousands of times).
XLSX_MAX_UNPACKED_BYTES = 512 * 1024 * 1024
XLSX_MAX_RATIO = 100
XLSX_RATIO_FROM_BYTES = 8 * 1024 * 1024
XLSX_MAX_ENTRIES = 10_000
# A sheet without a <dimension> element is walked whole (and held) by openpyxl before its first
# row is read; such a sheet is accepted only up to this size. Excel, LibreOffice and the common
# libraries always write the element.
XLSX_UNSIZED_MAX_BYTES = 4 * 1024 * 1024
SHEET_HEAD_BYTES = 64 * 1024
# A run of this many empty rows ends the read with an error, not minutes of walking blank XML.
MAX_BLANK_RUN = 10_000


class FileRejected(ApplicationError):
    code = "file_rejected"


class FileTooLarge(ApplicationError):
    code = "file_too_large"
    status_code = 413


# --- format and encoding ------------------------------------------------------------------


def detect_format(*, filename: str, head: bytes) -> str:
    """``csv`` or ``xlsx`` from the name and the first bytes; anything else is refused."""
    suffix = Path(filename).suffix.lower()
    is_zip = head.startswith(b"PK\x03\x04")
    if suffix in (".xlsx", ".xlsm") or (is_zip and suffix not in (".csv", ".txt", ".tsv")):
        if not is_zip:
            raise FileRejected("The file is named .xlsx but is not an Excel workbook.", code="not_xlsx")
        return "xlsx"
    if suffix == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected(
            "Old .xls workbooks are not supported; save the sheet as .xlsx or CSV.", code="unsupported_format"
        )
    if suffix in (".csv", ".txt", ".tsv", ""):
        if head[:4096].count(b"\x00") > len(head[:4096]) // 10 and not head.startswith(
            (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
        ):
            raise FileRejected("The file looks binary, not like a CSV text file.", code="not_csv")
        return "csv"
    raise FileRejected(
        f"Unsupported file type {suffix!r}; upload a .csv or .xlsx file.", code="unsupported_format"
    )


def _decodes(handle: IO[bytes], encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    handle.seek(0)
    try:
        while chunk := handle.read(DECODE_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


# Names charset-normalizer may give a Chinese file; all are read as GBK or its superset GB18030.
_CHINESE_ENCODINGS = {"gb2312", "gbk", "gb18030", "hz", "big5", "cp950", "big5hkscs"}


def _looks_like_chinese_gb(sample: bytes) -> bool:
    """True when the bytes read as GB18030 and most characters fall in GB2312's common-hanzi rows.

    Real GBK text uses mostly lead and trail bytes from 0xA1 up; Latin-1 or cp1252 text that happens
    to decode as GBK pairs a high byte with an ASCII letter instead, which this tells apart.
    """
    text = sample.decode("gb18030", errors="ignore")
    common = rare = 0
    for char in text:
        if ord(char) < 0x80:
            continue
        encoded = char.encode("gb18030")
        if len(encoded) == 2 and encoded[0] >= 0xA1 and encoded[1] >= 0xA1:
            common += 1
        elif len(encoded) == 4 and ord(char) > 0xFFFF:
            common += 1  # supplementary-plane hanzi exist only in GB18030
        else:
            rare += 1
    if common + rare == 0:
        return False
    try:
        sample.decode("gb18030")
    except UnicodeDecodeError as error:
        if error.start < len(sample) - 4:  # a character cut at the sample's end is fine
            return False
    return common / (common + rare) >= 0.8


def detect_encoding(handle: IO[bytes]) -> str:
    """The text encoding of a CSV file: a BOM, else strict UTF-8, else GBK / GB18030, else a best guess."""
    handle.seek(0)
    sample = handle.read(SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decodes(handle, "utf-8"):
        return "utf-8"
    if _looks_like_chinese_gb(sample):
        for candidate in ("gbk", "gb18030"):
            if _decodes(handle, candidate):
                return candidate
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    guess = (best.encoding if best else "").lower().replace("-", "").replace("_", "")
    if guess in _CHINESE_ENCODINGS and _decodes(handle, "gb18030"):
        return "gb18030"
    if best and _decodes(handle, best.encoding):
        return best.encoding
    raise FileRejected(
        "Could not tell the file's text encoding; save it as UTF-8 and upload it again.",
        code="unknown_encoding",
    )


def normalise_encoding(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise FileRejected(f"Unknown text encoding {name!r}.", code="unknown_encoding") from None


def sniff_delimiter(handle: IO[bytes], encoding: str) -> str:
    handle.seek(0)
    sample = handle.read(64 * 1024).decode(encoding, errors="replace")[: 16 * 1024]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return "\t" if sample.count("\t") > sample.count(",") else ","


# --- reading rows -------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A spreadsheet cell's value as the text a person sees in it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass
class SourceRow:
    number: int  # the row number a spreadsheet shows: the header is row 1
    cells: list[str]
    error: str = ""


def iter_rows(
    handle: IO[bytes],
    *,
    file_format: str,
    encoding: str = "",
    delimiter: str = "",
    max_unpacked_bytes: int = XLSX_MAX_UNPACKED_BYTES,
) -> Iterator[SourceRow]:
    """Every row of the file, the header first, as text cells. Streams; never holds the whole file."""
    handle.seek(0)
    if file_format == "xlsx":
        check_workbook_container(handle, max_unpacked_bytes=max_unpacked_bytes)
        handle.seek(0)
        yield from _iter_xlsx(handle)
    else:
        yield from _iter_csv(handle, encoding or "utf-8", delimiter or ",")


def _iter_csv(handle: IO[bytes], encoding: str, delimiter: str) -> Iterator[SourceRow]:
    # Undecodable bytes become U+FFFD and the row is reported, rather than stopping the whole file.
    text = io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="")  # type: ignore[type-var]
    try:
        reader = csv.reader(text, delimiter=delimiter)
        # Rows are numbered as a spreadsheet shows them: a cell with line breaks is still one row.
        number = 0
        while True:
            number += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield SourceRow(number=number, cells=[], error=f"Unreadable CSV row: {error}")
                continue
            yield SourceRow(number=number, cells=cells)
    finally:
        text.detach()  # the storage backend's file object is closed by whoever opened it


def _iter_xlsx(handle: IO[bytes]) -> Iterator[SourceRow]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as error:
        raise FileRejected(f"The workbook cannot be opened: {error}", code="not_xlsx") from error
    try:
        if not workbook.worksheets:
            raise FileRejected("The workbook has no sheet.", code="not_xlsx")
        sheet = workbook.worksheets[0]
        blank_run = 0
        # Rows are as wide as the sheet's declared dimension. Without one, or with one wider than the
        # limit (a stray cell in column XFD would pad every row to 16,384), one column past the limit
        # is read, so clean_headers can say the sheet is too wide, and trailing empty cells are cut.
        declared = sheet.max_column if isinstance(sheet.max_column, int) else None
        trim = declared is None or declared > MAX_COLUMNS + 1
        width = MAX_COLUMNS + 1 if trim or declared is None else declared
        for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=width), start=1):
            cells = [cell_text(value) for value in values]
            while trim and cells and not cells[-1]:
                cells.pop()
            if any(cells):
                blank_run = 0
            else:
                blank_run += 1
                if blank_run >= MAX_BLANK_RUN:
                    raise FileRejected(
                        f"The sheet has more than {MAX_BLANK_RUN:,} empty rows in a row (from row "
                        f"{number - blank_run + 1:,}); delete them and upload the file again.",
                        code="blank_rows",
                    )
            if any(len(cell) > MAX_CELL_CHARS for cell in cells):
                yield SourceRow(
                    number=number,
                    cells=[],
                    error=f"A cell holds more than {MAX_CELL_CHARS:,} characters.",
                )
                continue
            yield SourceRow(number=number, cells=cells)
    finally:
        workbook.close()


@contextmanager
def archive_entry(handle: IO[bytes], entry: zipfile.ZipInfo) -> Iterator[IO[bytes]]:
    handle.seek(0)
    with zipfile.ZipFile(handle) as archive, archive.open(entry) as stream:
        yield stream


def check_workbook_container(handle: IO[bytes], *, max_unpacked_bytes: int = XLSX_MAX_UNPACKED_BYTES) -> None:
    """Refuse a workbook whose zip entries would unpack to too much, before any of it is unpacked."""
    try:
        with zipfile.ZipFile(handle) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileRejected(f"The workbook cannot be opened: {error}", code="not_xlsx") from error
    if len(entries) > XLSX_MAX_ENTRIES:
        raise FileRejected(
            f"The workbook holds {len(entries):,} files; a spreadsheet holds a few dozen.",
            code="xlsx_too_large",
        )
    total = sum(entry.file_size for entry in entries)
    if total > max_unpacked_bytes:
        raise FileRejected(
            f"The workbook unpacks to {total / 2**20:,.0f} MB, over the {max_unpacked_bytes / 2**20:,.0f} MB "
            "limit; save it as CSV or split it.",
            code="xlsx_too_large",
        )
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > XLSX_RATIO_FROM_BYTES and ratio > XLSX_MAX_RATIO:
            raise FileRejected(
                f"{entry.filename!r} unpacks to {ratio:,.0f} times its "
                "packed size: the workbook is mostly empty rows or is built to exhaust the server. Delete "
                "the empty rows, or save the sheet as CSV.",
                code="xlsx_too_large",
            )
        if entry.filename.startswith("xl/worksheets/") and entry.file_size > XLSX_UNSIZED_MAX_BYTES:
            with archive_entry(handle, entry) as sheet:
                head = sheet.read(SHEET_HEAD_BYTES)
            if b"<dimension" not in head.split(b"<sheetData", 1)[0]:
                raise FileRejected(
                    "The sheet does not state its size (no dimension element), and is too large to be "
                    "measured safely; open it in Excel or LibreOffice and save it again, or save it as CSV.",
                    code="xlsx_unsized",
                )


def header_key(header: str) -> str:
    """A header compared loosely: lower case, without spaces, underscores, dashes, dots or brackets."""
    return re.sub(r"[\s_\-./()（）:：]+", "", header.strip().lower())


def clean_headers(cells: list[str]) -> list[str]:
    """Headers made unique and non-empty, so each can name a column in a mapping."""
    if len(cells) > MAX_COLUMNS:
        raise FileRejected(
            f"The file has {len(cells)} columns; at most {MAX_COLUMNS} are supported.",
            code="too_many_columns",
        )
    seen: dict[str, int] = {}
    headers = []
    for index, cell in enumerate(cells, start=1):
        name = clean_text(cell).strip() or f"column {index}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        headers.append(name)
    return headers
