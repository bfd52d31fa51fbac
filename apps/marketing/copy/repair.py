"""Repair: shorten a text at a sentence or phrase boundary, or drop the phrase that breaks a rule.

A cut is made only between sentences, then between phrases (commas, semicolons, dashes), then, as a
last resort, between words (spaces in English, jieba's segmentation in Chinese): never inside a word.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from apps.core.text import CJK

_SENTENCE_END = re.compile(r"[.!?。！？…]+[\"”’)）]*\s*|\n+")
_PHRASE_END = re.compile(r"[,;:，；：、—–]+\s*|\s+-\s+")
_TRAILING = re.compile(r"[\s,;:，；：、—–\-]+$")
_DANGLING_EN = {
    "and",
    "or",
    "the",
    "a",
    "an",
    "with",
    "for",
    "to",
    "of",
    "in",
    "on",
    "at",
    "by",
    "your",
    "our",
    "&",
}


def _pieces(text: str, boundary: re.Pattern[str]) -> list[str]:
    """``text`` cut after each boundary match; the pieces joined give ``text`` back."""
    pieces, start = [], 0
    for match in boundary.finditer(text):
        if match.end() > start:
            pieces.append(text[start : match.end()])
            start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return [piece for piece in pieces if piece]


def _words(text: str) -> list[str]:
    if CJK.search(text):
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        return list(jieba.cut(text, HMM=False))
    return re.findall(r"\S+\s*", text)


def _finish(text: str, language: str, *, cut: str) -> str:
    """A cut text tidied: no dangling comma or conjunction; a phrase cut closed like a sentence."""
    text = _TRAILING.sub("", text.strip())
    if cut == "word" and language != "zh":
        words = text.split()
        while words and words[-1].lower().strip(".,") in _DANGLING_EN:
            words.pop()
        text = _TRAILING.sub("", " ".join(words))
    if cut == "phrase" and text and not re.search(r"[.!?。！？]$", text):
        text += "。" if language == "zh" else "."
    return text


def trim_to_fit(
    text: str, fits: Callable[[str], bool], *, language: str, minimum: Callable[[str], bool] | None = None
) -> tuple[str, str] | None:
    """The longest start of ``text`` that fits, cut at the coarsest boundary that allows one:
    (text, "sentence" | "phrase" | "word"), or None when no cut fits (then regenerate)."""
    text = text.strip()
    if fits(text):
        return text, ""
    long_enough = minimum or (lambda candidate: bool(candidate.strip()))
    sentences = _pieces(text, _SENTENCE_END)
    phrases = [phrase for sentence in sentences for phrase in _pieces(sentence, _PHRASE_END)]
    words = [word for phrase in phrases for word in _words(phrase)]
    for cut, units in (("sentence", sentences), ("phrase", phrases), ("word", words)):
        for end in range(len(units) - 1, 0, -1):
            candidate = _finish("".join(units[:end]), language, cut=cut)
            if candidate and fits(candidate):
                if long_enough(candidate):
                    return candidate, cut
                break
    return None


def drop_spans(text: str, spans: list[tuple[int, int]], *, language: str) -> str | None:
    """``text`` without the phrases that hold ``spans``; None when nothing worth keeping is left."""
    if not spans:
        return text
    kept, position = [], 0
    for sentence in _pieces(text, _SENTENCE_END):
        sentence_start = position
        position += len(sentence)
        phrase_start = sentence_start
        phrases = _pieces(sentence, _PHRASE_END)
        kept_here = []
        for phrase in phrases:
            start, end = phrase_start, phrase_start + len(phrase)
            phrase_start = end
            if not any(start < span_end and span_start < end for span_start, span_end in spans):
                kept_here.append(phrase)
        if kept_here:
            piece = "".join(kept_here)
            if len(kept_here) < len(phrases):
                piece = _finish(piece, language, cut="phrase") + ("" if language == "zh" else " ")
            kept.append(piece)
    result = re.sub(r"\s+", " ", "".join(kept)).strip()
    return result or None
