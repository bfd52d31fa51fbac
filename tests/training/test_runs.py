"""Runs end to end on tiny models: train, evaluate beside the active version, register, activate."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from apps import inference
from apps.accounts.actor import Actor
from apps.core.errors import ApplicationError
from apps.inference import GenerationRequest
from apps.jobs.models import Job
from apps.jobs.services import job_process_chunk
from apps.training.engine.config import RunConfig
from apps.training.models import ModelVersion, TrainingRun
from apps.training.services import versions
from apps.training.services.datasets import DatasetOptions, dataset_build
from apps.training.services.runs import run_cancel, run_start

from .conftest import add_descriptions, add_reviews

pytestmark = pytest.mark.django_db

FAST = RunConfig(max_steps=16, batch_size=4, eval_steps=4, logging_steps=2, learning_rate=5e-3, max_length=48)


@pytest.fixture
def in_process(settings: Any) -> None:
    settings.INFERENCE_IN_PROCESS = True  # classify/generate load the models in this process


def finished(run: TrainingRun) -> TrainingRun:
    job_process_chunk(job_id=run.job_id)
    run.refresh_from_db()
    return run


def stars_dataset(store: Any) -> Any:
    """A sentiment dataset of the store's reviews (four copies of the set), labelled by their stars."""
    add_reviews(store, copies=4)
    return dataset_build(
        store=store, actor=Actor.system(), options=DatasetOptions(kind="sentiment", label_source="stars")
    )


def test_a_sentiment_run_registers_an_evaluated_version_that_serves_only_its_store_once_activated(
    store: Any, other_store: Any, tiny_cache: Path, in_process: None
) -> None:
    dataset = stars_dataset(store)
    run = finished(run_start(store=store, actor=Actor.system(), dataset=dataset, config=FAST))
    assert run.status == "succeeded", run.error
    assert Job.objects.get(pk=run.job_id).status == "succeeded"
    assert run.progress["step"] == run.progress["max_steps"] == 16 or run.progress["stopped_early"]
    losses = [point["loss"] for point in run.history if "loss" in point]
    assert len(losses) >= 3 and all("learning_rate" in p for p in run.history if "loss" in p)
    assert any("eval_loss" in point for point in run.history)

    version = ModelVersion.objects.get(run=run)
    metrics = version.metrics
    assert metrics["examples"] == dataset.split_counts["test"]
    assert set(metrics["new"]) == {"accuracy", "macro_f1"}
    assert metrics["baseline"]["answer"] in ("negative", "positive")
    assert metrics["active"]["key"] == "sentiment-zh-en" and "macro_f1" in metrics["active"]
    assert version.proposed == (metrics["new"]["macro_f1"] > metrics["active"]["macro_f1"])
    assert version.files and "model.safetensors" in version.files
    assert version.key == f"store{store.pk}-sentiment-v1"
    assert not (tiny_cache / "training" / f"store-{store.pk}" / f"run-{run.pk}" / "checkpoints").exists()

    texts = ["great price good quality", "delivery was late"]
    assert {result.model for result in inference.classify(texts, store=store)} == {"sentiment-zh-en"}
    versions.version_activate(store=store, version=version, kind="sentiment", actor=Actor.system())
    assert {result.model for result in inference.classify(texts, store=store)} == {version.key}
    assert {result.model for result in inference.classify(texts, store=other_store)} == {"sentiment-zh-en"}
    versions.version_rollback(store=store, kind="sentiment", actor=Actor.system())
    assert {result.model for result in inference.classify(texts, store=store)} == {"sentiment-zh-en"}


def test_sentiment_runs_default_to_the_top_layers_and_the_learning_rate_follows_the_method() -> None:
    from apps.training.services.runs import run_config

    assert (run_config("sentiment", {}).method, run_config("sentiment", {}).learning_rate) == ("top", 1e-4)
    assert run_config("sentiment", {"method": "lora"}).learning_rate == 5e-4
    full = run_config("sentiment", {"method": "full", "epochs": 2})
    assert (full.method, full.learning_rate, full.epochs) == ("full", 3e-5, 2)
    assert run_config("sentiment", {"method": "full", "learning_rate": 1e-4}).learning_rate == 1e-4
    assert run_config("description", {}).learning_rate == 2e-4


