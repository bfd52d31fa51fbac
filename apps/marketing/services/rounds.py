"""Rounds of generation: a request's candidates asked for in one batched call, checked, the best kept.

Each round asks the model for every prompt's missing variants at once (more candidates than are
missing, by the share kept so far, each beginning with one of the prompt's openings in turn). A
candidate that breaks a blocking rule or states an invented fact after repair is not kept; the next
round asks again with other seeds, at most ``MAX_ROUNDS`` rounds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from apps import inference

from ..copy.pipeline import CopyContext, VariantOutcome, finish
from ..copy.prompting import clean_output, max_new_tokens, shared_prefix, stop_strings

MAX_ROUNDS = 3
# Copy with a blocking problem or an invented fact is not kept, so each round asks for more candidates
# than are missing: about what the share kept so far says will fill the request.
FIRST_KEEP_RATE = 0.6
MIN_KEEP_RATE = 0.25
MAX_CANDIDATES = 20  # twice the variants a request may ask for
TEMPERATURE = 0.9
TOP_P = 0.95


@dataclass
class RoundStats:
    generated: int = 0
    first_try_ok: int = 0
    kept: int = 0
    repaired: int = 0
    rounds: int = 0
    facts_ok: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class PromptJob:
    """One prompt and what its variants are checked against; ``kept`` fills up round by round."""

    prompt: str
    context: CopyContext
    want: int
    leads: tuple[str, ...] = ("",)  # how candidates begin, in turn (prompting.copy_leads)
    kept: list[tuple[str, VariantOutcome]] = field(default_factory=list)
    seen: list[VariantOutcome] = field(default_factory=list)  # every candidate, kept or not
    asked: int = 0  # candidates asked for so far: the next one begins with leads[asked % len(leads)]

    def requests(self, count: int, *, channel: str, language: str, seed: int) -> list[GenerationPlan]:
        """``count`` more candidates as one generation request per opening."""
        leads = self.leads or ("",)
        per_lead = [0] * len(leads)
        for number in range(self.asked, self.asked + count):
            per_lead[number % len(leads)] += 1
        self.asked += count
        return [
            GenerationPlan(
                self,
                lead,
                inference.GenerationRequest(
                    prompt=f"{self.prompt} {lead}" if lead else self.prompt,
                    max_new_tokens=max_new_tokens(channel, language),
                    temperature=TEMPERATURE,
                    top_p=TOP_P,
                    stop=stop_strings(language),
                    n=n,
                    seed=seed + 100 * index,
                    shared_prefix=shared_prefix(self.prompt),
                ),
            )
            for index, (lead, n) in enumerate(zip(leads, per_lead, strict=True))
            if n
        ]


@dataclass(frozen=True)
class GenerationPlan:
    job: PromptJob
    lead: str
    request: inference.GenerationRequest


def run_rounds(
    jobs: Sequence[PromptJob], *, channel: str, language: str, store: Any, seed: int
) -> tuple[RoundStats, str]:
    """Generate until every prompt has its variants (or the rounds run out); one batched call a round."""
    stats, model = RoundStats(), ""
    for round_number in range(MAX_ROUNDS):
        open_jobs = [job for job in jobs if len(job.kept) < job.want]
        if not open_jobs:
            break
        stats.rounds += 1
        plans = [
            plan
            for job in open_jobs
            for plan in job.requests(
                candidates_wanted(job), channel=channel, language=language, seed=seed + 1000 * round_number
            )
        ]
        generations = inference.generate(
            [plan.request for plan in plans], model=settings.MARKETING_COPY_MODEL or None, store=store
        )
        model = generations[0].model if generations else model
        passed: dict[int, list[tuple[str, VariantOutcome]]] = {id(job): [] for job in open_jobs}
        for plan, generation in zip(plans, generations, strict=True):
            job = plan.job
            for choice in generation.choices:
                raw = clean_output(plan.lead + choice.text, channel=channel)
                outcome = finish(raw, job.context)
                job.seen.append(outcome)
                stats.generated += 1
                stats.first_try_ok += not outcome.first.blocking
                if outcome.kept:
                    passed[id(job)].append((raw, outcome))
        for job in open_jobs:
            # Copy as the model wrote it before copy that needed a cut or a dropped phrase.
            for raw, outcome in sorted(passed[id(job)], key=lambda pair: bool(pair[1].repair)):
                if len(job.kept) >= job.want:
                    break
                if any(same_copy(outcome.final.text, other.final.text) for _raw, other in job.kept):
                    continue  # the same text twice is one variant
                job.kept.append((raw, outcome))
                stats.kept += 1
                stats.repaired += bool(outcome.repair)
                stats.facts_ok += outcome.final.facts_ok
    return stats, model


def same_copy(first: str, second: str) -> bool:
    """The same words in the same order: case, spaces and punctuation aside."""
    return re.sub(r"[\W_]+", "", first.casefold()) == re.sub(r"[\W_]+", "", second.casefold())


def candidates_wanted(job: PromptJob) -> int:
    """Candidates to ask for in the next round: what is missing, over the share of candidates this
    prompt has had kept so far (``FIRST_KEEP_RATE`` before any), within ``MAX_CANDIDATES``."""
    missing = job.want - len(job.kept)
    rate = sum(outcome.kept for outcome in job.seen) / len(job.seen) if job.seen else FIRST_KEEP_RATE
    return min(MAX_CANDIDATES, max(missing + 1, math.ceil(missing / max(rate, MIN_KEEP_RATE))))


def ranked(kept: list[tuple[str, VariantOutcome]]) -> list[tuple[str, VariantOutcome]]:
    return sorted(kept, key=lambda pair: (not pair[1].final.facts_ok, len(pair[1].final.violations)))
