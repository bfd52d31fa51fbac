"""Retrain the default sentiment classifier and keep the new one only if it scores higher.

``manage.py models install`` builds a fast baseline (sentiment.INSTALL_RECIPE: a few minutes on
2 cores). ``sentiment_retrain`` trains a bigger recipe (more texts, more trainable layers) into
a candidate folder beside the installed model, loads and runs it with the workers' loading
code, and replaces the installed model only when its mean validation accuracy (the same
validation texts for every candidate) is higher; otherwise the candidate is deleted. Workers
that already loaded the old weights keep serving them until they restart.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apps.inference import installers
from apps.inference.registry import get_spec

from .. import sentiment
from ..engine import sentiment as recipe_module
from ..engine.config import TrainConfig

# The bigger run, as measured in benchmarks/results/sentiment.md: almost twice the install's texts
# and three times its epochs (training is cheap next to encoding the texts once).
FULL_RECIPE = recipe_module.SentimentRecipe(
    zh_train=8000, en_train=5000, train=TrainConfig(trainable_layers=1, epochs=6, max_length=96)
)


@dataclass(frozen=True)
class RetrainOutcome:
    replaced: bool
    candidate_score: float
    installed_score: float | None
    manifest: dict[str, Any]


def installed_score() -> float | None:
    manifest = installers.read_manifest(get_spec(sentiment.SENTIMENT_KEY).local_path)
    if not manifest or not manifest.get("validation"):
        return None
    return recipe_module.validation_score(manifest["validation"])


def sentiment_retrain(
    *,
    recipe: recipe_module.SentimentRecipe = FULL_RECIPE,
    replace_always: bool = False,
    progress: Callable[[str], None] = lambda step: None,
) -> RetrainOutcome:
    """Train a candidate; install it if it beats the installed model (or ``replace_always``)."""
    spec = get_spec(sentiment.SENTIMENT_KEY)
    target = spec.local_path
    candidate = target.with_name(f".{target.name}.candidate")
    shutil.rmtree(candidate, ignore_errors=True)
    candidate.mkdir(parents=True)
    try:
        extra = sentiment.train_into(spec, candidate, recipe, progress=progress)
        for path in candidate.rglob("*"):
            if path.is_file():
                path.chmod(0o644)
        progress("load and run the candidate once")
        installers.check_loads_and_runs(spec, candidate)
        before = installed_score()
        score = recipe_module.validation_score(extra["validation"])
        extra = {**extra, "replaced_score": before}
        if not (replace_always or before is None or score > before):
            shutil.rmtree(candidate)
            return RetrainOutcome(
                replaced=False, candidate_score=score, installed_score=before, manifest=extra
            )
        installers.write_manifest(candidate, spec, extra)
        previous = target.with_name(f".{target.name}.previous")
        shutil.rmtree(previous, ignore_errors=True)
        if target.exists():
            target.rename(previous)
        candidate.rename(target)
        shutil.rmtree(previous, ignore_errors=True)
    except BaseException:
        shutil.rmtree(candidate, ignore_errors=True)
        raise
    return RetrainOutcome(replaced=True, candidate_score=score, installed_score=before, manifest=extra)
