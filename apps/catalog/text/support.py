"""What a product's description may say: the facts indexed for the span check (words, stems, numbers with
their units, which word the facts put before which part), and the checks of numbers and parts.

Pure text work (no Django); apps.catalog.text.invention reads sentences against it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import Any, Literal

from apps.core.text import CJK

from .facts import ProductFacts
from .keys import key_labels
from .lexicon import GENERIC_EN, GENERIC_ZH, STOPWORDS_EN, STOPWORDS_ZH, kind_words
from .reasons import reason_fields
from .units import UNIT_SYNONYMS, ZH_UNITS

SpanKind = Literal["invented", "number", "puffery"]

_NUMBER_UNIT = re.compile(
    rf"(?<![A-Za-z0-9.])(\d+(?:[.,]\d+)*)(?:\s|-(?=[A-Za-z]))?(%|°\s?[CF]|[A-Za-z]+|{ZH_UNITS})?", re.UNICODE
)
_RANGE_UNIT = re.compile(
    rf"(?<![a-z0-9.])(\d+(?:\.\d+)?)\s*[-–~至到]\s*\d+(?:\.\d+)?\s?(°\s?[cf]|[a-z]+|{ZH_UNITS})", re.UNICODE
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str
    kind: SpanKind
    reason: str

    @classmethod
    def at(cls, match: re.Match[str], sentence: str, offset: int, reason: str) -> Span:
        """An invented span where ``match`` (found in ``sentence`` or its lowered copy) stands; the
        sentence starts at ``offset`` in the draft."""
        start, end = match.start(), match.end()
        return cls(offset + start, offset + end, sentence[start:end], "invented", reason)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), **reason_fields(self.reason, "reason")}


_IRREGULAR = {
    "worn": "wear",
    "wore": "wear",
    "held": "hold",
    "kept": "keep",
    "made": "make",
    "built": "build",
}


def stem(word: str) -> str:
    """A crude English stem: enough to tell "pockets" from "pocket", and "ribbed", "washable", "worn"
    from "rib", "wash", "wear"; not a linguist's."""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    for suffix, least in (("ing", 6), ("ed", 5), ("able", 7)):
        if len(word) >= least and word.endswith(suffix):
            base = word[: -len(suffix)]
            # "ribbed", "fitted": one of a doubled final consonant goes with the suffix.
            if len(base) > 2 and base[-1] == base[-2] and base[-1] not in "aeiouslz":
                base = base[:-1]
            return base
    if len(word) > 4 and word.endswith("es") and word[-3] in "sxz":
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _related(a: str, b: str) -> bool:
    """Two stems of one word family ("resistant", "resistance"), not a compound ("water", "waterproof")."""
    prefix = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        prefix += 1
    return prefix >= 4 and prefix >= 0.8 * max(len(a), len(b))


def _units(unit: str | None) -> str:
    """A unit as the facts and a draft may both write it: "hours" is "h", "presets" is "preset"."""
    unit = (unit or "").strip().lower()
    unit = UNIT_SYNONYMS.get(unit, unit)
    return stem(unit) if len(unit) > 3 and unit.isalpha() else unit


@dataclass(frozen=True)
class Support:
    """What a description of one product may say: built once per product, used for every candidate."""

    corpus: str  # lower-case facts text (with voice and keywords)
    stems: frozenset[str]
    generic_en: frozenset[str]
    generic_zh: frozenset[str]
    numbers: dict[str, frozenset[str]]  # number -> the units it carries in the facts ("" for none)
    pairs: dict[str, frozenset[str]] = field(
        default_factory=dict
    )  # part -> the words the facts put before it

    def supports_word(self, word: str) -> bool:
        lowered = word.lower()
        if lowered in self.generic_en or lowered in STOPWORDS_EN:
            return True
        token_stem = stem(lowered)
        if token_stem in self.stems or token_stem in self.generic_en:
            return True
        if "-" in lowered:
            return all(self.supports_word(part) for part in lowered.split("-") if part)
        return any(_related(token_stem, known) for known in self.stems)

    def supports_phrase_zh(self, word: str) -> bool:
        if word in self.generic_zh or word in STOPWORDS_ZH or word in self.corpus:
            return True
        # "盖子" for a "弹跳盖", "色" endings for colours named in the facts, "混纺布" for a "羊毛混纺",
        # "保温性" for "保温".
        trimmed = word.rstrip("子儿色款型")
        if trimmed == word:
            trimmed = word.rstrip("布材料性")
            trimmed = trimmed if len(trimmed) >= 2 else ""
        return bool(trimmed) and trimmed != word and (trimmed in self.corpus or trimmed in self.generic_zh)


