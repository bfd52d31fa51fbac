"""Attributes said of the wrong part: a fact's name linked to another fact's value, or put after the name
of a part that another fact speaks of. Pure text work; apps.catalog.text.invention reads each sentence
against it.
"""

from __future__ import annotations

import re

from apps.core.text import CJK

from .facts import ProductFacts
from .lexicon import GENERIC_EN, STOPWORDS_EN
from .reasons import Reason
from .support import Span

_EN_LINK = (
    r"(?:\s+(?:is|are|was|comes?\s+in|made\s+(?:of|from|with)|of|in|uses?|features?|has|with)\b|\s*[:=])"
)
_EN_IS = r"(?:\s+(?:is|are|was|were)(?:\s+made\s+(?:of|from))?\b)"
_ZH_LINK = r"(?:材质|面料)?(?:为|是|采用|使用|选用|用|[:：])"
_EN_CONTENT = re.compile(r"[a-z0-9][a-z0-9\-]{2,}")


def _pieces(value: str) -> list[str]:
    """What of an attribute value a sentence can say on its own: content words (English), stretches of
    three characters (Chinese and codes)."""
    value = value.lower()
    if CJK.search(value):
        return [value[i : i + 3] for i in range(max(1, len(value) - 2))]
    return [
        word for word in _EN_CONTENT.findall(value) if word not in STOPWORDS_EN and word not in GENERIC_EN
    ]


def _says(piece: str, lowered: str) -> bool:
    if CJK.search(piece):
        return piece in lowered
    return re.search(rf"(?<![a-z0-9]){re.escape(piece)}(?![a-z0-9])", lowered) is not None


def _part_words(key: str, value: str) -> set[str]:
    """The names of parts an attribute speaks of: its key ("杯盖", "滤杯型号" also "滤杯") and the head
    nouns of its value's items ("40张滤纸": 滤纸; "glass server": server)."""
    if CJK.search(key) or CJK.search(value):
        words = {key} | ({key[:2]} if len(key) >= 3 and CJK.search(key[:2]) else set())
        for item in re.split(r"[、，,;；/\s]|和|加|与", value):
            item = re.sub(r"^[\d.]+\S?", "", item)
            if len(item) >= 2 and CJK.search(item[-2:]):
                words |= {item[-2:], item[-3:]} if len(item) >= 3 else {item}
        return {word for word in words if len(word) >= 2}
    words = {key} if " " not in key else set()
    for item in re.split(r"[,;/]| and ", value):
        found = _EN_CONTENT.findall(item)
        if found and found[-1] not in STOPWORDS_EN and found[-1] not in GENERIC_EN:
            words.add(found[-1])
    return words


