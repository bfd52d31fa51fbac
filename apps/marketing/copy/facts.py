"""Fact checks: what a variant states about the products and the promotion must be true.

Promotion terms are checked here (a discount, a date, a code that differ from the promotion's, or any
of them where the promotion has none); claims about the products (numbers, materials, colours,
certifications) go through the catalog's grounding checks against the products' facts, with the
promotion's terms counted as facts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from apps.catalog.text import grounding
from apps.catalog.text.facts import ProductFacts

from .compliance import Violation

_ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)

_PERCENT_OFF = re.compile(
    r"(\d{1,2}(?:\.\d+)?)\s*%\s*(?:off|discount)"
    r"|(?:save|extra|take|get|enjoy|up to)\s+(\d{1,2}(?:\.\d+)?)\s*%"
    r"|(?:减|省|优惠|折扣|立减|直降|低至)\s*(\d{1,2}(?:\.\d+)?)\s*%|(\d{1,2}(?:\.\d+)?)\s*%\s*(?:折扣|优惠)",
    re.IGNORECASE,
)
_ZHE = re.compile(r"(\d{1,2}(?:\.\d)?|[一二三四五六七八九])\s*折")
_AMOUNT_OFF = re.compile(
    r"[$¥￥€£]\s*(\d+(?:\.\d+)?)\s*off|(?:save|take)\s+[$¥￥€£]\s*(\d+(?:\.\d+)?)"
    r"|(?:立减|直降|减|省|优惠)\s*[¥￥$]?\s*(\d+(?:\.\d+)?)\s*(?:元|块)",
    re.IGNORECASE,
)
_DATE_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DATE_ZH = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_DATE_EN = re.compile(
    rf"\b{_MONTH}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b|\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b",
    re.IGNORECASE,
)
_DATE_NUMERIC = re.compile(r"(?<![\d/.-])(\d{1,2})/(\d{1,2})(?![\d/])")
_CODE_AFTER = re.compile(
    r"(?:promo\s*code|coupon\s*code|discount\s*code|code|coupon|优惠码|折扣码|券码|口令|兑换码)\s*[:：]?\s*[\"“'「(（]?\s*([A-Za-z0-9][A-Za-z0-9-]{2,23})",
    re.IGNORECASE,
)
_CODE_SHAPE = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2,}\d+[A-Z0-9]*|\d+[A-Z]{2,}[A-Z0-9]*)(?![A-Za-z0-9])")


@dataclass(frozen=True)
class PromotionTerms:
    """A promotion's terms: what copy about it may state."""

    discount_percent: float | None = None
    discount_amount: float | None = None
    currency: str = ""
    starts: date | None = None
    ends: date | None = None
    code: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["starts"] = self.starts.isoformat() if self.starts else None
        data["ends"] = self.ends.isoformat() if self.ends else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> PromotionTerms | None:
        if not data:
            return None
        return cls(
            discount_percent=data.get("discount_percent"),
            discount_amount=data.get("discount_amount"),
            currency=data.get("currency", ""),
            starts=date.fromisoformat(data["starts"]) if data.get("starts") else None,
            ends=date.fromisoformat(data["ends"]) if data.get("ends") else None,
            code=data.get("code", ""),
        )

    def describe(self, language: str) -> str:
        """The terms in one line, as the prompt gives them to the model."""
        parts = []
        if self.discount_percent is not None:
            percent = _plain(self.discount_percent)
            parts.append(
                f"{_plain(10 - self.discount_percent / 10)}折" if language == "zh" else f"{percent}% off"
            )
        if self.discount_amount is not None:
            amount = _plain(self.discount_amount)
            parts.append(
                f"立减{amount}元"
                if language == "zh"
                else f"{self.currency or '$'}{amount} off".replace("USD", "$")
            )
        if self.starts or self.ends:
            parts.append(_date_range(self.starts, self.ends, language))
        if self.code:
            parts.append(f"优惠码 {self.code}" if language == "zh" else f"code {self.code}")
        return ", ".join(parts) if language != "zh" else "，".join(parts)

    def corpus(self) -> str:
        """The terms as facts: every number a true statement about them may contain."""
        numbers: list[str] = []
        if self.discount_percent is not None:
            numbers += [
                _plain(self.discount_percent),
                _plain(10 - self.discount_percent / 10),
                _plain(100 - self.discount_percent),
            ]
            numbers.append(_plain(100 - self.discount_percent).replace(".", ""))
        if self.discount_amount is not None:
            numbers.append(_plain(self.discount_amount))
        for day in (self.starts, self.ends):
            if day:
                numbers += [
                    str(day.year),
                    str(day.month),
                    str(day.day),
                    f"{day.month}/{day.day}",
                    day.isoformat(),
                ]
        return " ".join([*numbers, self.code])


