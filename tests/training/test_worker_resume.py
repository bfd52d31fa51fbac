"""A training run on real worker processes: killed with SIGKILL mid-run, it resumes from its last
checkpoint on the next worker; cancelled mid-run, it stops and registers nothing."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest

from apps.accounts.actor import Actor
from apps.jobs.models import Job
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
def sentiment_run(store: Any, tiny_cache: Path, monkeypatch: pytest.MonkeyPatch) -> TrainingRun:
    monkeypatch.setenv("MODELS_CACHE", str(tiny_cache))  # the workers' models: the tiny ones
    add_reviews(store, copies=2)
    dataset = dataset_build(
        store=store, actor=Actor.system(), options=DatasetOptions(kind="sentiment", label_source="stars")
    )
    return run_start(store=store, actor=Actor.system(), dataset=dataset, config=LONG)


def test_a_worker_killed_mid_run_is_resumed_from_the_last_checkpoint(
    sentiment_run: TrainingRun,
    tiny_cache: Path,
    start_worker: Any,  # noqa: F811
) -> None:
    run = sentiment_run
    first = start_worker("w1", beat=True)
    wait_for(lambda: state(run).progress.get("step", 0) >= 60, 240, "the run to pass step 60")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = state(run).progress["step"]
    assert killed_at < LONG.max_steps
    checkpoints = tiny_cache / "training" / f"store-{run.store_id}" / f"run-{run.pk}" / "checkpoints"
    assert sorted(path.name for path in checkpoints.iterdir())  # saved before the kill

    start_worker("w2")
    job = Job.objects.get(pk=run.job_id)
    wait_for(lambda: Job.objects.get(pk=job.pk).status in ("succeeded", "failed"), 300, "the resumed run")
    assert state(run).status == "succeeded", run.error
    assert run.progress["resumed"] == 1
    resumed_step = int(run.progress["resumed_from"].removeprefix("checkpoint-"))
    assert 25 <= resumed_step <= killed_at and resumed_step % 25 == 0
    steps = [point["step"] for point in run.history if "loss" in point]
    assert steps != sorted(steps)  # the steps after the last checkpoint were trained again
    assert ModelVersion.objects.filter(run=run).count() == 1
    job.refresh_from_db()
    assert (job.status, job.done_count, job.failed_count) == ("succeeded", 1, 0)


def test_a_run_cancelled_mid_run_stops_at_its_next_step(
    sentiment_run: TrainingRun,
    start_worker: Any,  # noqa: F811
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
