"""Reading catalog files: format and encoding detection, streaming rows, column mapping, row validation.

Nothing here touches the database. Files are read row by row (CSV through the text reader,
XLSX through openpyxl's read-only mode), so a file of any length is read in constant memory.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from apps.core import text as text_hygiene
from apps.core.errors import ApplicationError

from .models import Language, Product

PRODUCT_FIELDS = (
    "sku",
    "title",
    "category",
    "brand",
    "price",
    "currency",
    "image_urls",
    "language",
    "status",
    "attributes",
)
ATTRIBUTE_PREFIX = "attribute:"
IGNORE = "ignore"
FIELD_MAX_LENGTH = {"sku": 64, "title": 300, "category": 200, "brand": 200}
ATTRIBUTE_KEY_MAX = 64
ATTRIBUTE_VALUE_MAX = 1000
MAX_COLUMNS = 200
PREVIEW_ROWS = 10
SAMPLE_BYTES = 256 * 1024

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


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1024 * 1024):
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


def detect_encoding(path: Path) -> str:
    """The text encoding of a CSV file: a BOM, else strict UTF-8, else GBK / GB18030, else a best guess."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decodes(path, "utf-8"):
        return "utf-8"
    if _looks_like_chinese_gb(sample):
        for candidate in ("gbk", "gb18030"):
            if _decodes(path, candidate):
                return candidate
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    guess = (best.encoding if best else "").lower().replace("-", "").replace("_", "")
    if guess in _CHINESE_ENCODINGS and _decodes(path, "gb18030"):
        return "gb18030"
    if best and _decodes(path, best.encoding):
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


def sniff_delimiter(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        sample = handle.read(16 * 1024)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return "\t" if sample.count("\t") > sample.count(",") else ","


# --- reading rows -------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
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
    *, path: Path, file_format: str, encoding: str = "", delimiter: str = ""
) -> Iterator[SourceRow]:
    """Every row of the file, the header first, as text cells. Streams; never holds the whole file."""
    if file_format == "xlsx":
        yield from _iter_xlsx(path)
    else:
        yield from _iter_csv(path, encoding or "utf-8", delimiter or ",")


def _iter_csv(path: Path, encoding: str, delimiter: str) -> Iterator[SourceRow]:
    # Undecodable bytes become U+FFFD and the row is reported, rather than stopping the whole file.
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield SourceRow(number=reader.line_num, cells=[], error=f"Unreadable CSV row: {error}")
                continue
            yield SourceRow(number=reader.line_num, cells=cells)


def _iter_xlsx(path: Path) -> Iterator[SourceRow]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        raise FileRejected(f"The workbook cannot be opened: {error}", code="not_xlsx") from error
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield SourceRow(number=number, cells=[_cell_text(value) for value in values])
    finally:
        workbook.close()


# --- column mapping -----------------------------------------------------------------------

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "sku": (
        "sku",
        "code",
        "skucode",
        "skuid",
        "itemcode",
        "productcode",
        "productid",
        "货号",
        "商品编码",
        "商家编码",
        "编码",
        "商品货号",
        "款号",
        "sku编码",
    ),
    "title": (
        "title",
        "name",
        "productname",
        "producttitle",
        "itemname",
        "商品名称",
        "名称",
        "标题",
        "商品标题",
        "品名",
        "产品名称",
    ),
    "category": (
        "category",
        "categories",
        "productcategory",
        "producttype",
        "类目",
        "分类",
        "品类",
        "商品分类",
        "商品类目",
    ),
    "brand": ("brand", "brandname", "manufacturer", "品牌", "品牌名称"),
    "price": ("price", "saleprice", "retailprice", "unitprice", "价格", "售价", "单价", "零售价", "销售价"),
    "currency": ("currency", "币种", "货币"),
    "image_urls": (
        "image",
        "images",
        "imageurl",
        "imageurls",
        "imagelink",
        "picture",
        "photo",
        "图片",
        "图片链接",
        "主图",
        "图片地址",
    ),
    "language": ("language", "lang", "locale", "语言"),
    "status": ("status", "state", "状态", "商品状态"),
    "attributes": ("attributes", "specs", "specifications", "属性", "规格参数", "商品属性"),
    IGNORE: ("description", "desc", "productdescription", "描述", "商品描述", "详情"),
}
_LOOKUP = {synonym: target for target, synonyms in _SYNONYMS.items() for synonym in synonyms}


def _header_key(header: str) -> str:
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


