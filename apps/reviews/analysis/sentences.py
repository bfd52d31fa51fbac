"""Sentences and clauses of a review, with their character offsets, in Chinese and English."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from apps.core.text import CJK, is_chinese

Language = Literal["zh", "en", "other"]


@dataclass(frozen=True)
class Span:
    """``text`` is ``source[start:end]`` stripped of surrounding spaces."""

    text: str
    start: int
    end: int


# A sentence ends at Chinese or full-width end punctuation, a line break, or ". ! ?" followed by
# a space, a quote or the end. Abbreviations ("e.g.", "Mr.") and decimals ("2.5") do not end one.
_SENTENCE_END = re.compile(
    r"[。！？!?；;…\n]+[”’\"')）]*|(?<!\b[a-z])(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bvs)(?<!\betc)"
    r"\.+(?=[\s\"'”)]|$)[\"'”)]*"
)
# Clauses: a contrast ("but", "但是") or a Chinese comma starts a new one, so "great fabric but
# it shipped late" gives one clause per aspect and the sentiment of each.
_CLAUSE_BREAK = re.compile(
    r"[，,、]\s*(?=(?:但是?|不过|可是|然而|就是|只是|而且|另外|还有|but\b|however\b|though\b|although\b|yet\b))"
    r"|[，：:]"
    r"|\s+(?=(?:but|however|although|though|except|yet|while|whereas)\b)"
    r"|(?=(?:但是|不过|可是|然而))"
    r"|\s*,\s*(?=(?:and\s+)?(?:the|its|it's|it|they|shipping|delivery|price|customer|packaging|size)\b)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
# Function words common in English and rare in the other languages written in Latin letters.
_ENGLISH_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "i",
        "you",
        "he",
        "she",
        "we",
        "they",
        "my",
        "your",
        "our",
        "their",
        "to",
        "of",
        "in",
        "on",
        "for",
        "with",
        "at",
        "by",
        "from",
        "not",
        "no",
        "very",
        "so",
        "too",
        "good",
        "great",
        "bad",
        "fit",
        "fits",
        "size",
        "quality",
        "price",
        "shipping",
        "delivery",
        "arrived",
        "item",
        "product",
        "would",
        "will",
        "can",
        "could",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "love",
        "like",
        "just",
        "one",
        "really",
        "well",
        "after",
        "before",
        "than",
        "then",
    ]
)


def _spans(text: str, pattern: re.Pattern[str], offset: int = 0) -> list[Span]:
    spans: list[Span] = []
    start = 0
    for match in pattern.finditer(text):
        end = match.end()
        if end <= start:
            continue
        spans.extend(_trimmed(text, start, end, offset))
        start = end
    spans.extend(_trimmed(text, start, len(text), offset))
    return spans


def _trimmed(text: str, start: int, end: int, offset: int) -> list[Span]:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped or not any(char.isalnum() for char in stripped):
        return []
    lead = len(piece) - len(piece.lstrip())
    begin = offset + start + lead
    return [Span(text=stripped, start=begin, end=begin + len(stripped))]


def split_sentences(text: str) -> list[Span]:
    """The sentences of ``text`` with offsets into it; empty pieces and bare punctuation dropped."""
    return _spans(text, _SENTENCE_END)


def split_clauses(text: str) -> list[Span]:
    """Sentences further cut at commas and contrasts; offsets are into ``text``."""
    clauses: list[Span] = []
    for sentence in split_sentences(text):
        pieces = _spans(sentence.text, _CLAUSE_BREAK, offset=sentence.start)
        clauses.extend(_merge_short(pieces, text))
    return clauses


def _merge_short(pieces: list[Span], source: str) -> list[Span]:
    """A clause too short to mean anything alone ("Overall,", "总之") joins the next one."""
    merged: list[Span] = []
    pending: Span | None = None
    for piece in pieces:
        if pending is not None:
            piece = Span(text=source[pending.start : piece.end], start=pending.start, end=piece.end)
            pending = None
        if _too_short(piece.text):
            pending = piece
            continue
        merged.append(piece)
    if pending is not None:
        if merged:
            last = merged.pop()
            merged.append(Span(text=source[last.start : pending.end], start=last.start, end=pending.end))
        else:
            merged.append(pending)
    return merged


def _too_short(text: str) -> bool:
    hanzi = len(CJK.findall(text))
    words = len(_WORD.findall(text))
    return hanzi + words * 2 < 4


def detect_language(text: str) -> Language:
    """ "zh" when the text is Chinese (apps.core.text.is_chinese), "en" when its words look English."""
    if is_chinese(text):
        return "zh"
    words = [word.lower() for word in _WORD.findall(text)]
    if not words:
        return "other"
    english = sum(word in _ENGLISH_WORDS for word in words)
    # Short texts ("Love it!") carry few function words; longer ones need a fair share of them.
    if english >= 1 and english / len(words) >= (0.15 if len(words) > 6 else 0.1):
        return "en"
    latin_letters = sum(char.isascii() and char.isalpha() for char in text)
    letters = sum(char.isalpha() for char in text)
    if letters and latin_letters / letters > 0.9 and len(words) <= 3:
        return "en"
    return "other"
