"""Content planning for descriptions a small model writes: a sentence per fact, checked, then joined.

The prompt asks for one line per fact (few-shot, so a base model follows it). Every line of every
candidate is checked for invented spans (apps.catalog.text.invention); for each fact the first clean
line that states it is kept, a fact no clean line states gets a plain sentence made from the fact
itself, and sentences are added or removed until the text reaches its length (words in English,
characters in Chinese) with supported content only: never the same thing twice, never filler.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .facts import ProductFacts
from .grounding import _covered, text_length
from .invention import Span, Support, detect, support_build
from .keys import key_label
from .options import GenerationOptions
from .prompting import LABELS, MAX_VALUE_CHARS, SEPARATOR, Prompt, clean_facts, fact_value, max_new_tokens

PLANNED_PROMPT_VERSION = "describe-planned-v1"
INTRO = {
    "en": "Product descriptions that say only what the facts say, one sentence per fact.",
    "zh": "以下商品文案只写参数里有的内容，每条参数写一句。",
}
LENGTH_LOW, LENGTH_HIGH = 0.8, 1.25  # aim inside the ±30% band with a margin


@cache
def planned_examples() -> dict[str, list[dict[str, Any]]]:
    path = Path(__file__).parent.parent / "data" / "planned_examples.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _facts_block(facts: ProductFacts, language: str) -> str:
    labels = LABELS[language]
    lines = [f"{labels['product']}: {facts.title}", f"{labels['facts']}:"]
    if facts.brand:
        lines.append(f"- {labels['brand']}: {facts.brand}")
    if facts.category:
        lines.append(f"- {labels['category']}: {facts.category}")
    lines += [f"- {key_label(key, language) or key}: {value}" for key, value in facts.attributes.items()]
    return "\n".join(lines)


def _voice_lines(options: GenerationOptions, language: str) -> list[str]:
    voice, labels = options.brand_voice, LABELS[language]
    if not voice:
        return []
    parts = [fact_value(voice.description)]
    if voice.do_words:
        parts.append(f"{labels['use']}: {', '.join(fact_value(w) for w in voice.do_words[:20])}")
    if voice.dont_words:
        parts.append(f"{labels['avoid']}: {', '.join(fact_value(w) for w in voice.dont_words[:20])}")
    lines = [f"{labels['voice']}: {'; '.join(part for part in parts if part)}"]
    return lines + [
        f"{labels['sample']}: {fact_value(sample)[:MAX_VALUE_CHARS]}" for sample in voice.example_texts[:2]
    ]


def as_lines(text: str, language: str) -> list[str]:
    """An approved description as the one-sentence-per-line examples the planned prompt shows."""
    lines = [_BULLET.sub("", line).strip() for line in _LINE_SPLIT.split(text) if line.strip()]
    return [sentence for line in lines for sentence in _sentences_of(line, language)]


def build_planned_prompt(
    facts: ProductFacts,
    options: GenerationOptions,
    *,
    store_examples: list[tuple[ProductFacts, str]] | None = None,
    shots: int = 3,
) -> Prompt:
    """The store's approved descriptions first (a sentence per line), then built-in examples, then the
    product, left open after its label. Facts are data: cleaned as for every prompt."""
    language = options.language if options.language in LABELS else "en"
    cleaned, dropped = clean_facts(facts)
    examples: list[tuple[ProductFacts, list[str]]] = []
    for example_facts, text in (store_examples or [])[:shots]:
        lines = [fact_value(line) for line in as_lines(text, language)]
        if lines:
            examples.append((clean_facts(example_facts)[0], lines))
    for entry in planned_examples()[language]:
        if len(examples) >= shots:
            break
        example = ProductFacts(
            title=entry["title"],
            brand=entry["brand"],
            category=entry["category"],
            attributes=entry["attributes"],
        )
        examples.append((example, entry["sentences"]))
    blocks = [
        f"{_facts_block(example, language)}\n{LABELS[language]['description']}:\n" + "\n".join(lines)
        for example, lines in examples
    ]
    target = _facts_block(cleaned, language)
    keywords = [fact_value(keyword)[:60] for keyword in options.seo_keywords if fact_value(keyword)]
    if keywords:
        target += f"\n{LABELS[language]['keywords']}: {', '.join(keywords)}"
    blocks.append(f"{target}\n{LABELS[language]['description']}:\n")
    header = "\n".join([INTRO[language], *_voice_lines(options, language)])
    text = header + "\n\n" + f"\n{SEPARATOR}\n".join(blocks)
    return Prompt(text=text, facts=cleaned, dropped=dropped, version=PLANNED_PROMPT_VERSION)


def planned_max_new_tokens(facts: ProductFacts, options: GenerationOptions) -> int:
    """A line per fact, but never more than a one-prompt draft of this length may take: planning fills
    what the model leaves out with the facts' own sentences, so the draft costs no more to write."""
    return int(min(16 + 16 * (len(facts.attributes) + 1), max_new_tokens(options)))


