"""Scoring generated drafts: each cleaned and checked against the facts its prompt used, best first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import grounding
from .facts import ProductFacts
from .options import GenerationOptions
from .prompting import Prompt, clean_output


@dataclass(frozen=True)
class Draft:
    """One candidate as the model wrote it; ``finish_reason`` is "length" when it was cut off."""

    text: str
    finish_reason: str


@dataclass(frozen=True)
class ScoredDraft:
    text: str
    report: grounding.GroundingReport

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, **self.report.to_dict()}


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
        {
            "code": "instruction_in_facts",
            "term": name,
            "message": f"The value of “{name}” reads like an instruction to the model and was left out.",
        }
        for name in prompt.dropped
    ]
