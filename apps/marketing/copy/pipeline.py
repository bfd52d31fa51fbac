"""One variant from the model's text to what is kept: composed for the channel (SMS opt-out text,
social hashtags), checked (limits, compliance, facts, language) and repaired where it can be.

Blocking problems (over the limit, too short, a banned term, the wrong language, hashtags missing)
are repaired by dropping the phrase that holds the banned term and trimming at a sentence or phrase
boundary; a variant that still has one is not kept (the service asks the model for another). Fact
problems (a wrong discount, date or code, a claim the facts do not give, words copied from the
prompt's examples) are repaired the same way; generated copy that still states one is not kept
either. In a reviewer's edited text they are shown, not blocking: the records may lack a true fact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from apps.catalog.text.facts import ProductFacts
from apps.core.text import CJK, is_chinese

from .channels import CHANNELS, Measure, measure
from .compliance import Violation, compliance_check, offending_spans
from .counting import weighted_length
from .facts import PromotionTerms, fact_check, promotion_mentions
from .prompting import example_terms
from .repair import drop_spans, trim_to_fit

# The prompt's own labels: a text that carries them repeats the prompt instead of being copy.
_PROMPT_ECHO = re.compile(
    r"(?:Product|Brand|Facts|Promotion|Goal|Copy|Channel|Category|Voice)\s*:"
    r"|(?:商品|品牌|参数|活动|目标|文案|渠道|类目|品牌调性)\s*[:：]|\s\|\s"
    # the goals as the prompt words them (prompting.GOAL_TEXT)
    r"|drive sales|announce a new product|build awareness|win back lapsed customers"
    r"|促进销售|提升品牌认知|召回老客户",
    re.IGNORECASE,
)
_TOPIC_WORD = re.compile(r"[a-z0-9]{3,}")
_STOPWORDS = frozenset({"the", "and", "for", "with", "one", "size", "new", "our", "your"})
_HASHTAG = re.compile(r"#[^#\s，。！？,.!?]{1,30}#|#[\w\u4e00-\u9fff]{1,40}")


@dataclass(frozen=True)
class CopyContext:
    """What checking a variant needs: the request's channel and language, the facts, the store's rules."""

    channel: str
    language: str
    products: Sequence[ProductFacts] = ()
    promotion: PromotionTerms | None = None
    store_banned: Sequence[str] = ()
    brand_voice_avoid: Sequence[str] = ()
    opt_out_text: str = ""
    sender: str = ""
    fallback_hashtags: Sequence[str] = ()


@dataclass
class CheckedText:
    text: str  # as sent: body plus the SMS sender and opt-out text, or the hashtags
    body: str
    measure: Measure
    violations: list[Violation] = field(default_factory=list)

    @property
    def blocking(self) -> list[Violation]:
        return [violation for violation in self.violations if violation.blocking]

    @property
    def facts_ok(self) -> bool:
        return not any(violation.code in FACT_CODES for violation in self.violations)


FACT_CODES = frozenset({"invented_fact", "wrong_discount", "wrong_date", "wrong_code", "unknown_promotion"})
BANNED_CODES = frozenset({"ad_law", "absolute_claim", "store_banned", "brand_voice"})


@dataclass
class VariantOutcome:
    first: CheckedText  # the model's text, checked as it was
    final: CheckedText  # after repair
    repair: str  # "", "dropped", "sentence", "phrase", "word" (how it was cut), "dropped+phrase"...

    @property
    def kept(self) -> bool:
        """Generated copy is kept only when it breaks no blocking rule and states no invented fact (a
        reviewer's own text may state facts the products' records lack; the model's may not)."""
        return not self.final.blocking and self.final.facts_ok

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.final.text, "repair": self.repair, "kept": self.kept}


def _topic_terms(context: CopyContext) -> set[str]:
    """Words (Latin) and two-character runs (hanzi) from the products and the promotion's code."""
    terms: set[str] = set()
    values = [
        value
        for product in context.products
        for value in (product.title, product.brand, product.category, *product.attributes.values())
    ]
    for value in values:
        lowered = value.lower()
        terms |= {word for word in _TOPIC_WORD.findall(lowered) if word not in _STOPWORDS}
        hanzi = "".join(char for char in lowered if CJK.match(char))
        terms |= {hanzi[index : index + 2] for index in range(len(hanzi) - 1)}
    if context.promotion and context.promotion.code:
        terms.add(context.promotion.code.lower())
    return terms


def on_topic(body: str, context: CopyContext) -> bool:
    """Whether the text names something of the products (a word of a title, brand, category or fact) or
    the promotion (its code, or any discount or date: those are checked against the terms apart)."""
    terms = _topic_terms(context)
    if not terms:
        return True
    lowered = body.lower()
    if any(term in lowered for term in terms):
        return True
    return bool(context.promotion) and bool(promotion_mentions(body))


def hashtags_split(text: str) -> tuple[str, list[str]]:
    tags = _HASHTAG.findall(text)
    body = _HASHTAG.sub("", text)
    return re.sub(r"\s+", " ", body).strip(), tags


def hashtag(word: str, language: str) -> str:
    cleaned = re.sub(r"[^\w\u4e00-\u9fff]", "", word)
    return f"#{cleaned}#" if language == "zh" else f"#{cleaned.lower()}"