def test_a_lora_sentiment_run_registers_the_adapter_merged_into_a_whole_checkpoint(
    store: Any, tiny_cache: Path, in_process: None
) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification

    dataset = stars_dataset(store)
    config = replace(FAST, method="lora", learning_rate=1e-2)
    run = finished(run_start(store=store, actor=Actor.system(), dataset=dataset, config=config))
    assert run.status == "succeeded", run.error
    assert run.hyperparameters["method"] == "lora"
    version = ModelVersion.objects.get(run=run)
    assert not version.adapter and "model.safetensors" in version.files
    assert not any("adapter" in name for name in version.files)
    trained = AutoModelForSequenceClassification.from_pretrained(versions.version_folder(version))
    base = AutoModelForSequenceClassification.from_pretrained(tiny_cache / "sentiment-zh-en")
    assert not any("lora" in name for name, _ in trained.named_parameters())
    # The adapter's update is in the encoder's weights, and the head was trained.
    query = "bert.encoder.layer.0.attention.self.query.weight"
    assert not torch.equal(trained.state_dict()[query], base.state_dict()[query])
    assert not torch.equal(trained.classifier.weight, base.classifier.weight)
    texts = ["great price good quality", "delivery was late"]
    versions.version_activate(store=store, version=version, kind="sentiment", actor=Actor.system())
    assert {result.model for result in inference.classify(texts, store=store)} == {version.key}


def test_a_top_layers_sentiment_run_trains_only_the_top_on_the_frozen_bottoms_cached_output(
    store: Any, tiny_cache: Path, in_process: None
) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification

    dataset = stars_dataset(store)
    config = replace(FAST, method="top", top_layers=1, learning_rate=1e-2)
    run = finished(run_start(store=store, actor=Actor.system(), dataset=dataset, config=config))
    assert run.status == "succeeded", run.error
    assert run.hyperparameters["method"] == "top" and run.hyperparameters["top_layers"] == 1
    assert any("eval_loss" in point for point in run.history)
    version = ModelVersion.objects.get(run=run)
    folder = versions.version_folder(version)
    trained = AutoModelForSequenceClassification.from_pretrained(folder).state_dict()
    base = AutoModelForSequenceClassification.from_pretrained(tiny_cache / "sentiment-zh-en").state_dict()
    assert trained.keys() == base.keys()  # a whole checkpoint, not the top alone
    layers = 1 + max(int(name.split(".")[3]) for name in base if name.startswith("bert.encoder.layer."))
    top = f"bert.encoder.layer.{layers - 1}."
    changed = {name for name in base if not torch.equal(trained[name], base[name])}
    assert changed and all(name.startswith((top, "bert.pooler.", "classifier.")) for name in changed)
    assert any(name.startswith(top) for name in changed) and "classifier.weight" in changed
    texts = ["great price good quality", "delivery was late"]
    versions.version_activate(store=store, version=version, kind="sentiment", actor=Actor.system())
    assert {result.model for result in inference.classify(texts, store=store)} == {version.key}


def test_a_version_whose_files_changed_is_not_activated(
    store: Any, tiny_cache: Path, in_process: None
) -> None:
    add_reviews(store, copies=2)
    dataset = dataset_build(
        store=store, actor=Actor.system(), options=DatasetOptions(kind="sentiment", label_source="stars")
    )
    run = finished(run_start(store=store, actor=Actor.system(), dataset=dataset, config=FAST))
    version = ModelVersion.objects.get(run=run)
    (tiny_cache / version.path / "config.json").write_text("{}")
    with pytest.raises(ApplicationError) as error:
        versions.version_activate(store=store, version=version, kind="sentiment", actor=Actor.system())
    assert error.value.code == "checksum_mismatch"