def _plain(number: float) -> str:
    return f"{number:.2f}".rstrip("0").rstrip(".")


def _date_range(starts: date | None, ends: date | None, language: str) -> str:
    def shown(day: date) -> str:
        return f"{day.month}月{day.day}日" if language == "zh" else day.strftime("%b %-d")

    if starts and ends:
        return f"{shown(starts)}至{shown(ends)}" if language == "zh" else f"{shown(starts)} to {shown(ends)}"
    day = starts or ends
    assert day is not None
    if language == "zh":
        return f"{shown(day)}{'起' if starts else '止'}"
    return f"{'from' if starts else 'until'} {shown(day)}"


def _number(text: str) -> float:
    return float(_ZH_DIGITS[text]) if text in _ZH_DIGITS else float(text)


def _discounts(text: str) -> list[tuple[str, str, float]]:
    """(kind, found, value) for every discount stated: kind "percent" (percent off) or "amount"."""
    found: list[tuple[str, str, float]] = []
    for match in _PERCENT_OFF.finditer(text):
        value = next(group for group in match.groups() if group is not None)
        found.append(("percent", match.group(0), float(value)))
    for match in _ZHE.finditer(text):
        value = _number(match.group(1))
        if value >= 10:  # 75折 is 7.5折
            value /= 10
        found.append(("percent", match.group(0), round(100 - value * 10, 2)))
    for match in _AMOUNT_OFF.finditer(text):
        value = next(group for group in match.groups() if group is not None)
        found.append(("amount", match.group(0), float(value)))
    return found


def _dates(text: str) -> list[tuple[str, set[tuple[int, int]]]]:
    """(found, possible (month, day) readings) for every date stated."""
    dates: list[tuple[str, set[tuple[int, int]]]] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match[str], readings: set[tuple[int, int]]) -> None:
        if any(match.start() < end and start < match.end() for start, end in taken):
            return
        taken.append(match.span())
        dates.append((match.group(0), readings))

    for match in _DATE_ISO.finditer(text):
        add(match, {(int(match.group(2)), int(match.group(3)))})
    for match in _DATE_ZH.finditer(text):
        add(match, {(int(match.group(2)), int(match.group(3)))})
    for match in _DATE_EN.finditer(text):
        month_name = (match.group(1) or match.group(4)).lower()
        day = int(match.group(2) or match.group(3))
        add(match, {(_MONTHS[month_name], day)})
    for match in _DATE_NUMERIC.finditer(text):
        first, second = int(match.group(1)), int(match.group(2))
        readings = {(a, b) for a, b in ((first, second), (second, first)) if 1 <= a <= 12 and 1 <= b <= 31}
        if readings:
            add(match, readings)
    return dates


def promotion_mentions(text: str) -> list[str]:
    """Every discount and date the text states, as written."""
    return [found for _kind, found, _value in _discounts(text)] + [found for found, _readings in _dates(text)]