def compose(body: str, context: CopyContext, tags: Sequence[str] = ()) -> str:
    spec = CHANNELS[context.channel]
    if spec.opt_out:
        sender = (
            f"【{context.sender}】"
            if context.sender and context.language == "zh"
            else (f"{context.sender}: " if context.sender else "")
        )
        if sender and body.startswith(sender.strip()):
            sender = ""
        opt_out = context.opt_out_text.strip()
        return f"{sender}{body} {opt_out}".strip() if opt_out else f"{sender}{body}"
    if spec.hashtags[1]:
        return f"{body} {' '.join(tags)}".strip()
    return body


def _tags_for(body_tags: list[str], context: CopyContext) -> list[str]:
    low, high = CHANNELS[context.channel].hashtags
    tags = list(dict.fromkeys(body_tags))[:high]
    for word in context.fallback_hashtags:
        if len(tags) >= low:
            break
        tag = hashtag(word, context.language)
        if len(tag) > 2 and tag not in tags:
            tags.append(tag)
    return tags


def check(body: str, context: CopyContext, tags: Sequence[str] = ()) -> CheckedText:
    """Every rule on one text: the channel's count of the composed text, compliance, facts, language."""
    spec = CHANNELS[context.channel]
    text = compose(body, context, tags)
    measured = measure(text, context.channel, context.language)
    violations: list[Violation] = []
    if not body.strip():
        violations.append(Violation("empty", "", "", "The text is empty."))
    elif not measured.fits:
        violations.append(
            Violation(
                "over_limit",
                str(measured.limit),
                str(measured.value),
                f"{measured.value} {measured.unit} is over the limit of {measured.limit}.",
            )
        )
    elif measured.too_short:
        violations.append(
            Violation(
                "too_short",
                str(spec.minimum),
                str(measured.value),
                f"Only {measured.value} {measured.unit}; at least {spec.minimum} expected.",
            )
        )
    if spec.hashtags[0] and len(tags) < spec.hashtags[0]:
        violations.append(
            Violation("hashtags", str(spec.hashtags[0]), str(len(tags)), "The post needs a hashtag.")
        )
    if body.strip() and (context.language == "zh") != is_chinese(body):
        violations.append(
            Violation("wrong_language", context.language, "", "Not written in the requested language.")
        )
    if body.strip() and _PROMPT_ECHO.search(body):
        violations.append(
            Violation("prompt_echo", "", "", "Repeats the prompt's form instead of writing copy.")
        )
    elif body.strip() and not on_topic(body, context):
        violations.append(Violation("off_topic", "", "", "Says nothing about the products or the promotion."))
    violations += compliance_check(
        text, store_banned=context.store_banned, brand_voice_avoid=context.brand_voice_avoid
    )
    banned = " ".join(v.found.lower() for v in violations if v.code in BANNED_CODES)
    violations += [
        violation  # a claim already flagged as banned ("guaranteed", "#1") is not also an invented fact
        for violation in fact_check(
            body,
            context.products,
            context.promotion,
            language=context.language,
            example_terms=example_terms(context.language),
        )
        if violation.code != "invented_fact" or violation.found.lower() not in banned
    ]
    return CheckedText(text=text, body=body, measure=measured, violations=violations)


def check_text(text: str, context: CopyContext) -> CheckedText:
    """A finished text as a reviewer edited it: the parts the store adds are not added again."""
    body = text
    if CHANNELS[context.channel].opt_out:
        if context.opt_out_text and body.rstrip().endswith(context.opt_out_text.strip()):
            body = body.rstrip()[: -len(context.opt_out_text.strip())].rstrip()
        for sender in (f"【{context.sender}】", f"{context.sender}: "):
            if context.sender and body.startswith(sender):
                body = body[len(sender) :]
    tags: list[str] = []
    if CHANNELS[context.channel].hashtags[1]:
        body, tags = hashtags_split(body)
    return check(body.strip(), context, tags)


def finish(raw: str, context: CopyContext) -> VariantOutcome:
    """The model's text checked, then repaired where a cut or a dropped phrase fixes it."""
    spec = CHANNELS[context.channel]
    body, tags = hashtags_split(raw) if spec.hashtags[1] else (raw.strip(), [])
    tags = _tags_for(tags, context)
    first = check(body, context, tags)
    if not first.violations:
        return VariantOutcome(first, first, "")
    repairs: list[str] = []
    fixable = [v for v in first.violations if v.code in BANNED_CODES or v.code in FACT_CODES]
    if fixable:
        dropped = drop_spans(body, offending_spans(body, fixable), language=context.language)
        if dropped and dropped != body:
            body = dropped
            repairs.append("dropped")
    current = check(body, context, tags)
    if any(v.code == "over_limit" for v in current.violations):

        def fits(candidate: str) -> bool:
            return measure(compose(candidate, context, tags), context.channel, context.language).fits

        def long_enough(candidate: str) -> bool:
            return not measure(compose(candidate, context, tags), context.channel, context.language).too_short

        trimmed = trim_to_fit(body, fits, language=context.language, minimum=long_enough)
        if trimmed is not None:
            body = trimmed[0]
            repairs.append(trimmed[1])
            current = check(body, context, tags)
    if spec.hashtags[1] and weighted_length(current.text) > spec.limit and tags:
        current = check(body, context, tags[:1])
    return VariantOutcome(first, current, "+".join(repairs))
