"""Scoring generated drafts: each cleaned and checked against the facts its prompt used, best first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import grounding
from .facts import ProductFacts
from .invention import Support, detect, support_build
from .options import GenerationOptions
from .planning import plan_assemble
from .prompting import Prompt, clean_output
from .reasons import Reason, flag
from .vocabulary import SUPERLATIVES


@dataclass(frozen=True)
class Draft:
    """One candidate as the model wrote it; ``finish_reason`` is "length" when it was cut off."""

    text: str
    finish_reason: str


@dataclass(frozen=True)
class ScoredDraft:
    text: str
    report: grounding.GroundingReport
    spans: list[dict[str, Any]] = field(default_factory=list)  # invented and puffery spans, with offsets
    rejected: list[dict[str, Any]] = field(default_factory=list)  # sentences planning dropped

    def to_dict(self) -> dict[str, Any]:
        data = {"text": self.text, **self.report.to_dict(), "spans": self.spans}
        if self.rejected:
            data["rejected_sentences"] = self.rejected
        return data

    @property
    def invented_count(self) -> int:
        return sum(1 for span in self.spans if span["kind"] != "puffery")


def voice_texts(options: GenerationOptions) -> list[str]:
    """What the brand voice lets a description say beyond the facts."""
    voice = options.brand_voice
    return [voice.description, *voice.do_words, *voice.example_texts] if voice else []


def text_spans(
    text: str, *, facts: ProductFacts, options: GenerationOptions, support: Support | None = None
) -> list[dict[str, Any]]:
    """Invented and puffery spans of one text, as stored with a version and returned by the API."""
    support = support or support_build(facts, voice_texts=voice_texts(options), keywords=options.seo_keywords)
    report = detect(text, facts, language=options.language or "en", support=support)
    return [span.to_dict() for span in report.spans]


def drafts_plan(*, prompt: Prompt, options: GenerationOptions, drafts: Iterable[Draft]) -> list[ScoredDraft]:
    """The planned description (clean sentences of every candidate, a sentence per fact) first, then
    each raw candidate with its own spans, so the reviewer sees what was left out and why."""
    drafts = list(drafts)
    facts = prompt.facts
    support = support_build(facts, voice_texts=voice_texts(options), keywords=options.seo_keywords)
    raw = [clean_output(draft.text, truncated=draft.finish_reason == "length") for draft in drafts]
    planned = plan_assemble(candidates=raw, facts=facts, options=options, support=support)
    kept = ScoredDraft(
        text=planned.text,
        report=text_check(planned.text, facts=facts, options=options),
        spans=text_spans(planned.text, facts=facts, options=options, support=support),
        rejected=planned.rejected,
    )
    others = [
        ScoredDraft(
            text=text,
            report=text_check(text, facts=facts, options=options),
            spans=text_spans(text, facts=facts, options=options, support=support),
        )
        for text in raw
        if text.strip()
    ]
    return [kept, *others]


def span_flags(spans: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One flag per invented span and one for all puffery, for the flag lists pages and exports show."""
    flags = [
        {
            "code": "invented" if span["kind"] == "invented" else "unsupported_number",
            "term": span["text"],
            "message": span["reason"],
            **{
                f"message_{part}": span[f"reason_{part}"]
                for part in ("code", "params")
                if f"reason_{part}" in span
            },
        }
        for span in spans
        if span["kind"] != "puffery"
    ]
    flags += [
        flag("superlative", span["text"], Reason("superlative", term=span["text"]))
        for span in spans
        if span["kind"] == "puffery" and span["text"].lower() in SUPERLATIVES
    ]
    puffery = [
        span["text"]
        for span in spans
        if span["kind"] == "puffery" and span["text"].lower() not in SUPERLATIVES
    ]
    if puffery:
        flags.append(flag("puffery", ", ".join(puffery), Reason("puffery", terms=", ".join(puffery))))
    return flags


def drafts_score(*, prompt: Prompt, options: GenerationOptions, drafts: Iterable[Draft]) -> list[ScoredDraft]:
    """Each draft cleaned and checked against the facts the prompt used; best first."""
    scored = []
    for draft in drafts:
        text = clean_output(draft.text, truncated=draft.finish_reason == "length")
        scored.append(ScoredDraft(text=text, report=text_check(text, facts=prompt.facts, options=options)))
    return [scored[index] for index in grounding.rank([draft.report for draft in scored])]


def text_check(text: str, *, facts: ProductFacts, options: GenerationOptions) -> grounding.GroundingReport:
    """The grounding report of one text (a draft, or a reviewer's edit) against a product's facts."""
    return grounding.check(
        text,
        facts,
        language=options.language or "en",
        target_length=options.target_length,
        keywords=list(options.seo_keywords),
        banned_words=options.banned_words,
    )


def prompt_flags(prompt: Prompt) -> list[dict[str, str]]:
    """Flags for facts the prompt left out because they read like instructions to the model."""
    return [
        flag("instruction_in_facts", name, Reason("instruction_in_value", term=name))
        for name in prompt.dropped
    ]


SPAN_CODES = frozenset(
    {
        "unsupported_number",
        "unsupported_material",
        "unsupported_colour",
        "unsupported_certification",
        "superlative",
    }
)


def version_flags(prompt: Prompt | None, draft: ScoredDraft) -> list[dict[str, str]]:
    """The flags a kept text shows: dropped facts, its spans, then length, keyword and voice checks
    (the closed-list claim flags are left out: the span check covers them, with offsets)."""
    checks = [flag for flag in draft.report.flags if flag["code"] not in SPAN_CODES]
    return (prompt_flags(prompt) if prompt else []) + span_flags(draft.spans) + checks
