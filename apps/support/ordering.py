"""What an order row means: contact details as compared, amounts, dates, statuses and item lists.

Shared by the order API, the order import and the shopper's order lookup. Nothing here touches the
database.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from apps.core.text import clean_identifier, clean_text
from apps.imports.targets import RowResult, mapped_columns

from .models import OrderStatus

MAX_AMOUNT = Decimal("9999999999.99")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
STATUS_ALIASES = {
    **{status.value: status.value for status in OrderStatus},
    "unpaid": "pending",
    "待付款": "pending",
    "已付款": "paid",
    "待发货": "processing",
    "处理中": "processing",
    "已发货": "shipped",
    "in transit": "shipped",
    "运输中": "shipped",
    "已签收": "delivered",
    "已送达": "delivered",
    "已完成": "delivered",
    "已取消": "cancelled",
    "canceled": "cancelled",
    "已退货": "returned",
    "已退款": "refunded",
}
DATE_FIELDS = ("placed_at", "shipped_at", "delivered_at")
AMOUNT_FIELDS = ("total_amount", "shipping_amount")
TEXT_LIMITS = {"number": 64, "customer_name": 200, "carrier": 100, "tracking_number": 100}


def normalise_email(value: str) -> str:
    return clean_identifier(value).lower()


def normalise_phone(value: str) -> str:
    """Digits only, a leading + kept: '+1 (555) 010-2030' -> '+15550102030'."""
    text = clean_identifier(value)
    digits = re.sub(r"\D", "", text)
    return ("+" + digits) if text.startswith("+") and digits else digits


def normalise_order_number(value: str) -> str:
    """'#A-1001 ' -> 'A-1001': shoppers type the hash sign, stores often do not store it."""
    return clean_identifier(value).lstrip("#").strip().upper()


def parse_amount(text: str) -> Decimal | None:
    cleaned = re.sub(r"(?i)^(?:[¥￥$€£]|usd|cny|rmb|eur|gbp)|(?:元|usd|cny|rmb|eur|gbp)$", "", text.strip())
    cleaned = cleaned.replace("\u00a0", "").replace(" ", "")
    if not cleaned:
        return None
    if not re.fullmatch(r"[\d.,]+", cleaned):
        raise ValueError(f"{text!r} is not an amount")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", cleaned):
        cleaned = cleaned.replace(",", "")
    elif re.fullmatch(r"\d+,\d{1,2}", cleaned):
        cleaned = cleaned.replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValueError(f"{text!r} is not an amount")
    return amount.quantize(Decimal("0.01"))


def parse_when(text: str) -> datetime | None:
    """An ISO date or date-time ('2026-03-01', '2026-03-01 14:00', with or without an offset)."""
    text = text.strip()
    if not text:
        return None
    moment = parse_datetime(text.replace("/", "-"))
    if moment is None:
        day = parse_date(text.replace("/", "-"))
        if day is None:
            raise ValueError(f"{text!r} is not a date (use 2026-03-01 or 2026-03-01 14:00)")
        moment = datetime(day.year, day.month, day.day)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def parse_status(text: str) -> str:
    status = STATUS_ALIASES.get(text.strip().lower())
    if not status:
        raise ValueError(f"{text!r} is not an order status ({', '.join(OrderStatus.values)})")
    return status


_ITEM = re.compile(
    r"^(?P<title>.+?)(?:\s*[x×*]\s*(?P<quantity>\d{1,5}))?(?:\s*@\s*(?P<price>[\d.,]+))?$", re.IGNORECASE
)


def parse_items(text: str) -> list[dict[str, Any]]:
    """'Linen shirt x2 @ 49.00; Socks' -> items; a leading 'SKU:' names the SKU ('LS-1: Linen shirt x2')."""
    items: list[dict[str, Any]] = []
    for part in re.split(r"[;\n；|]", text):
        part = clean_text(part)
        if not part:
            continue
        match = _ITEM.match(part)
        if not match:
            raise ValueError(f"{part[:40]!r} is not 'title x quantity @ price'")
        title = match.group("title").strip()
        sku = ""
        if ":" in title and not title.startswith("http"):
            sku, title = (piece.strip() for piece in title.split(":", 1))
        if not title or len(title) > 300 or len(sku) > 64:
            raise ValueError(f"{part[:40]!r}: an item needs a title of at most 300 characters")
        items.append(
            {
                "sku": sku,
                "title": title,
                "quantity": int(match.group("quantity") or 1),
                "unit_price": str(parse_amount(match.group("price"))) if match.group("price") else None,
            }
        )
    if len(items) > 200:
        raise ValueError("At most 200 items per order")
    return items


def clean_order_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Contact details normalised for comparison, text cleaned; raises ValueError with what is wrong."""
    cleaned = dict(fields)
    if "number" in cleaned:
        cleaned["number"] = normalise_order_number(str(cleaned["number"] or ""))
        if not cleaned["number"] or re.search(r"\s", cleaned["number"]):
            raise ValueError("An order number is required and cannot contain spaces.")
    if "customer_email" in cleaned:
        cleaned["customer_email"] = normalise_email(str(cleaned["customer_email"] or ""))
        if cleaned["customer_email"] and not _EMAIL.match(cleaned["customer_email"]):
            raise ValueError(f"{cleaned['customer_email'][:60]!r} is not an e-mail address.")
    if "customer_phone" in cleaned:
        cleaned["customer_phone"] = normalise_phone(str(cleaned["customer_phone"] or ""))
        if cleaned["customer_phone"] and not 6 <= len(cleaned["customer_phone"].lstrip("+")) <= 20:
            raise ValueError("A phone number has 6 to 20 digits.")
    for name, limit in TEXT_LIMITS.items():
        if name in cleaned and name != "number":
            cleaned[name] = clean_text(str(cleaned[name] or ""))
            if len(cleaned[name]) > limit:
                raise ValueError(f"{name} is longer than {limit} characters.")
    if "currency" in cleaned:
        cleaned["currency"] = clean_text(str(cleaned["currency"] or "")).upper()
        if cleaned["currency"] and not re.fullmatch(r"[A-Z]{3}", cleaned["currency"]):
            raise ValueError(f"{cleaned['currency']!r} is not a 3-letter currency code.")
    return cleaned