_EN_TEMPLATES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("material", "materials", "fabric"), "It is made of {value}."),
    (("upper", "body", "surface", "frame"), "Its {key} is made of {value}."),
    (("colour", "color", "colours", "colors"), "It comes in {value}."),
    (("sizes",), "It is available in sizes {value}."),
    (("size", "dimensions"), "It measures {value}."),
    (("weight",), "It weighs {value}."),
    (("capacity",), "It holds {value}."),
    (("includes", "contents", "in the box"), "It comes with {value}."),
    (("care",), "For care: {value}."),
)
_ZH_TEMPLATES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("材质", "面料", "外壳", "鞋面", "内胆", "外层"), "{key}采用{value}。"),
    (("颜色",), "颜色为{value}。"),
)
_YES = ("yes", "是", "有")


_STATES = ("safe", "proof", "ing", "able", "ible", "ed", "off")
_NEGATION = re.compile(r"\b(?:not|no|without|none)\b", re.IGNORECASE)


def _article(words: str) -> str:
    return "an" if words[:1].lower() in "aeiou" else "a"


def opening_sentence(facts: ProductFacts, language: str) -> str:
    """Names the product when neither a written line nor the brand's sentence does."""
    if language == "zh":
        return f"{facts.title}，属于{facts.category}类目。" if facts.category else f"{facts.title}。"
    title = f"{facts.title[:1].lower()}{facts.title[1:]}"
    return (
        f"This is the {title}, in the {facts.category.lower()} range."
        if facts.category
        else f"This is the {title}."
    )


def template_sentence(name: str, value: str, facts: ProductFacts, language: str) -> str:
    """A fact said plainly, in the words of the facts, when no written line states it cleanly."""
    title = facts.title
    if name == "brand":
        if language == "zh":
            return f"{facts.brand}{title}" + (f"，属于{facts.category}类目。" if facts.category else "。")
        sentence = f"{facts.brand} makes the {title[:1].lower()}{title[1:]}"
        return sentence + (f" for its {facts.category.lower()} range." if facts.category else ".")
    # An English key in a Chinese description (or the other way round) is said by its label, never raw.
    label = key_label(name, language)
    if label is None:
        return f"{title}：{value}。" if language == "zh" else f"{title}: {value}."
    if language == "zh":
        if value.startswith(label):
            return f"{value}。"  # "保温": "保温12小时"
        for keys, pattern in _ZH_TEMPLATES:
            if label in keys:
                return pattern.format(key=label, value=value)
        if value.strip().lower() in _YES:
            return f"{label}：{value}。"
        return f"{label}为{value}。"
    key = label.lower()
    for keys, pattern in _EN_TEMPLATES:
        if key in keys:
            return pattern.format(key=key, value=value)
    if value.strip().lower() in _YES:
        # "microwave safe", "leakproof", "RFID blocking" say what it is; "tare function" what it has.
        if key.endswith(_STATES):
            return f"It is {key}."
        return f"It has {_article(key)} {key}."
    if _NEGATION.search(value):
        # "insert not included", never "It has an insert ..."; "microwave safe: no, metal".
        if key.rstrip("s") in value.lower():
            return f"{value[:1].upper()}{value[1:]}."
        return f"{key[:1].upper()}{key[1:]}: {value}."
    if key.rstrip("s") in value.lower():
        # "collar": "band collar" is a part it has; "noise cancelling": "active noise cancelling".
        last = value.split()[-1].lower() if value.split() else ""
        if last.endswith("ed"):
            return f"It is {value}."  # "power": "USB powered"
        if last.endswith(("ing", "s")) or "," in value:
            return f"It has {value}."
        return f"It has {_article(value)} {value}."
    verb = "are" if key.endswith("s") and not key.endswith("ss") else "is"
    return f"Its {key} {verb} {value}."


@dataclass
class Sentence:
    text: str
    facts: list[str]  # names of the facts it states
    source: str  # "model" or "fact"
    puffery: list[Span] = field(default_factory=list)