def key_swap_spans(sentence: str, offset: int, facts: ProductFacts) -> list[Span]:
    """An attribute given to the wrong part or another attribute's value: "杯盖材质为316不锈钢" where the
    facts give 杯盖: 弹跳盖 and the 316 steel for the liner; "滤杯容量" where the capacity is the set's; "a
    glass lid" where the lid is bamboo. Flagged: the name said with none of its own value but linked to
    another attribute's value, or put after the name of a part that another fact speaks of."""
    lowered = sentence.lower()
    named = f"{facts.title} {facts.brand} {facts.category}".lower()
    items = [(key.lower().strip(), value.lower()) for key, value in facts.attributes.items() if key.strip()]
    spans: list[Span] = []
    for key, value in items:
        if key in named or any(key in other for other_key, other in items if other_key != key):
            continue  # a key the title or another fact says is no attribute name here
        zh = bool(CJK.search(key))
        own = [piece for piece in _pieces(value) if piece not in key] or [value]
        own_said = any(_says(piece, lowered) for piece in own)
        others = {
            piece: other
            for other_key, other in items
            if other_key != key
            for piece in _pieces(other)
            if piece not in named and not any(piece in p for p in own)
        }
        parts = {
            word: other_key
            for other_key, other in items
            if other_key != key
            for word in _part_words(other_key, other)
            if word not in named and word not in value and word not in key and key not in word
        }
        pattern = re.escape(key) if zh else rf"(?<![a-z0-9]){re.escape(key)}s?(?![a-z0-9])"
        for match in re.finditer(pattern, lowered):
            after = lowered[match.end() : match.end() + 40]
            before = lowered[max(0, match.start() - 24) : match.start()]
            start, said = match.start(), None
            link = re.match(_ZH_LINK if zh else _EN_LINK, after)
            if link and not own_said:
                window = after[link.end() : link.end() + (14 if zh else 32)]
                piece = next((piece for piece in others if _says(piece, window)), "")
                said = ("facts_give_not_other", {"other": others[piece]}) if piece else None
                if not piece and "made" in link.group(0) + window[:12]:
                    # "the lid is made of steel": a part's material, which its own fact does not give.
                    title_piece = next((p for p in _pieces(named) if _says(p, window[:24])), "")
                    said = ("facts_give_not_a_material", {"other": title_piece}) if title_piece else None
            if not said:
                # "<part> <name>": "滤杯容量", "滤纸的容量", "dripper's capacity", "ceramic finish".
                head = re.sub(r"的$" if zh else r"(?:'s|’s)?\s+$", "", before)
                word = next((w for w in sorted(parts, key=len, reverse=True) if head.endswith(w)), "")
                if word and (zh or re.search(rf"(?<![a-z0-9]){re.escape(word)}$", head)):
                    start = match.start() - (len(before) - len(head)) - len(word)
                    said = ("facts_give_not_for", {"word": word})
            if said:
                phrase = sentence[start : match.end()]
                spans.append(
                    Span(
                        offset + start,
                        offset + match.end(),
                        phrase,
                        "invented",
                        Reason(said[0], key=key, value=value, **said[1]),
                    )
                )
    return spans + part_value_spans(sentence, offset, facts) + role_spans(sentence, offset, facts)


def part_value_spans(sentence: str, offset: int, facts: ProductFacts) -> list[Span]:
    """A part one fact names, given another fact's value: "the straps are made from ripstop nylon" where
    the straps come in the set and the nylon is the product's material."""
    lowered = sentence.lower()
    named = f"{facts.title} {facts.brand} {facts.category}".lower()
    items = [(key.lower().strip(), value.lower()) for key, value in facts.attributes.items() if key.strip()]
    spans: list[Span] = []
    for part_key, part_value in items:
        for word in _part_words("", part_value):
            # The product itself ("the blocks" of a "yoga block set") is no part of it.
            if not word or word in named or word.rstrip("s") in named or word == part_key:
                continue
            zh = bool(CJK.search(word))
            pattern = re.escape(word) if zh else rf"(?<![a-z0-9]){re.escape(word)}s?(?![a-z0-9])"
            for match in re.finditer(pattern, lowered):
                after = lowered[match.end() : match.end() + 40]
                link = re.match(_ZH_LINK if zh else _EN_IS, after)
                if not link:
                    continue
                window = after[link.end() : link.end() + (14 if zh else 32)]
                for key, value in items:
                    if key == part_key or word in value or word in key or value in part_value:
                        continue
                    piece = next((p for p in _pieces(value) if p not in named and _says(p, window)), "")
                    if piece and not any(_says(p, window) for p in _pieces(part_value) if p != word):
                        end = match.end() + link.end() + window.index(piece) + len(piece)
                        spans.append(
                            Span(
                                offset + match.start(),
                                offset + end,
                                sentence[match.start() : end],
                                "invented",
                                Reason("facts_give_product_not_part", key=key, value=value, word=word),
                            )
                        )
                        break
    return spans


