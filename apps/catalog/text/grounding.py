"""Grounding checks for generated descriptions: what a draft covers, and what it claims without support.

A claim is supported when the product's facts (title, brand, category, attributes, price) say it.
Numbers, materials, certifications and guarantees a draft adds on its own are flagged, and so are
superlatives ("best", "最好"): the facts never prove those, and Chinese advertising law bans several.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from apps.core.text import CJK, is_chinese

from .facts import ProductFacts
from .reasons import Reason, flag
from .vocabulary import (
    CERTIFICATIONS,
    COLOURS_EN,
    COLOURS_ZH,
    MATERIALS_EN,
    MATERIALS_ZH,
    SAME_COLOUR,
    SUPERLATIVES,
)

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[A-Za-z0-9']+")


def text_length(text: str, language: str) -> int:
    """Words in English, characters (hanzi, plus Latin words) in Chinese."""
    if language == "zh":
        return len(CJK.findall(text)) + len(_WORD.findall(text))
    return len(_WORD.findall(text))


def _contains_term(haystack: str, term: str) -> bool:
    if CJK.search(term) or not term[:1].isalnum():
        return term in haystack
    return re.search(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", haystack) is not None


def _covered(value: str, text: str) -> bool:
    value_lower = value.lower().strip()
    if not value_lower:
        return True
    if value_lower in text:
        return True
    if CJK.search(value_lower):
        # "纯棉, 氨纶" style lists: every part must be there.
        parts = [part for part in re.split(r"[,，、/;；\s]+", value_lower) if part]
        return bool(parts) and all(part in text for part in parts)
    tokens = [token for token in _WORD.findall(value_lower) if len(token) >= 3 or token.isdigit()]
    return bool(tokens) and all(_contains_term(text, token) for token in tokens)


@dataclass
class GroundingReport:
    score: float
    coverage: float
    covered: list[str]
    missing: list[str]
    unsupported: list[str]
    flags: list[dict[str, str]]
    length: int
    repetition: float

    @property
    def has_unsupported(self) -> bool:
        return bool(self.unsupported)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _repetition(text: str, language: str) -> float:
    if language == "zh":
        units = [char for char in text if not char.isspace() and char not in "，。、！？；：,.!?;:"]
        size = 4
    else:
        units = [word.lower() for word in _WORD.findall(text)]
        size = 3
    grams = [tuple(units[i : i + size]) for i in range(max(0, len(units) - size + 1))]
    if not grams:
        return 0.0
    return round(1 - len(set(grams)) / len(grams), 3)


def check(
    text: str,
    facts: ProductFacts,
    *,
    language: str,
    target_length: int,
    keywords: list[str] | None = None,
    banned_words: list[str] | None = None,
) -> GroundingReport:
    """Score one draft against the facts: coverage, unsupported claims, length fit, repetition, keywords."""
    lowered = text.lower()
    corpus = facts.corpus
    flags: list[dict[str, str]] = []
    unsupported: list[str] = []

    def claim(code: str, term: str) -> None:
        if term not in unsupported:
            unsupported.append(term)
            flags.append(flag(code, term, Reason(code, term=term)))

    fact_numbers = {number.replace(",", "") for number in _NUMBER.findall(corpus)}
    for number in _NUMBER.findall(lowered):
        plain = number.replace(",", "")
        if plain not in fact_numbers and plain.rstrip("0").rstrip(".") not in fact_numbers:
            claim("unsupported_number", number)
    for term in (*MATERIALS_EN, *MATERIALS_ZH):
        if _contains_term(lowered, term) and not _contains_term(corpus, term):
            if any(
                term != other
                and term in other
                and _contains_term(lowered, other)
                and _contains_term(corpus, other)
                for other in (*MATERIALS_EN, *MATERIALS_ZH)
            ):
                continue  # "棉" inside a supported "纯棉"
            claim("unsupported_material", term)
    for term in (*COLOURS_EN, *COLOURS_ZH):
        if _contains_term(lowered, term) and not _contains_term(corpus, term):
            if term in SAME_COLOUR and _contains_term(corpus, SAME_COLOUR[term]):
                continue
            claim("unsupported_colour", term)
    for term in CERTIFICATIONS:
        if _contains_term(lowered, term) and not _contains_term(corpus, term):
            claim("unsupported_certification", term)
    for term in SUPERLATIVES:
        if _contains_term(lowered, term) and not _contains_term(corpus, term):
            claim("superlative", term)

    items = facts.coverage_items()
    covered = [name for name, value in items if _covered(value, lowered)]
    missing = [name for name, value in items if not _covered(value, lowered)]
    coverage = round(len(covered) / len(items), 3) if items else 1.0

    length = text_length(text, language)
    length_fit = max(0.0, 1 - abs(length - target_length) / max(target_length, 1))
    if not text.strip():
        flags.append(flag("empty", "", Reason("empty")))
    elif length < target_length * 0.5:
        flags.append(flag("too_short", str(length), Reason("too_short", length=length, target=target_length)))
    elif length > target_length * 1.6:
        flags.append(flag("too_long", str(length), Reason("too_long", length=length, target=target_length)))
    if text.strip() and (language == "zh") != is_chinese(text):
        flags.append(flag("wrong_language", language, Reason("wrong_language")))

    repetition = _repetition(text, language)
    if repetition > 0.15:
        flags.append(flag("repetition", f"{repetition:.2f}", Reason("repetition")))

    keywords = [keyword for keyword in (keywords or []) if keyword.strip()]
    missing_keywords = [keyword for keyword in keywords if keyword.lower() not in lowered]
    for keyword in missing_keywords:
        flags.append(flag("missing_keyword", keyword, Reason("missing_keyword", term=keyword)))
    keyword_share = 1 - len(missing_keywords) / len(keywords) if keywords else 1.0
    banned = [word for word in (banned_words or []) if word.strip() and _contains_term(lowered, word.lower())]
    for word in banned:
        flags.append(flag("banned_word", word, Reason("banned_word", term=word)))

    score = (
        0.45 * coverage
        + 0.2 * length_fit
        + 0.15 * (1 - min(repetition * 2, 1))
        + 0.2 * keyword_share
        - 0.15 * len(unsupported)
        - 0.1 * len(banned)
    )
    if not text.strip():
        score = 0.0
    return GroundingReport(
        score=round(max(score, 0.0), 4),
        coverage=coverage,
        covered=covered,
        missing=missing,
        unsupported=unsupported,
        flags=flags,
        length=length,
        repetition=repetition,
    )


def rank(reports: list[GroundingReport]) -> list[int]:
    """Candidate indexes best first: drafts without unsupported claims first, then by score."""
    return sorted(range(len(reports)), key=lambda i: (reports[i].has_unsupported, -reports[i].score, i))
