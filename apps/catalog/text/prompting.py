"""Few-shot prompts for a base language model, built only from a product's facts.

A base model continues text, so a prompt is a short run of finished examples (the store's own
approved descriptions first, then built-in ones in the same language) and the product to
describe, left open after its label. Facts are data, never instructions: each value is put on
one line with the prompt's own markers removed, and a value that reads like an instruction to
the model is left out and reported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from apps.core.text import CJK, prompt_head

from .facts import ProductFacts
from .keys import key_label
from .options import GenerationOptions

PROMPT_VERSION = "describe-v1"
SEPARATOR = "###"
MAX_VALUE_CHARS = 200
MAX_FACTS = 20

LABELS = {
    "en": {
        "intro": "Product descriptions written only from the listed facts.",
        "product": "Product",
        "facts": "Facts",
        "keywords": "Keywords",
        "style": "Style",
        "description": "Description",
        "brand": "Brand",
        "category": "Category",
        "price": "Price",
        "voice": "Voice",
        "use": "use",
        "avoid": "avoid",
        "sample": "Style sample",
    },
    "zh": {
        "intro": "以下商品文案只根据列出的参数撰写。",
        "product": "商品",
        "facts": "参数",
        "keywords": "关键词",
        "style": "风格",
        "description": "文案",
        "brand": "品牌",
        "category": "类目",
        "price": "价格",
        "voice": "品牌调性",
        "use": "常用词",
        "avoid": "避免",
        "sample": "风格示例",
    },
}
TONES = {
    "en": {
        "neutral": "clear and factual",
        "friendly": "warm and friendly",
        "premium": "refined and premium",
        "playful": "light and playful",
        "technical": "precise and technical",
    },
    "zh": {
        "neutral": "清晰客观",
        "friendly": "亲切自然",
        "premium": "精致高端",
        "playful": "轻松活泼",
        "technical": "专业严谨",
    },
}
FORMATS = {
    "en": {"paragraph": "one paragraph", "bullets": "bullet points"},
    "zh": {"paragraph": "一段话", "bullets": "要点列表"},
}

_INJECTION = re.compile(
    r"ignore (all |any |the )?(previous|above|prior|earlier)|disregard (the|all|previous)|"
    r"(system|developer) prompt|you are (now )?(a|an|chatgpt)|new instructions?|instead,? (write|say|output)|"
    r"forget (everything|the above)|"
    r"忽略(以上|上面|之前|前面)|无视(以上|之前)|系统提示|你现在是|改为(输出|写)",
    re.IGNORECASE,
)
_MARKERS = re.compile(
    r"#{2,}|(?:Product|Facts|Keywords|Style|Description|Voice|商品|参数|关键词|风格|文案|品牌调性)\s*[:：]",
    re.IGNORECASE,
)


def looks_like_instruction(value: str) -> bool:
    return bool(_INJECTION.search(value))


def fact_value(value: str) -> str:
    """A value fit for one prompt line: no line breaks, no prompt markers, bounded length."""
    text = re.sub(r"\s+", " ", str(value)).strip()
    text = _MARKERS.sub(lambda match: match.group(0).rstrip(":：#").strip() + " ", text)
    return re.sub(r"\s+", " ", text).strip()[:MAX_VALUE_CHARS]


@dataclass
class Prompt:
    text: str
    facts: ProductFacts  # the facts the prompt used, after dropping instruction-like values
    dropped: list[str]  # attribute names left out because they read like instructions
    version: str = PROMPT_VERSION


@cache
def library_examples() -> dict[str, list[dict[str, Any]]]:
    path = Path(__file__).parent.parent / "data" / "description_examples.json"
    return json.loads(path.read_text(encoding="utf-8"))


def clean_facts(facts: ProductFacts) -> tuple[ProductFacts, list[str]]:
    dropped = [key for key, value in facts.attributes.items() if looks_like_instruction(f"{key} {value}")]
    attributes = {
        fact_value(key)[:60]: fact_value(value)
        for key, value in list(facts.attributes.items())[:MAX_FACTS]
        if key not in dropped and fact_value(value)
    }
    title, brand = facts.title, facts.brand
    if looks_like_instruction(title):
        dropped.append("title")
        title = ""
    if looks_like_instruction(brand):
        dropped.append("brand")
        brand = ""
    return ProductFacts(
        title=fact_value(title),
        brand=fact_value(brand),
        category=fact_value(facts.category),
        attributes=attributes,
        price=facts.price,
        currency=facts.currency,
    ), dropped


def _block(facts: ProductFacts, language: str) -> str:
    labels = LABELS[language]
    lines = [f"{labels['product']}: {facts.title}", f"{labels['facts']}:"]
    if facts.brand:
        lines.append(f"- {labels['brand']}: {facts.brand}")
    if facts.category:
        lines.append(f"- {labels['category']}: {facts.category}")
    lines += [f"- {key_label(key, language) or key}: {value}" for key, value in facts.attributes.items()]
    return "\n".join(lines)


def build_prompt(
    facts: ProductFacts,
    options: GenerationOptions,
    *,
    store_examples: list[tuple[ProductFacts, str]] | None = None,
    shots: int = 3,
) -> Prompt:
    """The few-shot prompt for one product: store examples first, then built-in ones, then the product."""
    language = options.language if options.language in LABELS else "en"
    labels = LABELS[language]
    cleaned, dropped = clean_facts(facts)
    style = f"{TONES[language].get(options.tone, TONES[language]['neutral'])}, "
    style += f"{FORMATS[language].get(options.format, FORMATS[language]['paragraph'])}, "
    style += f"~{options.target_length} {'字' if language == 'zh' else 'words'}"
    keywords = [fact_value(keyword)[:60] for keyword in options.seo_keywords if fact_value(keyword)]

    header = [labels["intro"]]
    voice = options.brand_voice
    if voice:
        parts = [fact_value(voice.description)]
        if voice.do_words:
            parts.append(f"{labels['use']}: {', '.join(fact_value(w) for w in voice.do_words[:20])}")
        if voice.dont_words:
            parts.append(f"{labels['avoid']}: {', '.join(fact_value(w) for w in voice.dont_words[:20])}")
        header.append(f"{labels['voice']}: {'; '.join(part for part in parts if part)}")
        for sample in voice.example_texts[:2]:
            header.append(f"{labels['sample']}: {fact_value(sample)[:MAX_VALUE_CHARS]}")

    examples: list[tuple[ProductFacts, str]] = []
    for example_facts, text in (store_examples or [])[:shots]:
        example_clean, _ = clean_facts(example_facts)
        examples.append((example_clean, text.strip()))
    for entry in library_examples()[language]:
        if len(examples) >= shots:
            break
        if entry["title"].strip().lower() == cleaned.title.strip().lower():
            continue  # an example for the very same kind of product invites copying its facts
        examples.append(
            (
                ProductFacts(
                    title=entry["title"],
                    brand=entry["brand"],
                    category=entry["category"],
                    attributes=entry["attributes"],
                ),
                entry["bullets" if options.format == "bullets" else "paragraph"],
            )
        )

    blocks = []
    for example_facts, text in examples:
        blocks.append(
            f"{_block(example_facts, language)}\n{labels['style']}: {style}\n"
            f"{labels['description']}: {text.replace(SEPARATOR, '')}"
        )
    target = _block(cleaned, language)
    if keywords:
        target += f"\n{labels['keywords']}: {', '.join(keywords)}"
    target += f"\n{labels['style']}: {style}\n{labels['description']}:"
    blocks.append(target)
    text = "\n".join(header) + "\n\n" + f"\n{SEPARATOR}\n".join(blocks)
    return Prompt(text=text, facts=cleaned, dropped=dropped)


def shared_prefix(prompt: str) -> str:
    """The part of a prompt that other products' prompts share: the header and the examples.

    Everything up to the product's own block, which follows the last separator; the engine
    computes this part once per store and options (apps/inference/engine/serving.py).
    """
    return prompt_head(prompt, f"\n{SEPARATOR}\n")


_LATIN_WORD = re.compile(r"[A-Za-z0-9]+")
_SYMBOL = re.compile(r"[^\w\s]")


def estimate_tokens(text: str) -> int:
    """A generous estimate of a prompt's tokens for subword tokenizers (no tokenizer in the web process)."""
    return int(
        len(CJK.findall(text)) * 1.2 + len(_LATIN_WORD.findall(text)) * 1.5 + len(_SYMBOL.findall(text)) + 8
    )


def stop_strings(language: str | None) -> tuple[str, ...]:
    labels = LABELS.get(language or "en", LABELS["en"])
    return (SEPARATOR, f"\n{labels['product']}:", f"\n{labels['facts']}:", "\n\n\n")


def max_new_tokens(options: GenerationOptions) -> int:
    per_unit = 1.0 if options.language == "zh" else 1.6
    return int(min(512, max(32, options.target_length * per_unit * 1.3 + 16)))


_TAGS = re.compile(r"<[^>]{0,200}>")


def clean_output(text: str, *, truncated: bool) -> str:
    """A draft as kept: no markup, no stray markers, and no half sentence where generation was cut off."""
    text = _TAGS.sub("", text)
    for marker in (SEPARATOR,):
        text = text.split(marker)[0]
    text = re.sub(r"[ \t]+", " ", text).strip()
    if truncated:
        ends = [match.end() for match in re.finditer(r"[.!?。！？](?=\s|$)|[。！？]", text)]
        if ends and ends[-1] > len(text) * 0.5:
            text = text[: ends[-1]]
    return text.strip()
