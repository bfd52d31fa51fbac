"""Held-out evaluation of a new version beside the store's active version and a simple baseline.

Classifiers: accuracy and macro-F1 on the test split; the baseline answers the training split's
most common label. Generators: loss per target token (and perplexity) on the test split, and the
description checks (invented claims, attribute coverage, length within ±30% of the target) on
drafts of held-out products; the baseline lists the facts as a sentence. Continued pretraining:
loss and perplexity on held-out store text. The new version is proposed only if it beats the
active one (macro-F1 for classifiers, held-out loss for generators).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings

from apps.catalog.text import grounding
from apps.catalog.text.facts import ProductFacts
from apps.catalog.text.prompting import stop_strings
from apps.inference.errors import ModelNotFound
from apps.inference.registry import ModelSpec, get_spec
from apps.inference.types import GenerationRequest

from ..engine import causal
from ..engine.config import accuracy, macro_f1
from ..engine.datasets import RawExample
from ..models import Kind, ModelVersion, TrainingRun
from . import versions
from .datasets import dataset_examples

LABELS = ("negative", "neutral", "positive")
LENGTH_TOLERANCE = 0.3


def _classifier_scores(predicted: Sequence[str], expected: Sequence[str]) -> dict[str, float]:
    return {
        "accuracy": round(accuracy(predicted, expected), 4),
        "macro_f1": round(macro_f1(predicted, expected, LABELS), 4),
    }


def _classify(spec: ModelSpec, texts: list[str]) -> list[str] | None:
    from apps.inference.backends.local import LocalBackend
    from apps.inference.errors import InferenceError

    try:
        return [result.label for result in LocalBackend().classify(texts, spec)]
    except InferenceError:  # the active model is not installed here: nothing to compare with
        return None


def _active_spec(run: TrainingRun) -> tuple[str, ModelSpec | None]:
    active = versions.active_version(store=run.store, kind=run.kind)
    if active is not None:
        return active.key, versions.version_spec(active)
    try:
        spec = get_spec(run.base_model)
    except ModelNotFound:
        return run.base_model, None
    return spec.key, spec


def evaluate_classifier(run: TrainingRun, candidate: ModelSpec) -> tuple[dict[str, Any], bool]:
    train = dataset_examples(dataset=run.dataset, split="train")
    test = dataset_examples(dataset=run.dataset, split="test")
    texts, expected = [e.text for e in test], [e.label for e in test]
    majority = Counter(e.label for e in train).most_common(1)[0][0]
    new = _classify(candidate, texts)
    assert new is not None, "the new version could not be loaded"
    active_key, active_spec = _active_spec(run)
    active = _classify(active_spec, texts) if active_spec is not None else None
    metrics: dict[str, Any] = {
        "split": "test",
        "examples": len(test),
        "new": _classifier_scores(new, expected),
        "baseline": {"answer": majority, **_classifier_scores([majority] * len(test), expected)},
        "active": {
            "key": active_key,
            **(_classifier_scores(active, expected) if active else {"available": False}),
        },
    }
    bar = metrics["active"].get("macro_f1", metrics["baseline"]["macro_f1"])
    return metrics, metrics["new"]["macro_f1"] > bar


def _facts(example: RawExample) -> ProductFacts:
    return ProductFacts(**example.meta["facts"])  # type: ignore[arg-type]


def baseline_text(facts: ProductFacts, language: str) -> str:
    """The simplest description: the facts, listed."""
    parts = [facts.title, facts.brand, *(f"{key} {value}" for key, value in facts.attributes.items())]
    joiner = "，" if language == "zh" else ", "
    return joiner.join(part for part in parts if part) + ("。" if language == "zh" else ".")


def description_checks(texts: Sequence[str], examples: Sequence[RawExample]) -> dict[str, float]:
    invented = coverage = within = 0.0
    for text, example in zip(texts, examples, strict=True):
        language, target = str(example.meta["language"]), int(example.meta["target_length"])  # type: ignore[call-overload]
        report = grounding.check(text, _facts(example), language=language, target_length=target)
        invented += report.has_unsupported
        coverage += report.coverage
        within += abs(report.length - target) <= LENGTH_TOLERANCE * target
    count = max(1, len(texts))
    return {
        "drafts": len(texts),
        "invented_share": round(invented / count, 4),
        "coverage": round(coverage / count, 4),
        "length_within_30pct": round(within / count, 4),
    }


def _drafts(spec: ModelSpec, examples: Sequence[RawExample]) -> list[str]:
    from apps.inference.backends.local import LocalBackend

    requests = [
        GenerationRequest(
            prompt=example.text,
            max_new_tokens=min(256, int(int(example.meta["target_length"]) * 2.5)),  # type: ignore[call-overload]
            stop=stop_strings(str(example.meta["language"])),
        )
        for example in examples
    ]
    return [generation.text.strip() for generation in LocalBackend().generate(requests, spec)]


def _chain(version: ModelVersion | None) -> list[Path]:
    return versions.adapter_chain(version) if version is not None else []


def evaluate_generator(
    run: TrainingRun, candidate: ModelSpec, own_adapter: Path
) -> tuple[dict[str, Any], bool]:
    """Loss on the test split and, for descriptions, the checks on drafts of held-out products."""
    test = dataset_examples(dataset=run.dataset, split="test")
    base = get_spec(run.base_model).local_path
    max_length = int(run.hyperparameters.get("max_length", 256))
    below = _chain(run.base_version)
    new_loss = causal.causal_loss(base, [*below, own_adapter], test, max_length)
    active = versions.active_version(store=run.store, kind=run.kind) if run.kind == Kind.DESCRIPTION else None
    # Continued pretraining is judged against what it started from; a generator against the active one.
    compared = active if active is not None else run.base_version if run.kind == Kind.PRETRAIN else None
    active_key = compared.key if compared is not None else run.base_model
    active_loss = causal.causal_loss(base, _chain(compared), test, max_length)
    metrics: dict[str, Any] = {
        "split": "test",
        "examples": len(test),
        "new": {"loss": round(new_loss, 4), "perplexity": round(math.exp(new_loss), 3)},
        "active": {
            "key": active_key,
            "loss": round(active_loss, 4),
            "perplexity": round(math.exp(active_loss), 3),
        },
    }
    if run.kind == Kind.DESCRIPTION:
        held = test[: settings.TRAINING_EVAL_DRAFTS]
        active_spec = versions.version_spec(active) if active is not None else get_spec(run.base_model)
        metrics["new"]["checks"] = description_checks(_drafts(candidate, held), held)
        metrics["active"]["checks"] = description_checks(_drafts(active_spec, held), held)
        baseline = [baseline_text(_facts(e), str(e.meta["language"])) for e in held]
        metrics["baseline"] = {"checks": description_checks(baseline, held)}
    return metrics, new_loss < active_loss