@dataclass
class PlannedDraft:
    text: str
    sentences: list[Sentence]
    rejected: list[dict[str, Any]]  # lines dropped for invented spans: {"text", "spans"}
    length: int
    candidate_texts: list[str]


_LINE_SPLIT = re.compile(r"\n+")
_BULLET = re.compile(r"^\s*(?:[-•*]|\d+[.)])\s*")


def _lines(raw: str) -> list[str]:
    raw = raw.split(SEPARATOR)[0]
    lines = []
    for line in _LINE_SPLIT.split(raw):
        line = _BULLET.sub("", line).strip()
        if not line or (re.match(r"^[^:：]{1,20}[:：]", line) and len(line) < 40):
            continue  # an echoed "Facts:" or "material: linen" line, not a sentence
        lines.append(line)
    return lines


def _sentences_of(line: str, language: str) -> list[str]:
    pieces = re.split(r"(?<=[.!?])\s+|(?<=[。！？；])", line)
    return [piece.strip() for piece in pieces if piece.strip() and text_length(piece, language) >= 2]


def _states(sentence: str, facts: ProductFacts) -> list[str]:
    lowered = sentence.lower()
    return [name for name, value in facts.coverage_items() if _covered(value, lowered)]


def _join(sentences: list[str], options: GenerationOptions) -> str:
    if options.format == "bullets":
        return "\n".join(f"- {sentence}" for sentence in sentences)
    return ("" if options.language == "zh" else " ").join(sentences)


def plan_assemble(
    *, candidates: list[str], facts: ProductFacts, options: GenerationOptions, support: Support | None = None
) -> PlannedDraft:
    """The kept description from the candidates' lines: clean lines only, every fact said once."""
    language = options.language or "en"
    support = support or support_build(facts, keywords=options.seo_keywords)
    clean: list[Sentence] = []
    rejected: list[dict[str, Any]] = []
    seen: set[str] = set()
    for candidate in candidates:
        for line in _lines(candidate):
            for piece in _sentences_of(line, language):
                key = re.sub(r"\W+", "", piece.lower())
                if key in seen:
                    continue
                seen.add(key)
                report = detect(piece, facts, language=language, support=support)
                if report.invented:
                    rejected.append({"text": piece, "spans": [span.to_dict() for span in report.invented]})
                    continue
                clean.append(Sentence(piece, _states(piece, facts), "model", report.puffery))
    items = facts.coverage_items()
    chosen: list[Sentence] = []
    said: set[str] = set()
    # The opening names the product; then one sentence per fact, in the facts' order.
    opening = next((s for s in clean if facts.title.lower() in s.text.lower() or "brand" in s.facts), None)
    if opening:
        chosen.append(opening)
        said |= set(opening.facts)
    for name, value in items:
        if name in said:
            continue
        # The fullest clean line that states the fact (a line stating several facts says them together).
        stating = [s for s in clean if name in s.facts and s not in chosen]
        best = max(stating, key=lambda s: (len(s.facts), len(s.text)), default=None)
        if best is None:
            best = Sentence(template_sentence(name, value, facts, language), [name], "fact")
        chosen.append(best)
        said |= set(best.facts)
    if opening is None and not any("brand" in s.facts for s in chosen):
        chosen.insert(0, Sentence(opening_sentence(facts, language), [], "fact"))
    target = options.target_length
    # Short: more clean lines that say something new (a fact said a second way is not new).
    for sentence in clean:
        if _length(chosen, options) >= target * LENGTH_LOW:
            break
        if sentence in chosen or (sentence.puffery and len(sentence.puffery) > 1):
            continue
        if sentence.facts and set(sentence.facts) <= said:
            continue
        if not sentence.facts and sum(1 for s in chosen if not s.facts) >= 2:
            continue  # at most two sentences of general, fact-free description
        chosen.append(sentence)
        said |= set(sentence.facts)
    # Long: drop puffery-only and fact-free sentences first, then the last of the rest.
    while _length(chosen, options) > target * LENGTH_HIGH and len(chosen) > 1:
        removable = [s for s in chosen[1:] if not s.facts] or chosen[1:]
        chosen.remove(removable[-1])
    text = _join([sentence.text for sentence in chosen], options)
    return PlannedDraft(
        text=text,
        sentences=chosen,
        rejected=rejected,
        length=text_length(text, language),
        candidate_texts=list(candidates),
    )


def _length(sentences: list[Sentence], options: GenerationOptions) -> int:
    return text_length(_join([s.text for s in sentences], options), options.language or "en")
