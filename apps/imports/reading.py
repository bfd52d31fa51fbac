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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from apps.core.errors import ApplicationError
from apps.core.text import clean_text

MAX_COLUMNS = 200
PREVIEW_ROWS = 10
SAMPLE_BYTES = 256 * 1024
DECODE_CHUNK = 1024 * 1024

csv.field_size_limit(1024 * 1024)


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
    handle: IO[bytes], *, file_format: str, encoding: str = "", delimiter: str = ""
) -> Iterator[SourceRow]:
    """Every row of the file, the header first, as text cells. Streams; never holds the whole file."""
    handle.seek(0)
    if file_format == "xlsx":
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
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield SourceRow(number=number, cells=[cell_text(value) for value in values])
    finally:
        workbook.close()


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