def promotion_check(
    text: str, promotion: PromotionTerms | None, *, facts_corpus: str = ""
) -> list[Violation]:
    """A discount, date or code in the text that the promotion does not have."""
    violations: list[Violation] = []
    terms = promotion or PromotionTerms()
    for kind, found, value in _discounts(text):
        expected = terms.discount_percent if kind == "percent" else terms.discount_amount
        if expected is None:
            violations.append(
                Violation(
                    "unknown_promotion", kind, found, f"“{found}”: the promotion offers no such discount."
                )
            )
        elif abs(expected - value) > 0.01:
            shown = f"{_plain(expected)}%" if kind == "percent" else _plain(expected)
            violations.append(
                Violation(
                    "wrong_discount",
                    kind,
                    found,
                    f"“{found}” does not match the promotion's discount ({shown}).",
                )
            )
    allowed = {(day.month, day.day) for day in (terms.starts, terms.ends) if day}
    for found, readings in _dates(text):
        if not allowed:
            violations.append(
                Violation("unknown_promotion", "date", found, f"“{found}”: the promotion has no dates.")
            )
        elif not readings & allowed:
            violations.append(
                Violation("wrong_date", "date", found, f"“{found}” is not a date of the promotion.")
            )
    codes = {match.group(1) for match in _CODE_AFTER.finditer(text)}
    codes |= {
        match.group(1) for match in _CODE_SHAPE.finditer(text) if match.group(1).lower() not in facts_corpus
    }
    for code in sorted(codes):
        if not terms.code:
            violations.append(
                Violation("unknown_promotion", "code", code, f"“{code}”: the promotion has no code.")
            )
        elif code.upper() != terms.code.upper():
            violations.append(
                Violation("wrong_code", "code", code, f"“{code}” is not the promotion's code ({terms.code}).")
            )
    return violations


def merged_facts(products: Sequence[ProductFacts], promotion: PromotionTerms | None) -> ProductFacts:
    """The products' facts and the promotion's terms as one set of facts for the grounding checks."""
    attributes: dict[str, str] = {}
    for index, product in enumerate(products):
        for key, value in product.attributes.items():
            attributes[f"{index}:{key}"] = value
        attributes[f"{index}:title"] = product.title
        if product.price:
            attributes[f"{index}:price"] = f"{product.price} {product.currency}"
    if promotion is not None:
        attributes["promotion"] = promotion.corpus()
    return ProductFacts(
        title=" / ".join(product.title for product in products),
        brand=" ".join(sorted({product.brand for product in products if product.brand})),
        category=" ".join(sorted({product.category for product in products if product.category})),
        attributes=attributes,
    )


def _term_pattern(term: str) -> re.Pattern[str]:
    body = r"\s*".join(re.escape(part) for part in term.lower().split())
    if re.match(r"[a-z0-9]", body) and re.search(r"[a-z0-9]$", term.lower()):
        body = rf"(?<![a-z0-9]){body}(?![a-z0-9])"
    return re.compile(body, re.IGNORECASE)


def example_check(text: str, corpus: str, example_terms: Sequence[str]) -> list[Violation]:
    """Words of the prompt's examples (their products, brands, facts) that the request's facts do not
    give: copied from an example, they are invented facts about this request's products."""
    squeezed = re.sub(r"\s+", "", corpus)
    found: list[Violation] = []
    for term in sorted(example_terms, key=len, reverse=True):
        match = _term_pattern(term).search(text)
        if match is None or re.sub(r"\s+", "", term.lower()) in squeezed:
            continue
        if any(match.group(0) in violation.found for violation in found):
            continue  # "sage green" already holds "green"
        found.append(
            Violation(
                "invented_fact",
                "example_fact",
                match.group(0),
                f"“{match.group(0)}” comes from the prompt's examples, not from these products' facts.",
                blocking=False,
            )
        )
    return found


def fact_check(
    text: str,
    products: Sequence[ProductFacts],
    promotion: PromotionTerms | None,
    *,
    language: str,
    example_terms: Sequence[str] = (),
) -> list[Violation]:
    """Promotion terms stated wrongly, and product claims the facts do not support (not blocking for a
    reviewer's text: the facts on file may be incomplete; generated copy with one is not kept)."""
    facts = merged_facts(products, promotion)
    violations = [
        Violation(v.code, v.term, v.found, v.message, blocking=False)
        for v in promotion_check(text, promotion, facts_corpus=facts.corpus)
    ]
    flagged = " ".join(violation.found.lower() for violation in violations)
    report = grounding.check(
        text, facts, language=language, target_length=max(grounding.text_length(text, language), 1)
    )
    for flag in report.flags:
        if not flag["code"].startswith("unsupported_") or (flag["term"] and flag["term"] in flagged):
            continue
        violations.append(
            Violation("invented_fact", flag["code"], flag["term"], flag["message"], blocking=False)
        )
    flagged = " ".join(violation.found.lower() for violation in violations)
    violations += [
        violation
        for violation in example_check(text, facts.corpus, example_terms)
        if not any(part and part in violation.found.lower() for part in flagged.split())
    ]
    return violations