def test_pretraining_then_a_description_generator_on_top(
    store: Any, tiny_cache: Path, in_process: None
) -> None:
    add_descriptions(store)
    add_reviews(store)
    lora = RunConfig(
        max_steps=8, batch_size=2, eval_steps=4, logging_steps=2, learning_rate=5e-3, max_length=96
    )
    text = dataset_build(store=store, actor=Actor.system(), options=DatasetOptions(kind="pretrain"))
    pretrain = finished(run_start(store=store, actor=Actor.system(), dataset=text, config=lora))
    assert pretrain.status == "succeeded", pretrain.error
    base_version = ModelVersion.objects.get(run=pretrain)
    assert base_version.adapter and "adapter_model.safetensors" in base_version.files
    assert set(base_version.metrics["new"]) == {"loss", "perplexity"}
    with pytest.raises(ApplicationError):
        versions.version_activate(store=store, version=base_version, kind="pretrain", actor=Actor.system())

    described = dataset_build(store=store, actor=Actor.system(), options=DatasetOptions(kind="description"))
    run = finished(
        run_start(
            store=store, actor=Actor.system(), dataset=described, config=lora, base_version=base_version
        )
    )
    assert run.status == "succeeded", run.error
    version = ModelVersion.objects.get(run=run)
    assert version.parent == base_version
    assert [path.name for path in versions.adapter_chain(version)] == [base_version.key, version.key]
    checks = version.metrics["new"]["checks"]
    assert checks["drafts"] == described.split_counts["test"]
    assert set(checks) == {"drafts", "invented_share", "coverage", "length_within_30pct"}
    assert version.metrics["baseline"]["checks"]["coverage"] == 1.0  # the facts, listed, cover the facts
    assert version.proposed == (version.metrics["new"]["loss"] < version.metrics["active"]["loss"])

    request = [GenerationRequest(prompt="Product: red leather bag", max_new_tokens=4)]
    assert inference.generate(request, store=store)[0].model == "gemma-3-270m"
    versions.version_activate(store=store, version=version, kind="description", actor=Actor.system())
    assert inference.generate(request, store=store)[0].model == version.key


def test_a_cancelled_run_stops_and_registers_nothing(store: Any, tiny_cache: Path) -> None:
    add_reviews(store, copies=2)
    dataset = dataset_build(
        store=store, actor=Actor.system(), options=DatasetOptions(kind="sentiment", label_source="stars")
    )
    run = run_start(store=store, actor=Actor.system(), dataset=dataset, config=FAST)
    with pytest.raises(ApplicationError):
        run_start(store=store, actor=Actor.system(), dataset=dataset, config=FAST)  # one run at a time
    run_cancel(run=run, actor=Actor.system())
    run = finished(run)
    assert run.status == "cancelled" and not ModelVersion.objects.filter(run=run).exists()
    assert Job.objects.get(pk=run.job_id).status == "cancelled"


def test_the_final_weights_are_kept_unless_the_best_checkpoint_is_clearly_better() -> None:
    from apps.training.engine.finetune import _keep_best

    flat = [{"eval_loss": 0.462}, {"loss": 0.3, "step": 20}, {"eval_loss": 0.512}, {"eval_loss": 0.467}]
    assert not _keep_best(flat, 0.462, 0.05)  # 1% above the best: noise on a small split
    overfit = [{"eval_loss": 0.462}, {"eval_loss": 0.55}, {"eval_loss": 0.61}]
    assert _keep_best(overfit, 0.462, 0.05)
    assert not _keep_best(overfit, 0.462, 0.5)
    assert not _keep_best([{"loss": 0.4}], None, 0.05)  # never evaluated: nothing to choose


@pytest.mark.parametrize("method", ["top", "lora"])
def test_a_run_past_the_tolerance_serves_its_best_checkpoint(
    store: Any, tiny_cache: Path, in_process: None, method: str
) -> None:
    dataset = stars_dataset(store)
    # A negative tolerance: any final loss counts as worse, so the best checkpoint is always loaded.
    config = replace(FAST, method=method, top_layers=1, keep_final_within=-1.0)
    run = finished(run_start(store=store, actor=Actor.system(), dataset=dataset, config=config))
    assert run.status == "succeeded", run.error
    evaluations = [point for point in run.history if "eval_loss" in point]
    best = min(evaluations, key=lambda point: point["eval_loss"])
    assert run.progress["kept"] == f"checkpoint-{best['step']}"
    assert ModelVersion.objects.filter(run=run).exists()
