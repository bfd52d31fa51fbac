"""The model loop on the packaged weights: a few LoRA steps on gemma-3-270m and a few fine-tuning steps
on sentiment-zh-en, each registered and served through the inference layer for its store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from apps import inference
from apps.accounts.actor import Actor
from apps.jobs.services import job_process_chunk
from apps.training.engine.config import RunConfig
from apps.training.models import ModelVersion
from apps.training.services import versions
from apps.training.services.datasets import DatasetOptions, dataset_build
from apps.training.services.runs import run_start

from .conftest import add_descriptions, add_reviews

pytestmark = [pytest.mark.real_model, pytest.mark.django_db]


@pytest.fixture
def real_cache(tmp_path: Path, settings: Any) -> Path:
    """The installed models, seen from a cache of the test's own (runs and versions are written there)."""
    installed = Path(django_settings.MODELS_CACHE)
    cache = tmp_path / "models"
    cache.mkdir()
    for key in ("sentiment-zh-en", "gemma-3-270m"):
        if not (installed / key / "config.json").is_file():
            pytest.skip(f"{key} is not in {installed}; run `python manage.py models install`")
        (cache / key).symlink_to(installed / key)
    settings.MODELS_CACHE = cache
    settings.INFERENCE_IN_PROCESS = True
    settings.TRAINING_EVAL_DRAFTS = 1
    return cache


def test_a_description_lora_on_gemma_is_served_for_its_store(store: Any, real_cache: Path) -> None:
    add_descriptions(store)
    dataset = dataset_build(store=store, actor=Actor.system(), options=DatasetOptions(kind="description"))
    config = RunConfig(
        max_steps=2, batch_size=2, eval_steps=2, logging_steps=1, learning_rate=1e-4, max_length=192
    )
    run = run_start(store=store, actor=Actor.system(), dataset=dataset, config=config)
    assert run.job_id is not None
    job_process_chunk(job_id=run.job_id)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    version = ModelVersion.objects.get(run=run)
    assert version.adapter and version.metrics["new"]["loss"] > 0
    versions.version_activate(store=store, version=version, kind="description", actor=Actor.system())
    request = inference.GenerationRequest(prompt=dataset.examples.first().text, max_new_tokens=4)  # type: ignore[union-attr]
    assert inference.generate([request], store=store)[0].model == version.key
    # Served as a named adapter on the process's one Gemma, not as a copy of it.
    from apps.inference.engine.adapters import BASE
    from apps.inference.engine.loading import get_loaded
    from apps.inference.registry import get_spec

    served = get_loaded(versions.version_spec(version))
    assert served.model is get_loaded(get_spec("gemma-3-270m")).model and served.adapter != BASE


@pytest.mark.parametrize("method", ["top", "lora", "full"])
def test_a_sentiment_fine_tune_of_the_installed_classifier_is_served_for_its_store(
    store: Any, real_cache: Path, method: str
) -> None:
    add_reviews(store, copies=2)
    dataset = dataset_build(
        store=store, actor=Actor.system(), options=DatasetOptions(kind="sentiment", label_source="stars")
    )
    config = RunConfig(
        max_steps=2,
        batch_size=4,
        eval_steps=2,
        logging_steps=1,
        learning_rate=2e-5,
        max_length=64,
        method=method,
    )
    run = run_start(store=store, actor=Actor.system(), dataset=dataset, config=config)
    assert run.job_id is not None
    job_process_chunk(job_id=run.job_id)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    version = ModelVersion.objects.get(run=run)
    assert version.metrics["active"]["key"] == "sentiment-zh-en" and "macro_f1" in version.metrics["active"]
    versions.version_activate(store=store, version=version, kind="sentiment", actor=Actor.system())
    assert inference.classify(["很好"], store=store)[0].model == version.key