# Words that say a fact in other words: when the facts hold the cue, the words are accounted for.
_PARAPHRASES = (
    (
        r"\bhobs?\b|\bstoves?\b|induction|炉灶|燃气灶|电磁炉",
        "stove stoves stovetop stovetops hob hobs cooktop 炉灶 灶具",
    ),
    (r"precision|accura", "accurate accurately accuracy precise precisely"),
    (r"\brange\b", "adjustable adjust adjusts adjusted"),
    (r"usb|type-c|charging", "cable cables"),
    (r"\bcase\b|pouch|sack", "holder"),
    (r"\bzip\b", "zipper zippers zipped"),
    (r"detachable|removable", "detachable removable remove removed"),
    (r"carafe|server|jug", "pot"),
    (r"容量", "容积"),
    (r"(?<!max )\bweight\s+[\d.]", "light lightweight"),  # what it weighs, not a maximum load
)


_SIZE_ORDER = ["xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl", "4xl", "5xl"]
_SIZE_RANGE = re.compile(
    r"(?<![a-z0-9])(x{0,2}s|m|l|x{1,3}l|[2-5]xl)\s*[-–~至到]\s*(x{0,2}s|m|l|x{1,3}l|[2-5]xl)(?![a-z])"
)


def _sizes_between(corpus: str) -> list[str]:
    """The letter sizes a range of the facts holds: "S-XL" has M and L ("2XL" is "XXL")."""
    sizes: list[str] = []
    for low, high in _SIZE_RANGE.findall(corpus):
        low, high = ({"2xl": "xxl", "3xl": "xxxl"}.get(size, size) for size in (low, high))
        if low in _SIZE_ORDER and high in _SIZE_ORDER:
            sizes += _SIZE_ORDER[_SIZE_ORDER.index(low) : _SIZE_ORDER.index(high) + 1]
    return sizes


def _doer_verbs(named: str) -> frozenset[str]:
    """What a product named for what it does does: a "grinder" grinds, a "converter" converts, a "slicer"
    slices, a "humidifier" humidifies."""
    verbs = set()
    for word in re.findall(r"[a-z]{5,}", named):
        if word.endswith("ier"):
            verbs.add(word[:-3] + "y")
        elif word.endswith(("er", "or")):
            verbs |= {word[:-2], word[:-1]}
    return frozenset(stem(verb) for verb in verbs if len(verb) >= 4)


_AUDIENCE = (
    (r"男", "男士 男性 男生 男款"),
    (r"女", "女士 女性 女生 女款"),
    (r"童|儿童|kid|child|baby|婴", "儿童 孩子 宝宝 童 kids children child"),
    (r"\bmen'?s?\b", "men man"),
    (r"women'?s?\b", "women woman"),
)


def support_build(
    facts: ProductFacts, *, voice_texts: Iterable[str] = (), keywords: Iterable[str] = ()
) -> Support:
    """The product's facts, its kind's generic vocabulary, the brand voice and the keywords, indexed."""
    parts = [facts.title, facts.brand, facts.category, facts.price, facts.currency]
    parts += [f"{key} {value}" for key, value in facts.attributes.items()]
    parts += key_labels(list(facts.attributes))  # "材质" is said of a "material" fact
    parts += list(voice_texts) + list(keywords)
    corpus = " ".join(parts).lower()
    # Who the product is for is a fact only when the facts say it ("男装" says 男士, "Kidswear" kids).
    corpus += "".join(f" {words}" for cue, words in _AUDIENCE if re.search(cue, corpus))
    corpus += "".join(f" {words}" for cue, words in _PARAPHRASES if re.search(cue, corpus))
    corpus += "".join(f" {size}" for size in _sizes_between(corpus))
    stems = frozenset(stem(token) for token in re.findall(r"[a-z0-9][a-z0-9'\-]*", corpus))
    stems |= _doer_verbs(f"{facts.title} {facts.category}".lower())
    stems |= frozenset(stem(piece) for token in stems for piece in token.split("-") if piece)
    kind_en, kind_zh = kind_words(title=facts.title, category=facts.category)
    numbers: dict[str, set[str]] = {}
    # Value by value, so a number never takes the next attribute's name for its unit.
    for value in [facts.title, facts.price, *facts.attributes.values(), *voice_texts, *keywords]:
        for match, number in _numbers_of(str(value).lower()):
            numbers.setdefault(number, set()).add(_units(match.group(2)))
        # "15-42 cm": the range's first number is in centimetres too.
        for match in _RANGE_UNIT.finditer(str(value).lower()):
            numbers.setdefault(match.group(1), set()).add(_units(match.group(2)))
    pairs: dict[str, set[str]] = {}
    # "ceramic dripper, glass carafe": which word the facts put before which part, to catch a swap.
    for value in facts.attributes.values():
        for item in re.split(r"[,;/]| and ", value.lower()):
            words = re.findall(r"[a-z][a-z\-]+", item)
            if len(words) >= 2:
                pairs.setdefault(stem(words[-1]), set()).add(stem(words[-2]))
    return Support(
        corpus=corpus,
        stems=stems,
        generic_en=GENERIC_EN | kind_en,
        generic_zh=GENERIC_ZH | kind_zh,
        numbers={number: frozenset(units) for number, units in numbers.items()},
        pairs={part: frozenset(words) for part, words in pairs.items()},
    )


