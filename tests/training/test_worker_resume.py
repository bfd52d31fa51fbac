"""A training run on real worker processes: killed with SIGKILL mid-run, it resumes from its last
checkpoint on the next worker; cancelled mid-run, it stops and registers nothing."""

from __future__ import annotations

import os
import signal
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from apps.accounts.actor import Actor
from apps.jobs.models import Job
from apps.training.engine.checkpoints import checkpoint_complete
from apps.training.engine.config import RunConfig
from apps.training.models import ModelVersion, TrainingRun
from apps.training.services.datasets import DatasetOptions, dataset_build
from apps.training.services.runs import run_cancel, run_start
from tests.jobs.conftest import start_worker  # noqa: F401  (the fixture)
from tests.processes import wait_for

from .conftest import add_reviews

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Many short steps, a checkpoint every 25: the kill lands between two checkpoints.
LONG = RunConfig(
    max_steps=400, batch_size=4, eval_steps=25, logging_steps=5, learning_rate=1e-3, max_length=32
)


def state(run: TrainingRun) -> TrainingRun:
    run.refresh_from_db()
    return run


@pytest.fixture
def sentiment_run(
    store: Any, tiny_cache: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> TrainingRun:
    monkeypatch.setenv("MODELS_CACHE", str(tiny_cache))  # the workers' models: the tiny ones
    add_reviews(store, copies=2)
    dataset = dataset_build(
        store=store, actor=Actor.system(), options=DatasetOptions(kind="sentiment", label_source="stars")
    )
    # The top layers on cached states, or a LoRA adapter and the head.
    method = getattr(request, "param", "full")
    config = replace(LONG, method=method)
    return run_start(store=store, actor=Actor.system(), dataset=dataset, config=config)


@pytest.mark.parametrize("sentiment_run", ["top", "lora"], indirect=True)
def test_a_worker_killed_mid_run_is_resumed_from_the_last_checkpoint(
    start_worker: Any,  # noqa: F811  (first: it empties the queues, so before the run is queued)
    sentiment_run: TrainingRun,
    tiny_cache: Path,
) -> None:
    run = sentiment_run
    first = start_worker("w1", beat=True)
    wait_for(lambda: state(run).progress.get("step", 0) >= 60, 240, "the run to pass step 60")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = state(run).progress["step"]  # as last stored: the worker stores it every few seconds
    assert killed_at < LONG.max_steps
    checkpoints = tiny_cache / "training" / f"store-{run.store_id}" / f"run-{run.pk}" / "checkpoints"
    # Saved before the kill; the state file is written last, so a folder without it was cut off mid-save.
    complete = [
        int(p.name.removeprefix("checkpoint-")) for p in checkpoints.iterdir() if checkpoint_complete(p)
    ]
    assert complete
    logged = [point["step"] for point in state(run).history if "loss" in point]

    start_worker("w2")
    job = Job.objects.get(pk=run.job_id)
    wait_for(lambda: Job.objects.get(pk=job.pk).status in ("succeeded", "failed"), 300, "the resumed run")
    assert state(run).status == "succeeded", run.error
    assert run.progress["resumed"] == 1
    assert run.progress["resumed_from"] == f"checkpoint-{max(complete)}"  # the last one written whole
    steps = [point["step"] for point in run.history if "loss" in point]
    if any(step > max(complete) for step in logged):
        # Steps after that checkpoint were stored before the kill: they were trained (and logged) again.
        # The first of them comes before the next validation, which the resumed run always reaches.
        # (Not "out of order": one point past the checkpoint, logged twice, still reads as sorted.)
        first_again = min(step for step in logged if step > max(complete))
        assert steps.count(first_again) == 2, (logged, complete, steps)
    assert ModelVersion.objects.filter(run=run).count() == 1
    job.refresh_from_db()
    assert (job.status, job.done_count, job.failed_count) == ("succeeded", 1, 0)


def test_a_run_cancelled_mid_run_stops_at_its_next_step(
    start_worker: Any,  # noqa: F811  (first: it empties the queues, so before the run is queued)
    sentiment_run: TrainingRun,
) -> None:
    run = sentiment_run
    start_worker("w1")
    wait_for(lambda: state(run).progress.get("step", 0) >= 10, 240, "the run to start")
    run_cancel(run=run, actor=Actor.system())
    job = Job.objects.get(pk=run.job_id)
    wait_for(lambda: job.items.filter(status="running").count() == 0, 60, "the worker to stop")
    assert state(run).status == "cancelled"
    assert state(run).progress["step"] < LONG.max_steps
    assert not ModelVersion.objects.filter(run=run).exists()