ORDER_ROW_FIELDS = (
    "number",
    "customer_name",
    "customer_email",
    "customer_phone",
    "status",
    "currency",
    "total_amount",
    "shipping_amount",
    "carrier",
    "tracking_number",
    "placed_at",
    "shipped_at",
    "delivered_at",
    "items",
)


class OrderRowValidator:
    """Turns a row's cells into order fields under a mapping, or says per column what is wrong."""

    def __init__(self, *, headers: list[str], mapping: dict[str, str], default_currency: str) -> None:
        self.headers = headers
        self.columns = mapped_columns(headers, mapping)
        self.default_currency = default_currency
        self.fields = {target for _i, _h, target in self.columns}

    def validate(self, cells: list[str]) -> RowResult:
        errors: list[tuple[str, str]] = []
        values: dict[str, Any] = {}
        for index, header, target in self.columns:
            raw = cells[index] if index < len(cells) else ""
            if "\ufffd" in raw:
                errors.append((header, "Contains bytes that are not valid in the file's encoding."))
                continue
            text = clean_text(raw)
            try:
                if target in DATE_FIELDS:
                    moment = parse_when(text)
                    values[target] = moment.isoformat() if moment else None
                elif target in AMOUNT_FIELDS:
                    amount = parse_amount(text)
                    values[target] = str(amount) if amount is not None else None
                elif target == "status":
                    if text:
                        values["status"] = parse_status(text)
                elif target == "items":
                    values["items"] = parse_items(text)
                else:
                    values.update(clean_order_fields({target: text}))
            except ValueError as error:
                errors.append((header, str(error)))
        if not errors and not values.get("number"):
            errors.append(("", "Required: the order number is empty."))
        if errors:
            return RowResult(values=None, errors=errors)
        values.setdefault("status", OrderStatus.PENDING.value)
        if not values.get("currency") and values.get("total_amount") is not None:
            values["currency"] = self.default_currency
        return RowResult(values=values, key=values["number"])
