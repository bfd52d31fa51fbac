"""Compliance: absolute claims banned in advertising, and the store's own banned words.

Sources of the built-in lists:

* 《中华人民共和国广告法》(2015 revision, amended 2018 and 2021), 第九条第（三）项: an advertisement must
  not use "国家级"、"最高级"、"最佳" and similar terms. The State Administration for Market Regulation's
  enforcement practice (and the former SAIC's 《关于执行〈广告法〉第七条第二款第三项规定有关问题的答复》)
  extends this to absolute and extreme terms of the same kind ("极限词"): 最 and its compounds, 第一,
  唯一, 首个, 顶级, 极致, 绝对, 万能, 世界级, 全网第一, 销量冠军... ZH_ABSOLUTE_TERMS is that list.
* 第二十八条 (false advertising) and 第十七条 (no medical efficacy for ordinary goods) add guarantees and
  cure claims: 保证, 无效退款, 零风险, 根治...
* English equivalents, for the same claims in English copy (and the FTC's guidance that a claim like
  "guaranteed" or "#1" needs substantiation): EN_ABSOLUTE_TERMS.

Matching sees through evasions: full-width letters (ＢＥＳＴ), zero-width and other invisible
characters, and spaces or filler punctuation between the characters (最 好, b.e.s.t, 第-一).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from apps.core.text import CJK

LEGAL_SOURCE = "《中华人民共和国广告法》第九条第（三）项、第十七条、第二十八条"

ZH_ABSOLUTE_TERMS: tuple[str, ...] = (
    "国家级",
    "世界级",
    "国际级",
    "全球级",
    "宇宙级",
    "最高级",
    "最佳",
    "最",
    "第一",
    "唯一",
    "首个",
    "首选",
    "顶级",
    "顶尖",
    "一流",
    "极致",
    "极品",
    "极佳",
    "绝对",
    "万能",
    "独一无二",
    "史无前例",
    "前所未有",
    "无敌",
    "终极",
    "至尊",
    "巅峰",
    "王牌",
    "销量冠军",
    "全网第一",
    "遥遥领先",
    "领导品牌",
    "领袖品牌",
    "金牌",
    "永久",
    "100%有效",
    "百分之百",
    "保证",
    "零风险",
    "无效退款",
    "根治",
    "治愈",
    "药到病除",
)
# Words that contain an absolute term without making a claim (最近 = recently, 第一次 = the first time).
ZH_ALLOWED_AFTER: dict[str, tuple[str, ...]] = {
    "最": ("近", "后", "初", "终"),
    "第一": ("次", "步", "天", "时间"),
    "保证": ("金",),
}
EN_ABSOLUTE_TERMS: tuple[str, ...] = (
    "best",
    "the best",
    "#1",
    "number one",
    "no. 1",
    "guaranteed",
    "guarantee",
    "risk-free",
    "100% guaranteed",
    "100% satisfaction",
    "world's best",
    "world-class",
    "unbeatable",
    "lowest price",
    "cheapest",
    "the only",
    "ultimate",
    "top-rated",
    "top-ranked",
    "best-selling",
    "miracle",
    "cure",
    "cures",
    "never fails",
    "perfect",
    "finest",
    "greatest",
)

# What may sit between the letters of a banned term to hide it: spaces and filler punctuation
# (not the commas and stops that end a phrase).
_FILLER = r"[\s\.\-_*·•・~|/\\'\"`^]?"
_FILLER_ZH = r"[\s\.\-_*·•・~|/\\'\"`^]*"


@dataclass(frozen=True)
class Violation:
    code: str  # ad_law, absolute_claim, store_banned, brand_voice, over_limit, too_short, hashtags,
    # invented_fact, wrong_discount, wrong_date, wrong_code, unknown_promotion
    term: str  # the rule's term
    found: str  # the offending words as they appear in the text
    message: str
    blocking: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _normalise(text: str) -> tuple[str, list[int]]:
    """Text folded for matching (NFKC, lower case, invisible characters dropped) and, for each folded
    character, the index of the original character it came from."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if unicodedata.category(char) == "Cf":
            continue
        for piece in unicodedata.normalize("NFKC", char).lower():
            folded.append(piece)
            origin.append(index)
    return "".join(folded), origin


def _pattern(term: str) -> re.Pattern[str]:
    folded = unicodedata.normalize("NFKC", term).lower()
    # Spaces and hyphens inside a term are optional separators: "risk-free" finds "risk free", "riskfree".
    chars = [char for char in folded if not char.isspace() and char != "-"]
    if CJK.search(folded):
        return re.compile(_FILLER_ZH.join(re.escape(char) for char in chars))
    body = _FILLER.join(re.escape(char) for char in chars)
    return re.compile(rf"(?<![a-z0-9]){body}(?![a-z0-9])")


@dataclass(frozen=True)
class Match:
    term: str
    start: int  # in the original text
    end: int


def find_terms(
    text: str, terms: Iterable[str], *, allowed_after: dict[str, tuple[str, ...]] | None = None
) -> list[Match]:
    """Every occurrence of ``terms`` in ``text`` (robust to width, case, invisible characters and fillers),
    longest terms first, never two overlapping matches."""
    folded, origin = _normalise(text)
    taken: list[tuple[int, int]] = []
    found: list[Match] = []
    for term in sorted({t for t in terms if t.strip()}, key=len, reverse=True):
        for match in _pattern(term).finditer(folded):
            start, end = match.span()
            if any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            following = folded[end:].lstrip()
            if allowed_after and any(following.startswith(word) for word in allowed_after.get(term, ())):
                continue
            taken.append((start, end))
            found.append(Match(term, origin[start], origin[end - 1] + 1))
    return sorted(found, key=lambda match: match.start)


def _shown(text: str, match: Match) -> str:
    """The offending words as written; a one-character term with the character after it (最 -> 最好)."""
    end = match.end
    if len(match.term) == 1 and end < len(text) and CJK.match(text[end]):
        end += 1
    return text[match.start : end]


def compliance_check(
    text: str, *, store_banned: Iterable[str] = (), brand_voice_avoid: Iterable[str] = ()
) -> list[Violation]:
    """Banned absolute claims (Chinese and English), the store's banned words and the brand voice's."""
    violations: list[Violation] = []
    for match in find_terms(text, ZH_ABSOLUTE_TERMS, allowed_after=ZH_ALLOWED_AFTER):
        found = _shown(text, match)
        violations.append(
            Violation(
                "ad_law", match.term, found, f"“{found}” is an absolute claim banned by {LEGAL_SOURCE}."
            )
        )
    for match in find_terms(text, EN_ABSOLUTE_TERMS):
        found = text[match.start : match.end]
        violations.append(
            Violation(
                "absolute_claim",
                match.term,
                found,
                f"“{found}” is an absolute claim that cannot be substantiated.",
            )
        )
    for code, words, why in (
        ("store_banned", store_banned, "the store bans"),
        ("brand_voice", brand_voice_avoid, "the brand voice avoids"),
    ):
        for match in find_terms(text, [word.strip() for word in words if word.strip()]):
            found = text[match.start : match.end]
            violations.append(Violation(code, match.term, found, f"“{found}” is a word {why}."))
    return violations


def offending_spans(text: str, violations: Iterable[Violation]) -> list[tuple[int, int]]:
    """Where each violation's words sit in ``text`` (for dropping the phrase that holds them)."""
    spans = []
    for violation in violations:
        if not violation.found:
            continue
        start = text.find(violation.found)
        while start != -1:
            spans.append((start, start + len(violation.found)))
            start = text.find(violation.found, start + 1)
    return spans
