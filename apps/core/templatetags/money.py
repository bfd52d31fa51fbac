"""``{{ amount|money:currency }}``: an amount with its currency, grouped and separated as the page's
language writes numbers ("$1,234.50", "¥1234.50"); codes without a well-known sign follow the number."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()

SIGNS = {
    "USD": "$",
    "CNY": "¥",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "HKD": "HK$",
    "TWD": "NT$",
    "AUD": "A$",
    "CAD": "C$",
}
NO_CENTS = {"JPY", "KRW"}


@register.filter
def money(amount: Decimal | float | int | str | None, currency: str = "") -> str:
    if amount in (None, ""):
        return ""
    code = (currency or "").upper()
    digits = 0 if code in NO_CENTS else 2
    number = number_format(Decimal(str(amount)), digits, force_grouping=True)
    sign = SIGNS.get(code)
    if sign:
        return f"-{sign}{number[1:]}" if number.startswith("-") else f"{sign}{number}"
    return f"{number} {code}".strip()
