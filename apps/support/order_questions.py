"""Reading a shopper's message for an order question: is it about an order, which number, which proof.

Pure functions (no Django): the conversation service decides what to do with what they find.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ORDER_WORDS = re.compile(
    r"\b(my order|order (?:number|no\.?|#|status)|where is my|track(?:ing)?|parcel|package|shipment|"
    r"delivery status|has (?:it|my order) shipped|when will (?:it|my order) arrive|my purchase)\b|"
    r"订单|快递|物流|包裹|发货|到货|运单",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# Order numbers: after "order", "#", "订单(号)", or a bare token with letters and digits joined by a dash.
_NUMBER_AFTER_WORD = re.compile(
    r"(?:order\s*(?:number|no\.?|num|#)?\s*[:#]?\s*|#\s*|订单(?:号|编号)?\s*[:：是为]?\s*)"
    r"(?P<number>[A-Za-z]{0,4}-?\d{3,12}(?:-\d{1,6})?)",
    re.IGNORECASE,
)
_PHONE = re.compile(r"(?<![\w@])(\+?\d[\d\s\-().]{5,20}\d)(?![\w@])")


@dataclass(frozen=True)
class OrderQuestion:
    about_order: bool
    number: str = ""
    email: str = ""
    phone: str = ""

    @property
    def has_proof(self) -> bool:
        return bool(self.number and (self.email or self.phone))


def read_order_question(text: str) -> OrderQuestion:
    number_match = _NUMBER_AFTER_WORD.search(text)
    number = number_match.group("number") if number_match else ""
    email_match = _EMAIL.search(text)
    email = email_match.group(0) if email_match else ""
    rest = text
    if number_match:
        rest = rest.replace(number_match.group(0), " ")
    if email:
        rest = rest.replace(email, " ")
    phone = ""
    for match in _PHONE.finditer(rest):
        digits = re.sub(r"\D", "", match.group(1))
        if 6 <= len(digits) <= 20:
            phone = match.group(1)
            break
    about = bool(_ORDER_WORDS.search(text)) or bool(number)
    return OrderQuestion(about_order=about, number=number, email=email, phone=phone)
