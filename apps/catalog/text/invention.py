"""Span-level invention check: what a description says that the product's facts do not.

Each sentence is read word by word (phrase by phrase for Chinese, segmented with jieba). A content
word is accounted for when the product's facts (title, brand, category, attribute names and values),
the generic vocabulary of describing a product and of its kind, the brand voice or the requested
keywords contain it; otherwise it is an invented span, with its offsets and the reason. Numbers are
checked with their units against the facts' own numbers ("5.3" Bluetooth is not "5.3寸"). Generic
praise ("comfortable", "舒适") is reported apart, as puffery: not a fact, and not an invention either.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from apps.core.text import CJK

from .claims import colour_choice_spans, contradicted_spans, dimension_spans, negated_spans, state_spans
from .facts import ProductFacts
from .lexicon import PUFFERY_EN, PUFFERY_ZH, STOPWORDS_EN, STOPWORDS_ZH
from .parts import key_swap_spans
from .prompting import LABELS
from .reasons import Reason
from .support import (
    Span,
    Support,
    number_spans,
    support_build,
    swap_spans,
)
from .units import UNIT_SYNONYMS, UNITS
from .vocabulary import SUPERLATIVES

__all__ = ["InventionReport", "Span", "Support", "detect", "split_sentences", "support_build"]

SENTENCE_END = re.compile(r"[.!?。！？；;]+[\"'”’)）]*(?=\s|$)|[。！？；]+|\n+")
_EN_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-.]*[A-Za-z0-9]|[A-Za-z0-9]|°[CF]|%")
_HAS_DIGIT = re.compile(r"\d")
_PUNCT = re.compile(r"^[\s\W_]+$", re.UNICODE)


@dataclass
class InventionReport:
    spans: list[Span] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)

    @property
    def invented(self) -> list[Span]:
        return [span for span in self.spans if span.kind != "puffery"]

    @property
    def puffery(self) -> list[Span]:
        return [span for span in self.spans if span.kind == "puffery"]

    def sentence_invented(self, index: int) -> bool:
        start, end = self.sentences[index]
        return any(start <= span.start < end for span in self.invented)

    def to_dict(self) -> dict[str, Any]:
        return {
            "invented_spans": [span.to_dict() for span in self.invented],
            "puffery_spans": [span.to_dict() for span in self.puffery],
        }


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, its closing punctuation included, surrounding space left out."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for match in SENTENCE_END.finditer(text):
        bounds.append((start, match.end()))
        start = match.end()
    bounds.append((start, len(text)))
    trimmed = []
    for begin, end in bounds:
        piece = text[begin:end]
        left = len(piece) - len(piece.lstrip())
        right = len(piece.rstrip())
        if piece.strip():
            trimmed.append((begin + left, begin + right))
    return trimmed


@cache
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def _covered_chars(sentence: str, support: Support) -> tuple[list[bool], list[bool]]:
    """Which characters of a Chinese sentence lie in a stretch (2 characters or more) the facts, the
    generic vocabulary or the function words contain, so a segmentation that cuts across a fact ("为手" +
    "洗" in "为手洗") or glues words together ("非常适合", "时候一般") still finds them; and which lie in
    generic praise ("很高的性价比", "使用起来方便快捷")."""
    covered = [False] * len(sentence)
    praise = [False] * len(sentence)
    for start in range(len(sentence)):
        for end in range(min(len(sentence), start + 24), start + 1, -1):
            piece = sentence[start:end]
            if piece in support.corpus or piece in support.generic_zh or piece in STOPWORDS_ZH:
                covered[start:end] = [True] * (end - start)
                break
            if piece in PUFFERY_ZH:
                praise[start:end] = [True] * (end - start)
                break
    return covered, praise


def _word_spans(sentence: str, offset: int, language: str, support: Support) -> list[Span]:
    spans: list[Span] = []
    tokens: list[tuple[str, int, int]]
    covered: list[bool] = []
    praise: list[bool] = []
    if language == "zh" or CJK.search(sentence):
        tokens = [(word, start, end) for word, start, end in _jieba().tokenize(sentence)]
        covered, praise = _covered_chars(sentence.lower(), support)
    else:
        tokens = [(m.group(0), m.start(), m.end()) for m in _EN_TOKEN.finditer(sentence)]
    phrases = [(m.start(), m.end()) for m in _PRAISE_PHRASES_EN.finditer(sentence)]
    plain = [(m.start(), m.end()) for m in _PLAIN_PHRASES_EN.finditer(sentence)]
    last = ""
    for word, start, end in tokens:
        lowered = word.lower().strip()
        previous, last = last, (last if not lowered or _PUNCT.match(lowered) else lowered)
        if not lowered or _PUNCT.match(lowered):
            continue
        if lowered in _PROMPT_LABELS and re.match(r"\s*[:：]", sentence[end:]):
            continue  # a label of the prompt echoed back ("Brand: Tunebay")
        if _SIZE_LETTER.fullmatch(word) and not re.search(r"\d\s*$", sentence[:start]):
            if not support.supports_word(lowered):  # "size M" where the facts give S-XL or one size
                spans.append(Span(offset + start, offset + end, word, "invented", Reason("size", word=word)))
            continue
        if (lowered in UNITS or lowered in UNIT_SYNONYMS) and not _unit_unsupported(
            lowered, sentence[:start], support
        ):
            continue  # a unit after a number: the number check covers it
        if _HAS_DIGIT.search(lowered):
            if re.fullmatch(r"[\d.,]+", lowered) or lowered in support.corpus:
                continue  # bare numbers are checked with their units; codes like "IPX4" must be in the facts
            if re.fullmatch(r"[\d.,]+-?[a-z°%]{1,6}", lowered):
                continue  # "500ml": the number check covers it
            spans.append(
                Span(offset + start, offset + end, word, "invented", Reason("not_in_facts", word=word))
            )
            continue
        if CJK.search(lowered):
            if lowered in STOPWORDS_ZH:
                continue
            praised = (
                (lowered in PUFFERY_ZH or _praise_zh(lowered, previous)) and lowered not in support.corpus
            ) or lowered in SUPERLATIVES
            if not praised and (
                support.supports_phrase_zh(lowered)
                or all(
                    covered[index]
                    or sentence[index] in STOPWORDS_ZH
                    # "碳化竹材", "混纺布": a material's word with the ending of saying it is one
                    or (sentence[index] in "材料布" and index > start and covered[index - 1])
                    for index in range(start, end)
                )
            ):
                continue
            if praised or all(
                covered[index] or praise[index] or sentence[index] in STOPWORDS_ZH
                for index in range(start, end)
            ):
                reason = Reason("praise", word=word)
                spans.append(Span(offset + start, offset + end, word, "puffery", reason))
            else:
                reason = Reason("not_in_facts", word=word)
                spans.append(Span(offset + start, offset + end, word, "invented", reason))
            continue
        if lowered in STOPWORDS_EN or any(a <= start < b for a, b in plain):
            continue
        praising = _praise_en(lowered, support) or any(a <= start < b for a, b in phrases)
        if praising or lowered in SUPERLATIVES:
            if not support.supports_word(lowered) or lowered in SUPERLATIVES or lowered not in PUFFERY_EN:
                spans.append(
                    Span(
                        offset + start,
                        offset + end,
                        word,
                        "puffery",
                        Reason("praise", word=word),
                    )
                )
            continue
        if not support.supports_word(lowered):
            spans.append(
                Span(offset + start, offset + end, word, "invented", Reason("not_in_facts", word=word))
            )
    return spans


_PRAISE_PHRASES_EN = re.compile(
    r"\bhigh[\s-]quality\b|\bpeace of mind\b|\bworth (?:the|every|your) (?:price|penny|money|investment)\b"
    r"|\bvalue for money\b|\bgood value\b",
    re.IGNORECASE,
)
_PLAIN_PHRASES_EN = re.compile(r"\bas long as\b|\bfor a long time\b", re.IGNORECASE)


def _praise_zh(word: str, previous: str) -> bool:
    """Praise by its form: a doubled praise word ("干干净净"), a superlative ("最轻") or a bare "high, good"
    after praise or a plain word ("性价比高", "质量好")."""
    if len(word) == 4 and word[0] == word[1] and word[2] == word[3] and word[0] + word[2] in PUFFERY_ZH:
        return True
    if word[:1] == "最" and 2 <= len(word) <= 3:
        return True  # "最轻", "最好": a superlative, reported as praise
    return word in _ZH_GRADES and (previous in PUFFERY_ZH or previous in _ZH_GRADED)


_ZH_GRADES = frozenset("高好强佳")
_ZH_GRADED = frozenset(["性价比", "质量", "品质", "音质", "做工", "效果", "性能", "颜值", "手感", "质感"])


def _unit_unsupported(word: str, before: str, support: Support) -> bool:
    """A unit named in words with no number before it ("weighs in grams and pounds") must be one of the
    facts' units; after a number the number check reads it."""
    if len(word) <= 3 or word not in UNIT_SYNONYMS or re.search(r"\d\s*$", before) or word in support.corpus:
        return False
    known = {unit for units in support.numbers.values() for unit in units}
    unit = UNIT_SYNONYMS[word]
    return unit not in known and not re.search(rf"(?<![a-z]){re.escape(unit)}(?![a-z])", support.corpus)


