"""Claims read against the facts' own wording: a number said with a dimension word ("95 cm high"), a size
said in another state than the facts give it ("折叠尺寸" for an unfolded size), a feature the facts deny
said without its negation ("microwave safe" for microwave safe: no) or one they affirm said with a
negation ("not dishwasher safe" for dishwasher safe: yes), a choice of colours where the facts give
one. Pure text work; apps.catalog.text.invention reads each sentence against it.
"""

from __future__ import annotations

import re

from apps.core.text import CJK

from .facts import ProductFacts
from .lexicon import GENERIC_EN, STOPWORDS_EN
from .parts import _EN_CONTENT
from .reasons import Reason
from .support import Span

# "95 cm high" where 95 cm is the width: a number said with a dimension word is read as that dimension.
_DIMENSIONS = {
    "long": "length",
    "wide": "width",
    "tall": "height",
    "high": "height",
    "deep": "depth",
    "thick": "thickness",
    "length": "length",
    "width": "width",
    "height": "height",
    "depth": "depth",
    "thickness": "thickness",
}
_DIMENSION_SAID = re.compile(
    r"(?<![\d.])(\d+(?:\.\d+)?)(?:\s|-)?(?:cm|mm|m|in|inches|ft|centimetres|centimeters|metres|meters)\s+"
    rf"({'|'.join(_DIMENSIONS)})(?![a-z])",
    re.IGNORECASE,
)
_ANY_DIMENSION = re.compile(r"size|dimension|measurement|尺寸|规格", re.IGNORECASE)


def dimension_spans(
    sentence: str, offset: int, facts: ProductFacts
) -> tuple[list[Span], list[tuple[int, int]]]:
    """(invented spans, supported dimension words) for numbers said with a dimension word: "10 m long"
    for length: 10 m, "45 cm wide" for size: 45 x 45 cm are the facts in other words; "95 cm high"
    for width: 95 cm gives a fact another meaning. A number the facts do not hold is left to the number
    check."""
    spans: list[Span] = []
    supported: list[tuple[int, int]] = []
    for match in _DIMENSION_SAID.finditer(sentence):
        number, word = match.group(1), match.group(2).lower()
        owners = [
            key
            for key, value in facts.attributes.items()
            if re.search(rf"(?<![\d.]){re.escape(number)}(?![\d.])", value)
        ]
        if not owners:
            continue
        meaning = _DIMENSIONS[word]
        # A fact of its own for this dimension ("thickness: 2 cm") outranks a general size ("35 x 25 cm").
        own = [key for key in facts.attributes if meaning in key.lower()]
        if any(meaning in key.lower() for key in owners) or (
            not own and any(_ANY_DIMENSION.search(key) for key in owners)
        ):
            supported.append((offset + match.start(2), offset + match.end(2)))
            continue
        spans.append(
            Span(
                offset + match.start(),
                offset + match.end(),
                match.group(0),
                "invented",
                Reason("number_is_other_dimension", number=number, key=owners[0], meaning=meaning),
            )
        )
    return spans, supported


_NEGATIVE_VALUE = re.compile(
    r"^\s*(?:no|not|none|without)\b|\bnot (?:included|supplied|provided)\b|^\s*(?:不|无|否|没有|非)"
)
_NEGATION_EN = re.compile(
    r"\b(?:no|not|non|without|never|cannot|can't|isn't|aren't|doesn't|don't|nor)\b|n't\b"
)
_NEGATION_ZH = re.compile(r"[不无没非免未]")
_CLAUSE = re.compile(r"[,.;!?，。；！？]|\bbut\b|但")


def _negated_terms(key: str, value: str) -> list[str]:
    """What a negative fact denies: its name ("microwave safe: no", "微波炉加热: 不可以") and the thing its
    value names ("insert not included", "不带锅盖": insert, 锅盖)."""
    terms = [key.lower().strip()]
    lowered = value.lower().strip()
    if CJK.search(value):
        rest = re.sub(r"^(?:不带|不含|不可以|不可|不能|没有|无|不|否|非)", "", lowered)
        terms.append(re.split(r"[\s,，、;；]", rest)[0])
        if len(key) >= 4:
            terms.append(key[:3])  # "微波炉加热": 微波炉
    else:
        # Only what the negation itself governs: "no insert", "insert not included"; not "no, metal".
        denied = re.findall(r"\b(?:no|not|without)\s+([a-z][a-z\-]*(?:\s+[a-z][a-z\-]*)?)", lowered)
        denied += re.findall(r"([a-z][a-z\-]*)\s+not\s+(?:included|supplied|provided)", lowered)
        terms += [
            word
            for phrase in denied
            for word in _EN_CONTENT.findall(phrase)
            if word not in STOPWORDS_EN
            and word not in GENERIC_EN
            and word not in ("included", "supplied", "provided")
        ]
    return [term for term in dict.fromkeys(terms) if len(term) >= 2]


def negated_spans(sentence: str, offset: int, facts: ProductFacts) -> list[Span]:
    """A feature the facts deny, said without a negation: "it is microwave safe" for microwave safe: no,
    "comes with an insert" for insert: not included, "带锅盖" for 锅盖: 不带锅盖."""
    lowered = sentence.lower()
    spans: list[Span] = []
    for key, value in facts.attributes.items():
        if not _NEGATIVE_VALUE.search(value.lower()):
            continue
        for term in _negated_terms(key, value):
            zh = bool(CJK.search(term))
            pattern = re.escape(term) if zh else rf"(?<![a-z0-9]){re.escape(term)}s?(?![a-z0-9])"
            for match in re.finditer(pattern, lowered):
                # The clause the term stands in: a negation across "but" or a comma denies something else.
                before = _CLAUSE.split(lowered[max(0, match.start() - (4 if zh else 32)) : match.start()])[-1]
                after = _CLAUSE.split(lowered[match.end() : match.end() + (4 if zh else 24)])[0]
                negation = _NEGATION_ZH if zh else _NEGATION_EN
                if negation.search(before) or negation.search(after) or re.match(r"\s*[:：]", after):
                    continue  # said with its negation, or echoed as a label ("insert: not included")
                spans.append(Span.at(match, sentence, offset, Reason("facts_give", key=key, value=value)))
    return spans


