"""Order look-up proofs: a shopper sees an order only with its number and the matching email or phone.

``verify_order_proof`` is pure: it takes any object with ``number``, ``customer_email`` and
``customer_phone`` and answers True or False, never why (a "wrong email" answer would confirm that the
order exists). Comparisons run in constant time on normalised values.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from apps.core.text import clean_identifier

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_PHONE_CANDIDATE = re.compile(r"(?:\+|00)?\d[\d ().-]{5,}\d")
# A letter prefix and 3+ digits ("EC-1001", "#A123"), or 4+ digits: not a size (42) or a price (199).
_ORDER_NUMBER = re.compile(
    r"(?<![A-Za-z0-9_@.])#?((?:[A-Za-z]{1,6}[-_]?\d{3,}|\d{4,})[\dA-Za-z-]{0,20})(?![A-Za-z0-9_@])"
)
MIN_PHONE_DIGITS = 7


class OrderLike(Protocol):
    number: str
    customer_email: str
    customer_phone: str


def normalise_order_number(value: str) -> str:
    """``#ec-1001 `` and ``EC1001`` are one number: NFKC, upper case, letters and digits only."""
    return re.sub(r"[^0-9A-Z]", "", clean_identifier(value).upper())


def normalise_email(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().lower()


def normalise_phone(value: str) -> str:
    """Digits only, without a Chinese (+86) or North American (+1) country code or a trunk 0."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", value))
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
        digits = digits[2:]
    elif len(digits) == 11 and value.strip().startswith(("+1", "001")):
        # North American +1; a bare 11-digit number starting with 1 is a Chinese mobile and stays whole.
        digits = digits[1:]
    return digits


def _equal(left: str, right: str) -> bool:
    return bool(left) and hmac.compare_digest(left.encode(), right.encode())


def verify_order_proof(order: OrderLike, number: str, email_or_phone: str) -> bool:
    """True only when ``number`` is the order's and ``email_or_phone`` matches its email or its phone."""
    number_ok = _equal(normalise_order_number(number), normalise_order_number(order.number))
    proof = email_or_phone.strip()
    if "@" in proof:
        contact_ok = _equal(normalise_email(proof), normalise_email(order.customer_email or ""))
    else:
        phone = normalise_phone(proof)
        stored = normalise_phone(order.customer_phone or "")
        contact_ok = len(phone) >= MIN_PHONE_DIGITS and _equal(phone, stored)
    return number_ok and contact_ok


def find_order_proof(text: str) -> tuple[str, str]:
    """The order number and the email or phone a message gives, ``""`` where it gives none.

    The email is taken first, then a phone (7+ digits, not the order number); the order number is a
    token with a digit, optionally after ``#`` or a short letter prefix.
    """
    folded = unicodedata.normalize("NFKC", text)
    email_match = _EMAIL.search(folded)
    email = email_match.group(0) if email_match else ""
    rest = _EMAIL.sub(" ", folded)
    phones = [
        match.group(0)
        for match in _PHONE_CANDIDATE.finditer(rest)
        if len(re.sub(r"\D", "", match.group(0))) >= MIN_PHONE_DIGITS
    ]
    numbers = [
        match.group(1)
        for match in _ORDER_NUMBER.finditer(rest)
        if not any(match.group(1) in phone for phone in phones) or re.search(r"[A-Za-z]", match.group(1))
    ]
    if not numbers and len(phones) > 1:
        numbers = [phones.pop(0)]
    number = numbers[0] if numbers else ""
    phone = next((phone for phone in phones if normalise_phone(phone) != normalise_order_number(number)), "")
    return number, email or phone


_ORDER_WORDS = re.compile(
    r"\b(?:orders?|track(?:ing)?|parcel|package|shipment|delivery|status|where\s+is)\b|订单|单号|物流|快递|包裹|发货|到哪",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class OrderLookup:
    """What the assistant may say about an order question.

    ``status``: ``found`` (the proof matched; ``order`` is set), ``needs_proof`` (a number or a contact is
    missing), ``not_verified`` (both given, no order matches them: the same answer whether the number
    exists or not, so nothing leaks), or ``not_an_order_question``.
    """

    status: str
    order: Any = None


def is_order_question(text: str) -> bool:
    """A message about one order: it mentions orders, tracking or delivery and gives an order number."""
    number, _ = find_order_proof(text)
    return bool(number) and _ORDER_WORDS.search(unicodedata.normalize("NFKC", text)) is not None


def lookup_order(orders: Iterable[OrderLike], message: str) -> OrderLookup:
    """The order a message proves it may see, checking the proof against every candidate the same way."""
    number, contact = find_order_proof(message)
    if not number:
        return OrderLookup("not_an_order_question")
    if not contact:
        return OrderLookup("needs_proof")
    wanted = normalise_order_number(number)
    matched = None
    for order in orders:
        if normalise_order_number(order.number) == wanted and verify_order_proof(order, number, contact):
            matched = order
    return OrderLookup("found", matched) if matched is not None else OrderLookup("not_verified")
