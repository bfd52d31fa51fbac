"""Retraining keeps a candidate only when it beats the installed classifier, on a tiny random BERT."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from apps.inference import installers
from apps.inference.backends.local import LocalBackend
from apps.inference.registry import get_spec
from apps.training import sentiment as sentiment_app
from apps.training import services
from apps.training.engine import corpora
from apps.training.engine import sentiment as recipe_module
from apps.training.engine.classifier import TrainConfig
from tests.inference.tiny_models import build_encoder

from .test_sentiment_training import BAD, GOOD, PLAIN, toy_examples


@pytest.fixture
def toy_training(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    settings.MODELS_CACHE = str(tmp_path / "cache")
    encoder = build_encoder(tmp_path / "encoder", classifier=False)
    monkeypatch.setattr(
        sentiment_app,
        "MULTILINGUAL_E5_SMALL",
        replace(sentiment_app.MULTILINGUAL_E5_SMALL, path=str(encoder)),
    )
    texts, labels = toy_examples()
    examples = [corpora.Example(t, lab, "en", "toy") for t, lab in zip(texts, labels, strict=True)]  # type: ignore[arg-type]
    data = recipe_module.SentimentData(
        train=examples, valid=examples[:6], data_sha256=sentiment_app.DATA_SHA256, sources={}
    )
    monkeypatch.setattr(recipe_module, "load_data", lambda recipe: data)
    monkeypatch.setattr(recipe_module, "data_sha256", lambda: sentiment_app.DATA_SHA256)
    return Path(settings.MODELS_CACHE) / sentiment_app.SENTIMENT_KEY


def recipe(epochs: int) -> recipe_module.SentimentRecipe:
    config = TrainConfig(
        epochs=epochs, batch_size=8, max_length=16, learning_rate=3e-3, head_learning_rate=3e-3
    )
    return recipe_module.SentimentRecipe(train=config)


def test_a_candidate_is_installed_when_none_is_and_kept_out_when_it_does_not_score_higher(
    toy_training: Path,
) -> None:
    first = services.sentiment_retrain(recipe=recipe(30))
    assert first.replaced and first.installed_score is None and first.candidate_score == 1.0
    manifest = installers.read_manifest(toy_training)
    assert manifest is not None and manifest["data_sha256"] == sentiment_app.DATA_SHA256
    assert installers.is_current(get_spec(sentiment_app.SENTIMENT_KEY))  # `models install` keeps it
    weights = (toy_training / "model.safetensors").read_bytes()

    second = services.sentiment_retrain(recipe=recipe(1))
    assert not second.replaced and second.installed_score == 1.0
    assert (toy_training / "model.safetensors").read_bytes() == weights
    assert not toy_training.with_name(f".{toy_training.name}.candidate").exists()

    results = LocalBackend().classify(GOOD + BAD + PLAIN, get_spec(sentiment_app.SENTIMENT_KEY))
    assert [r.label for r in results] == ["positive"] * 2 + ["negative"] * 2 + ["neutral"] * 2


def test_replace_always_installs_even_a_weaker_candidate(toy_training: Path) -> None:
    services.sentiment_retrain(recipe=recipe(30))
    outcome = services.sentiment_retrain(recipe=recipe(1), replace_always=True)
    assert outcome.replaced
    manifest = installers.read_manifest(toy_training)
    assert manifest is not None and manifest["replaced_score"] == 1.0


def test_install_through_models_command_with_the_registered_installer(
    toy_training: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from io import StringIO

    from django.core.management import call_command

    monkeypatch.setattr(sentiment_app, "INSTALL_RECIPE", recipe(30))
    out = StringIO()
    call_command("models", "install", sentiment_app.SENTIMENT_KEY, stdout=out, stderr=out)
    assert "installed into" in out.getvalue()
    manifest = installers.read_manifest(toy_training)
    assert manifest is not None and manifest["validation"]["en"]["accuracy"] == 1.0
    again = StringIO()
    call_command("models", "install", sentiment_app.SENTIMENT_KEY, stdout=again, stderr=again)
    assert "already installed" in again.getvalue()


def test_train_sentiment_command_installs_the_first_candidate(toy_training: Path) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("train_sentiment", "--epochs", "2", "--max-length", "16", stdout=out)
    assert "candidate validation accuracy" in out.getvalue()
    assert "installed none: installed" in out.getvalue()
    assert installers.read_manifest(toy_training) is not None