# A fact that affirms a feature: "dishwasher safe: yes", "防水: 是", or a value naming it ("保温: 保温6小时").
_POSITIVE_VALUE = re.compile(
    r"^\s*(?:yes|y|true|included|supplied|provided|available|supported)\s*$"
    r"|^\s*(?:是|有|带|可以|可|支持|含|包含|配有|具备)\s*$"
)
# A negation governing the words right after it ("not waterproof", "isn't dishwasher safe", "不防水"),
# not "not only" / "不仅" (which adds to the feature) nor "无论" ("whatever").
_NEGATED_BEFORE_EN = re.compile(
    r"(?:\b(?:not|never|no\s+longer|without|non)|\b[a-z]+n't)(?!\s+only\b)(?:\s+|-)(?:[a-z]+\s+){0,2}$"
)
# Chinese: the negation right before the feature, or before a modal ("不能保温", "没有防水"); a word that
# only starts with one ("无线降噪": wireless) is no negation.
_NEGATED_BEFORE_ZH = re.compile(r"(?:不|没有?|无|非|未)(?:能|会|可以?|够|是|带|具备|具有|支持|太)?$")
_NOT_NEGATION_ZH = re.compile(r"(?:不仅|不但|不只|不光|无论|不管|不论|无需|不用)")


def contradicted_spans(sentence: str, offset: int, facts: ProductFacts) -> list[Span]:
    """A feature the facts affirm, said with a negation: "it is not dishwasher safe" for dishwasher safe:
    yes, "不保温" for 保温: 保温6小时."""
    lowered = sentence.lower()
    spans: list[Span] = []
    for key, value in facts.attributes.items():
        term = key.lower().strip()
        if len(term) < 2 or _NEGATIVE_VALUE.search(value.lower()):
            continue
        if not (_POSITIVE_VALUE.search(value.lower()) or term in value.lower()):
            continue
        zh = bool(CJK.search(term))
        pattern = re.escape(term) if zh else rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])"
        for match in re.finditer(pattern, lowered):
            before = _CLAUSE.split(lowered[max(0, match.start() - (5 if zh else 40)) : match.start()])[-1]
            negation = (_NEGATED_BEFORE_ZH if zh else _NEGATED_BEFORE_EN).search(before)
            if negation is None or (zh and _NOT_NEGATION_ZH.search(before[negation.start() :])):
                continue
            start = match.start() - (len(before) - negation.start())
            said = re.compile(re.escape(lowered[start : match.end()])).match(lowered, start)
            if said is not None:
                spans.append(Span.at(said, sentence, offset, Reason("facts_give", key=key, value=value)))
    return spans


# A size the facts give in one state ("展开尺寸", "unfolded size"), said in the other.
_STATES = (
    ("展开", "折叠|收纳|收起"),
    ("收纳|折叠", "展开"),
    ("unfolded|open", "folded|packed|collapsed|closed"),
    ("folded|packed|collapsed", "unfolded|open"),
)
_SIZE_WORDS = r"(?:尺寸|大小|size|dimensions|measurements)"


def state_spans(sentence: str, offset: int, facts: ProductFacts) -> list[Span]:
    """ "折叠的尺寸为52x50x65cm" where the facts give 展开尺寸: 52x50x65cm."""
    lowered = sentence.lower()
    spans: list[Span] = []
    for key, value in facts.attributes.items():
        name = key.lower()
        if not re.search(_SIZE_WORDS, name):
            continue
        for state, other in _STATES:
            if not re.search(state, name) or re.search(other, name):
                continue
            said = rf"(?<![a-z])(?:{other})(?![a-z])\s*(?:后)?的?\s*{_SIZE_WORDS}"
            for match in re.finditer(said, lowered):
                spans.append(
                    Span.at(match, sentence, offset, Reason("facts_give_not_size", key=key, value=value))
                )
    return spans


# "available in a variety of colours", "多种颜色": a choice of colours the facts do not list.
_MANY_COLOURS = re.compile(
    r"(?<![a-z])(?:(?:variety|range|choice|selection|array) of colou?rs|(?:many|various|multiple|several|"
    r"different|all|assorted) colou?rs)(?![a-z])|多种颜色|多种配色|多款颜色|多色|颜色多样|各种颜色|多种色彩"
)
_COLOUR_KEY = re.compile(r"colou?rs?|颜色|配色|色彩", re.IGNORECASE)


def colour_choice_spans(
    sentence: str, offset: int, facts: ProductFacts
) -> tuple[list[Span], list[tuple[int, int]]]:
    """(invented spans, supported spans): a choice of colours claimed where the facts give one colour (or
    none) is invented; where they list several, it is the facts in other words."""
    colours = [value for key, value in facts.attributes.items() if _COLOUR_KEY.search(key)]
    matches = list(_MANY_COLOURS.finditer(sentence.lower()))
    if any(len(re.split(r"[,，、/;；]|\band\b|和|及", value)) > 1 for value in colours):
        return [], [(offset + match.start(), offset + match.end()) for match in matches]
    said = ", ".join(colours) or "no colour"
    return [Span.at(match, sentence, offset, Reason("not_colour_choice", said=said)) for match in matches], []