def _praise_en(word: str, support: Support) -> bool:
    """Generic praise: a word of the list, its adverb ("comfortably", "easily") or a compound of praise and
    plain words ("easy-to-clean", "premium-grade")."""
    if word in PUFFERY_EN:
        return True
    if word.endswith("ly") and {word[:-1] + "e", word[:-3] + "y", word[:-2]} & PUFFERY_EN:
        return True
    parts = [part for part in word.split("-") if part]
    return (
        len(parts) > 1
        and any(part in PUFFERY_EN for part in parts)
        and all(part in PUFFERY_EN or part in STOPWORDS_EN or support.supports_word(part) for part in parts)
    )


_PROMPT_LABELS = frozenset(label.lower() for labels in LABELS.values() for label in labels.values())
_SIZE_LETTER = re.compile(r"X{0,3}[SML]|XX?L|[2-5]XL")


_JOINABLE = re.compile(r"^(?:[\s\-]*|\s*(?:and|of|with|or|a|the|to|in|for)\s*|的|和|与|、)$", re.IGNORECASE)


def _merge(text: str, spans: list[Span]) -> list[Span]:
    """Neighbouring invented words become one phrase ("two-button front"), reasons joined."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda item: (item.start, item.end)):
        last = merged[-1] if merged else None
        if last and last.kind == span.kind == "invented" and _JOINABLE.match(text[last.end : span.start]):
            phrase = text[last.start : span.end]
            merged[-1] = Span(last.start, span.end, phrase, "invented", Reason("not_in_facts", word=phrase))
        elif last and span.start < last.end:
            continue  # a number span over an already flagged word
        else:
            merged.append(span)
    return merged


def detect(
    text: str,
    facts: ProductFacts,
    *,
    language: str,
    support: Support | None = None,
    voice_texts: Iterable[str] = (),
    keywords: Iterable[str] = (),
) -> InventionReport:
    """Every invented phrase, unsupported number and bit of puffery in ``text``, with offsets."""
    support = support or support_build(facts, voice_texts=voice_texts, keywords=keywords)
    sentences = split_sentences(text)
    spans: list[Span] = []
    for start, end in sentences:
        sentence = text[start:end]
        found = _word_spans(sentence, start, language, support)
        numbers = number_spans(sentence, start, support) + swap_spans(sentence, start, support)
        numbers += key_swap_spans(sentence, start, facts) + negated_spans(sentence, start, facts)
        numbers += contradicted_spans(sentence, start, facts)
        colours, listed = colour_choice_spans(sentence, start, facts)
        numbers += state_spans(sentence, start, facts) + colours
        dimensions, said = dimension_spans(sentence, start, facts)
        numbers += dimensions
        covered = [(span.start, span.end) for span in numbers] + said + listed
        found = [s for s in found if not any(a <= s.start < b for a, b in covered)]
        spans += _merge(text, found + numbers)
    return InventionReport(spans=sorted(spans, key=lambda item: item.start), sentences=sentences)
