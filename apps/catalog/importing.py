"""Reading product rows of a catalog file: prices, currencies, languages, statuses and attributes.

Nothing here touches the database. The upload, encoding detection, preview and column mapping
are the imports app's, the same for every kind of file; this is what a row means for a product.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from apps.core.text import clean_identifier, clean_text, is_chinese
from apps.imports.reading import cell_text
from apps.imports.targets import ATTRIBUTE_PREFIX, GENERIC, PLATFORM_PREFIX, RowResult, mapped_columns

from .fields import ATTRIBUTE_KEY_MAX, ATTRIBUTE_VALUE_MAX, FIELD_MAX_LENGTH, IMPORT_FIELD_NAMES
from .models import Language, Product
from .platforms.rows import ParsedRow, rules_for
from .text.html import html_to_text, sanitize_html

PLATFORM_VALUE_MAX = 2000
DESCRIPTION_MAX = 200_000

# --- row validation -----------------------------------------------------------------------

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
        return {str(key): cell_text(value) for key, value in loaded.items()}
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


class ProductRowValidator:
    """Turns a row's cells into product fields under a mapping, or says per column what is wrong."""

    def __init__(
        self,
        *,
        headers: list[str],
        mapping: dict[str, str],
        default_currency: str,
        default_language: str,
        profile: str = GENERIC,
    ) -> None:
        self.headers = headers
        self.columns: list[tuple[int, str, str]] = mapped_columns(headers, mapping)
        self.default_currency = default_currency
        self.default_language = default_language
        self.rules = rules_for(profile)
        self.header_of = {target: header for _index, header, target in self.columns}
        mapped = set(self.header_of)
        self.has_attributes = any(
            target == "attributes" or target.startswith(ATTRIBUTE_PREFIX) for target in mapped
        ) or bool(mapped & {"option1_name", "option2_name", "option3_name"})
        # What products that exist get from this file: the mapped fields (attributes if any column
        # carries some), plus the three always resolved from the row or the store's defaults.
        self.fields = {
            target
            for target in mapped
            if not target.startswith((ATTRIBUTE_PREFIX, PLATFORM_PREFIX)) and target not in IMPORT_FIELD_NAMES
        }
        self.fields |= {"attributes"} if self.has_attributes else set()
        self.fields |= {"currency", "language", "status"}
        if any(target.startswith(PLATFORM_PREFIX) for target in mapped) or profile != GENERIC:
            self.fields |= {"platform", "platform_data"}
        if "description" in mapped:
            self.fields |= {"published_html", "published_text"}
        if mapped & (set(IMPORT_FIELD_NAMES) - {"description", "parent", "row_type"}):
            self.fields |= {"variants", "option_names", "price"}
        self.profile = profile

    def merge(self, record: dict[str, Any], values: dict[str, Any]) -> str:
        """Adds a variant row's values to its product's record; a reason when it cannot."""
        reason = self.rules.merge(record, values)
        if not reason and record.get("price") is not None and not record.get("currency"):
            record["currency"] = self.default_currency
        return reason

    def validate(self, cells: list[str]) -> RowResult:
        errors: list[tuple[str, str]] = []
        values: dict[str, Any] = {}
        attributes: dict[str, str] = {}
        extra: dict[str, str] = {}
        platform: dict[str, str] = {}
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
            if target.startswith(PLATFORM_PREFIX):
                if text:
                    platform[target[len(PLATFORM_PREFIX) :]] = text[:PLATFORM_VALUE_MAX]
                continue
            if target in IMPORT_FIELD_NAMES:
                if text:
                    extra[target] = text
                continue
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
        row = ParsedRow(values=values, attributes=attributes, extra=extra, platform=platform)
        join_key = self.rules.classify(row)
        if join_key is None:
            errors += [
                (self.header_of[name], "Required; the cell is empty.")
                for name in ("sku", "title")
                if name in self.header_of
                and not values.get(name)
                and self.header_of[name] not in dict(errors)
            ]
        errors += self.rules.read_variants(row, self.header_of)
        if errors:
            order = {header: index for index, header in enumerate(self.headers)}
            return RowResult(values=None, errors=sorted(errors, key=lambda error: order.get(error[0], -1)))
        if join_key is not None:
            return RowResult(values=row.joined_values(), key=join_key, join=True)
        self._description(row)
        values, attributes = row.values, row.attributes
        if values.get("price") is None and row.variants:  # a product's price is its first variant's
            values["price"] = next((v["price"] for v in row.variants if v.get("price") is not None), None)
        if "currency" not in values or not values["currency"]:
            values["currency"] = price_currency or (
                self.default_currency if values.get("price") is not None else ""
            )
        if not values.get("language"):
            sample = f"{values.get('title', '')} {' '.join(attributes.values())}"
            values["language"] = Language.CHINESE if is_chinese(sample) else self.default_language
        values.setdefault("status", Product.Status.ACTIVE)
        if self.has_attributes:
            values["attributes"] = {**values.get("attributes", {}), **attributes}
        if "variants" in self.fields:
            values["variants"] = row.variants
            values["option_names"] = row.option_names
        if "image_urls" in self.fields:
            values.setdefault("image_urls", [])
        if "platform_data" in self.fields:
            values["platform_data"] = platform
            values["platform"] = "" if self.profile == GENERIC else self.profile
        return RowResult(values=values, key=values["sku"])

    def _description(self, row: ParsedRow) -> None:
        """The shop's current description: sanitised HTML and its text, kept beside the facts."""
        if "description" not in self.header_of:
            return
        raw = row.extra.get("description", "")[:DESCRIPTION_MAX]
        markup = sanitize_html(raw) if raw else ""
        row.values["published_html"] = markup
        row.values["published_text"] = html_to_text(markup) if markup else ""

    def _field(self, target: str, text: str, values: dict[str, Any], attributes: dict[str, str]) -> None:
        if target in FIELD_MAX_LENGTH:
            if target == "sku":
                text = clean_identifier(text)
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