def swap_spans(sentence: str, offset: int, support: Support) -> list[Span]:
    """A word of the facts put before the wrong part ("ceramic carafe" where the facts give a glass one)."""
    if not support.pairs:
        return []
    modifiers = {word for words in support.pairs.values() for word in words}
    spans = []
    tokens = list(re.finditer(r"[A-Za-z][A-Za-z\-]+", sentence))
    for left, right in pairwise(tokens):
        if sentence[left.end() : right.start()].strip():
            continue
        modifier, part = stem(left.group(0)), stem(right.group(0))
        allowed = support.pairs.get(part)
        if allowed and modifier in modifiers and modifier not in allowed:
            phrase = sentence[left.start() : right.end()]
            said = " or ".join(f"{word} {right.group(0).lower()}" for word in sorted(allowed))
            spans.append(
                Span(
                    offset + left.start(),
                    offset + right.end(),
                    phrase,
                    "invented",
                    f"The facts give {said}, not “{phrase}”.",
                )
            )
    return spans


_ZH_NUMERAL = re.compile(rf"(?<![一二两三四五六七八九十百])([二两三四五六七八九十]+)({ZH_UNITS})")
_ZH_DIGITS = {"二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _zh_number(numeral: str) -> str:
    """ "四" 4, "十二" 12, "二十" 20 ("一" is left out of the pattern: "一个", "一款" are no counts)."""
    if "十" not in numeral:
        return "".join(str(_ZH_DIGITS.get(char, 0)) for char in numeral)
    tens, _, ones = numeral.partition("十")
    return str(_ZH_DIGITS.get(tens, 1) * 10 + _ZH_DIGITS.get(ones, 0))


_EN_NUMBERS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
_EN_NUMBER_WORD = re.compile(rf"(?<![a-z\-])({'|'.join(_EN_NUMBERS)})\s+([a-z]+)", re.IGNORECASE)


def _numbers_of(text: str) -> list[tuple[re.Match[str], str]]:
    """(match, number) for digits with their units, and for numbers in words with what they count
    ("四色", "三格", "four sizes", "two colours")."""
    found = [(match, match.group(1).replace(",", "")) for match in _NUMBER_UNIT.finditer(text)]
    found += [(match, _zh_number(match.group(1))) for match in _ZH_NUMERAL.finditer(text)]
    return found + [
        (match, str(_EN_NUMBERS.index(match.group(1).lower()) + 2))
        for match in _EN_NUMBER_WORD.finditer(text)
    ]


def number_spans(sentence: str, offset: int, support: Support) -> list[Span]:
    spans = []
    for match, number in _numbers_of(sentence):
        unit = _units(match.group(2))
        if (match.group(2) or "").strip().lower() in STOPWORDS_EN:
            unit = ""  # "two of them": a count, not a unit
        plain = number.rstrip("0").rstrip(".") if "." in number else number
        known = support.numbers.get(number) or support.numbers.get(plain)
        if known is None:
            spans.append(
                Span(
                    offset + match.start(),
                    offset + match.end(),
                    match.group(0).strip(),
                    "number",
                    f"The number {number} is not in the product's facts.",
                )
            )
        elif (
            unit
            and unit not in known
            and unit.isalpha()
            # "5.3 Bluetooth" names what the bare 5.3 of the facts counts; "5 LEDs" is not the "5 m".
            and not ("" in known and _is_word_after_number(unit, support))
        ):
            said = ", ".join(sorted(filter(None, known))) or "no unit"
            spans.append(
                Span(
                    offset + match.start(),
                    offset + match.end(),
                    match.group(0).strip(),
                    "number",
                    f"{number} is in the facts with {said}, not “{match.group(2)}”.",
                )
            )
    return spans


def _is_word_after_number(unit: str, support: Support) -> bool:
    """ "6 hours" is a unit; "5.3 Bluetooth" or "24 colours" name what is counted: allowed when supported."""
    if CJK.search(unit):
        return unit in support.corpus and len(unit) > 1
    return len(unit) > 3 and support.supports_word(unit) and unit not in UNIT_SYNONYMS