def auto_mapping(headers: list[str]) -> dict[str, str]:
    """Header -> target for a new upload: known names (English and Chinese); other columns are attributes."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for header in headers:
        key = _header_key(header)
        lowered = header.strip().lower()
        for prefix in ("attribute:", "attr:", "属性:", "属性："):
            if lowered.startswith(prefix) and len(header.strip()) > len(prefix):
                mapping[header] = ATTRIBUTE_PREFIX + header.strip()[len(prefix) :].strip()
                break
        else:
            target = _LOOKUP.get(key)
            if target and target != IGNORE and target in used:
                target = None
            if target:
                mapping[header] = target
                used.add(target)
            else:
                mapping[header] = ATTRIBUTE_PREFIX + header.strip()
    return mapping


def validate_mapping(*, headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """The mapping for these headers, checked: SKU and title mapped once, targets known."""
    unknown_headers = sorted(set(mapping) - set(headers))
    if unknown_headers:
        raise ApplicationError(
            f"These columns are not in the file: {', '.join(unknown_headers)}.", code="invalid_mapping"
        )
    complete = {header: mapping.get(header, IGNORE) for header in headers}
    targets: dict[str, str] = {}
    for header, target in complete.items():
        if target == IGNORE:
            continue
        if target.startswith(ATTRIBUTE_PREFIX):
            name = target[len(ATTRIBUTE_PREFIX) :].strip()
            if not name or len(name) > ATTRIBUTE_KEY_MAX:
                raise ApplicationError(
                    f"Column {header!r}: attribute names are 1 to {ATTRIBUTE_KEY_MAX} characters.",
                    code="invalid_mapping",
                )
            continue
        if target not in PRODUCT_FIELDS:
            raise ApplicationError(f"Column {header!r}: unknown field {target!r}.", code="invalid_mapping")
        if target in targets:
            raise ApplicationError(
                f"Columns {targets[target]!r} and {header!r} are both mapped to {target}.",
                code="invalid_mapping",
            )
        targets[target] = header
    for required in ("sku", "title"):
        if required not in targets:
            raise ApplicationError(f"Map a column to {required}; it is required.", code="invalid_mapping")
    return complete


# --- row validation -----------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
_CURRENCY_ALIASES = {
    "¥": "CNY",
    "￥": "CNY",
    "rmb": "CNY",
    "元": "CNY",
    "人民币": "CNY",
    "$": "USD",
    "us$": "USD",
    "美元": "USD",
    "€": "EUR",
    "£": "GBP",
    "hk$": "HKD",
    "nt$": "TWD",
}
_LANGUAGE_ALIASES = {
    "en": "en",
    "english": "en",
    "en-us": "en",
    "en-gb": "en",
    "英文": "en",
    "英语": "en",
    "zh": "zh",
    "zh-cn": "zh",
    "zh-hans": "zh",
    "chinese": "zh",
    "cn": "zh",
    "中文": "zh",
    "简体中文": "zh",
}
_STATUS_ALIASES = {
    "active": "active",
    "on": "active",
    "published": "active",
    "上架": "active",
    "在售": "active",
    "draft": "draft",
    "草稿": "draft",
    "archived": "archived",
    "off": "archived",
    "下架": "archived",
    "停售": "archived",
    "inactive": "archived",
}
MAX_PRICE = Decimal("9999999999.99")


def clean_text(value: str) -> str:
    """Text as stored: NFC, control characters (NUL included, which PostgreSQL refuses) and bidi
    overrides removed (apps/core/text.py)."""
    return text_hygiene.clean_text(value)


def looks_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def parse_price(raw: str) -> tuple[Decimal | None, str]:
    """A price and the currency its symbol implies, from '1,299.00', '¥59', '$12.5', '12,50'."""
    text = raw.strip().replace("\u00a0", "").replace(" ", "")
    currency = ""
    for alias, code in sorted(_CURRENCY_ALIASES.items(), key=lambda pair: -len(pair[0])):
        if text.lower().startswith(alias) or text.lower().endswith(alias):
            currency = code
            text = text[len(alias) :] if text.lower().startswith(alias) else text[: -len(alias)]
            break
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")
    elif re.fullmatch(r"\d+,\d{1,2}", text):
        text = text.replace(",", ".")
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not a price") from None
    if not price.is_finite() or price < 0:
        raise ValueError(f"{raw!r} is not a price")
    if price > MAX_PRICE:
        raise ValueError(f"{raw!r} is too large")
    return price.quantize(Decimal("0.01")), currency


def parse_attributes(raw: str) -> dict[str, str]:
    """'material: cotton; colour: navy' (or a JSON object, or one pair per line) as a dict."""
    text = raw.strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError:
            raise ValueError("is not valid JSON") from None
        if not isinstance(loaded, dict):
            raise ValueError("must be a JSON object")
        return {str(key): _cell_text(value) for key, value in loaded.items()}
    pairs: dict[str, str] = {}
    for part in re.split(r"[;\n；|]", text):
        if not part.strip():
            continue
        match = re.match(r"\s*([^:：=]+?)\s*[:：=]\s*(.*)$", part, re.DOTALL)
        if not match:
            raise ValueError(f"{part.strip()[:40]!r} is not 'name: value'")
        key, value = match.group(1), match.group(2)
        pairs[key.strip()] = value.strip()
    return pairs


@dataclass
class RowResult:
    values: dict[str, Any] | None
    errors: list[tuple[str, str]] = field(default_factory=list)


class RowValidator:
    """Turns a row's cells into product fields under a mapping, or says per column what is wrong."""

    def __init__(
        self, *, headers: list[str], mapping: dict[str, str], default_currency: str, default_language: str
    ) -> None:
        self.headers = headers
        self.columns: list[tuple[int, str, str]] = [
            (index, header, mapping[header])
            for index, header in enumerate(headers)
            if mapping[header] != IGNORE
        ]
        self.default_currency = default_currency
        self.default_language = default_language
        self.fields = {
            target for _index, _header, target in self.columns if not target.startswith(ATTRIBUTE_PREFIX)
        }
        self.has_attributes = any(
            target == "attributes" or target.startswith(ATTRIBUTE_PREFIX) for _i, _h, target in self.columns
        )

    def validate(self, cells: list[str]) -> RowResult:
        errors: list[tuple[str, str]] = []
        values: dict[str, Any] = {}
        attributes: dict[str, str] = {}
        price_currency = ""
        if len(cells) > len(self.headers) and any(cell.strip() for cell in cells[len(self.headers) :]):
            errors.append(
                ("", f"The row has {len(cells)} cells but the header has {len(self.headers)} columns.")
            )
        for index, header, target in self.columns:
            raw = cells[index] if index < len(cells) else ""
            if "\ufffd" in raw:
                errors.append((header, "Contains bytes that are not valid in the file's encoding."))
                continue
            text = clean_text(raw)
            if target.startswith(ATTRIBUTE_PREFIX):
                if text:
                    if len(text) > ATTRIBUTE_VALUE_MAX:
                        errors.append((header, f"Longer than {ATTRIBUTE_VALUE_MAX} characters."))
                    else:
                        attributes[target[len(ATTRIBUTE_PREFIX) :]] = text
                continue
            try:
                self._field(target, text, values, attributes)
            except ValueError as error:
                errors.append((header, str(error)))
                continue
            if target == "price":
                price_currency = values.pop("_price_currency", "")
        if errors:
            return RowResult(values=None, errors=errors)
        if "currency" not in values or not values["currency"]:
            values["currency"] = price_currency or (
                self.default_currency if values.get("price") is not None else ""
            )
        if not values.get("language"):
            sample = f"{values.get('title', '')} {' '.join(attributes.values())}"
            values["language"] = Language.CHINESE if looks_chinese(sample) else self.default_language
        values.setdefault("status", Product.Status.ACTIVE)
        if self.has_attributes:
            values["attributes"] = {**values.get("attributes", {}), **attributes}
        return RowResult(values=values)

    def _header_of(self, target: str) -> str:
        for _index, header, mapped in self.columns:
            if mapped == target:
                return header
        return target

    def _field(self, target: str, text: str, values: dict[str, Any], attributes: dict[str, str]) -> None:
        if target in FIELD_MAX_LENGTH:
            if target == "sku":
                text = text_hygiene.clean_identifier(text)
            if target in ("sku", "title") and not text:
                raise ValueError("Required; the cell is empty.")
            if len(text) > FIELD_MAX_LENGTH[target]:
                raise ValueError(f"Longer than {FIELD_MAX_LENGTH[target]} characters.")
            if target == "sku" and re.search(r"\s", text):
                raise ValueError("A SKU cannot contain spaces or line breaks.")
            values[target] = text
        elif target == "price":
            if text:
                try:
                    price, currency = parse_price(text)
                except ValueError as error:
                    raise ValueError(f"Not a valid price: {error}.") from None
                values["price"] = price
                values["_price_currency"] = currency
            else:
                values["price"] = None
        elif target == "currency":
            if text:
                code = _CURRENCY_ALIASES.get(text.lower(), text.upper())
                if not re.fullmatch(r"[A-Z]{3}", code):
                    raise ValueError(f"{text!r} is not a 3-letter currency code such as USD or CNY.")
                values["currency"] = code
        elif target == "language":
            if text:
                language = _LANGUAGE_ALIASES.get(text.lower())
                if not language:
                    raise ValueError(f"{text!r} is not a supported language (en, zh).")
                values["language"] = language
        elif target == "status":
            if text:
                status = _STATUS_ALIASES.get(text.lower())
                if not status:
                    raise ValueError(f"{text!r} is not a status (active, draft, archived).")
                values["status"] = status
        elif target == "image_urls":
            urls = [part for part in re.split(r"[\s,;|]+", text) if part]
            bad = [url for url in urls if not _URL.match(url) or len(url) > 1000]
            if bad:
                raise ValueError(f"Not an http(s) URL: {bad[0][:80]!r}.")
            values["image_urls"] = urls
        elif target == "attributes":
            try:
                parsed = parse_attributes(text)
            except ValueError as error:
                raise ValueError(f"Attributes {error}.") from None
            for key, value in parsed.items():
                if not key or len(key) > ATTRIBUTE_KEY_MAX or len(value) > ATTRIBUTE_VALUE_MAX:
                    raise ValueError(f"Attribute {key[:40]!r} has an empty or too long name or value.")
            values["attributes"] = {clean_text(k): clean_text(v) for k, v in parsed.items() if clean_text(v)}