_MATERIAL_KEYS = re.compile(
    r"material|fabric|body|upper|outer|shell|surface|lining|frame|construction|composition|knit|weave|"
    r"材质|面料|外壳|鞋面|内胆|外层|内衬|主体|框架|织法"
)
_MADE_OF = re.compile(r"(?<![a-z])made\s+(?:of|from|with|out\s+of)\s+(?:an?\s+|the\s+)?")
# A verb that says which attribute a number is: "weighs 10 kg" is a weight, "measures 18/8" a size.
_MEASURE_VERBS = (
    (
        re.compile(
            r"(?<![a-z])weigh(?:s|ing)?\s+(?:only\s+|just\s+|about\s+|around\s+|up\s+to\s+)?(\d+(?:\.\d+)?)"
            r"|(?<![克承称载净毛])(?:重量|重)(?:为|是|约|仅|只有)*(\d+(?:\.\d+)?)"
        ),
        re.compile(r"(?:net |item |total )?weight|重量|净重|单只重量", re.IGNORECASE),
        "what it weighs",
    ),
    (
        re.compile(r"(?<![a-z])measur(?:es|ing)\s+(?:about\s+|around\s+)?(\d+(?:\.\d+)?)()"),
        re.compile(r"size|sizes|dimensions|length|width|height|depth|diameter|measurements", re.IGNORECASE),
        "its size",
    ),
)
_UNIVERSAL = re.compile(
    r"(?<![a-z])(?:used?|fits?|compatible|works?|suitable|suits?|ideal|designed|made|perfect)\s+"
    r"(?:with|for|in|on|to)\s+(?:any|all|every|each)(?:\s+(?:types?|kinds?|sorts?)\s+of)?"
    r"(?:\s+[a-z][a-z\-]*){1,2}"
    r"|(?:适用于?|适合|兼容|通用于?)(?:所有|任何|各种|一切|全部|各类)[\u4e00-\u9fff]{0,4}"
    r"|(?<![a-z])(?:multi-?functional|multi-?purpose|all-in-one)(?![a-z])|多功能|多用途|全能|万能"
)


def role_spans(sentence: str, offset: int, facts: ProductFacts) -> list[Span]:
    """Claims of a kind the facts do not make: "made of" a value that is no material ("made of oak
    laminate" for a finish, "made from 600 ml"), and universal claims of use or fit ("can be used with
    any kettle", "suitable for all types of kitchens", "适用于所有炉灶") unless the facts say them."""
    lowered = sentence.lower()
    named = f"{facts.title} {facts.brand} {facts.category}".lower()
    corpus = " ".join([named, *(f"{k} {v}" for k, v in facts.attributes.items())]).lower()
    spans: list[Span] = []
    for match in _MADE_OF.finditer(lowered):
        window = lowered[match.end() : match.end() + 32]
        # The attribute whose value the words after "made of" say first.
        first: tuple[int, str, str, str] | None = None
        for key, value in facts.attributes.items():
            for piece in _pieces(value):
                found = re.search(rf"(?<![a-z0-9]){re.escape(piece)}(?![a-z0-9])", window)
                if piece not in named and found and (first is None or found.start() < first[0]):
                    first = (found.start(), piece, key, value)
        if first and not _MATERIAL_KEYS.search(first[2].lower()):
            position, piece, key, value = first
            end = match.end() + position + len(piece)
            spans.append(
                Span(
                    offset + match.start(),
                    offset + end,
                    sentence[match.start() : end],
                    "invented",
                    Reason("facts_give_not_material", key=key, value=value),
                )
            )
    for verb, allowed, said in _MEASURE_VERBS:
        for match in verb.finditer(lowered):
            number = match.group(1) or match.group(2)
            owners = [
                k
                for k, v in facts.attributes.items()
                if re.search(rf"(?<![\d.]){re.escape(number)}(?!\d)", v)
            ]
            if owners and not any(allowed.fullmatch(k.strip()) for k in owners):
                spans.append(
                    Span.at(
                        match,
                        sentence,
                        offset,
                        Reason("number_is_other_fact", number=number, key=owners[0], said=said),
                    )
                )
    for match in _UNIVERSAL.finditer(lowered):
        if match.group(0) in corpus:
            continue
        spans.append(
            Span.at(
                match,
                sentence,
                offset,
                Reason("claims_more", text=sentence[match.start() : match.end()]),
            )
        )
    return spans
