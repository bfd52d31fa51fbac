"""Amounts with their currency, in the page's language."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation

from apps.core.templatetags.money import money


def test_known_currencies_take_their_sign_and_the_language_groups_digits() -> None:
    with translation.override("en"):
        assert money(Decimal("1234.5"), "USD") == "$1,234.50"
        assert money(Decimal("-3"), "eur") == "-€3.00"
        assert money(1200, "JPY") == "¥1,200"
        assert money("9.99", "CHF") == "9.99 CHF"
        assert money(None, "USD") == ""
    with translation.override("zh-hans"):
        assert money(Decimal("268"), "CNY") == "¥268.00"
