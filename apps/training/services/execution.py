"""Running a training run inside a worker: train (resuming), evaluate, register the version.

Runs outside any transaction. Progress is written to the run as it goes (throttled), and each
step extends the job item's lease and the job's heartbeat: a worker killed mid-run stops doing
both, the item's lease runs out, job recovery queues it again, and the next worker resumes from
the run's last checkpoint.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from apps.inference.registry import ModelSpec, get_spec
from apps.jobs.models import Job, JobItem
from apps.jobs.registry import ItemError

from ..engine import finetune
from ..models import Kind, TrainingRun
from . import evaluation, versions
from .datasets import dataset_examples

logger = logging.getLogger(__name__)
WRITE_EVERY_SECONDS = 1.0


def run_folder(run: TrainingRun) -> Path:
    return Path(settings.MODELS_CACHE) / "training" / f"store-{run.store_id}" / f"run-{run.pk}"


class RunReporter:
    """Stores a run's progress and loss history; tells the trainer when the run was cancelled."""

    def __init__(self, run: TrainingRun, item: JobItem | None, lease: timedelta) -> None:
        self.run, self.item, self.lease = run, item, lease
        self.started = time.monotonic()
        self.first_step: int | None = None
        self.last_write = 0.0
        self.pending: list[dict[str, float]] = []
        self.cancelled = False

    def step(self, *, step: int, max_steps: int, epoch: float) -> None:
        now = time.monotonic()
        if self.first_step is None:  # the rate is measured from the first step this worker finished
            self.first_step, self.started = step, now
        if now - self.last_write < WRITE_EVERY_SECONDS and step < max_steps:
            return
        self.last_write = now
        done = step - (self.first_step or 0)
        rate = done / (now - self.started) if done > 0 and now > self.started else 0.0
        progress = {
            **self.run.progress,
            "step": step,
            "max_steps": max_steps,
            "epoch": round(epoch, 3),
            "eta_seconds": round((max_steps - step) / rate, 1) if rate > 0 else None,
            "steps_per_second": round(rate, 3) if rate else None,
        }
        if self.pending:
            progress["learning_rate"] = self.pending[-1].get("learning_rate", progress.get("learning_rate"))
        self.run.progress = progress
        self._flush()

    def log(self, point: dict[str, float]) -> None:
        self.pending.append(point)
        if "eval_loss" in point:
            self._flush()

    def _flush(self) -> None:
        moment = timezone.now()
        self.run.history = [*self.run.history, *self.pending]
        self.pending = []
        TrainingRun.objects.filter(pk=self.run.pk).update(
            progress=self.run.progress, history=self.run.history
        )
        if self.item is not None:
            JobItem.objects.filter(pk=self.item.pk, status=JobItem.Status.RUNNING).update(
                lease_expires_at=moment + self.lease
            )
            Job.objects.filter(pk=self.item.job_id).update(heartbeat_at=moment)
            self.cancelled = Job.objects.filter(pk=self.item.job_id, status=Job.Status.CANCELLED).exists()
        if not self.cancelled:
            self.cancelled = TrainingRun.objects.filter(pk=self.run.pk, status="cancelled").exists()

    def should_stop(self) -> bool:
        return self.cancelled


def _set(run: TrainingRun, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(run, name, value)
    TrainingRun.objects.filter(pk=run.pk).exclude(status="cancelled").update(**fields)


def _candidate(run: TrainingRun, folder: Path) -> tuple[ModelSpec, Path, bool]:
    base = get_spec(run.base_model)
    key = f"store{run.store_id}-run{run.pk}-candidate"
    if run.kind == Kind.SENTIMENT:
        return replace(base, key=key, path=str(folder / "model"), checksum=""), folder / "model", False
    adapters = [
        *map(str, versions.adapter_chain(run.base_version) if run.base_version else []),
        str(folder / "adapter"),
    ]
    # "base": the candidate's adapters go onto the process's one loaded base model.
    candidate = replace(base, key=key, checksum="", extra={"adapters": adapters, "base": base.key})
    return candidate, folder / "adapter", True


class LeaseKeeper(threading.Thread):
    """Extends the job item's lease and the job's heartbeat while the run trains and evaluates
    (evaluation can outlast a lease): only a killed worker lets them lapse."""

    def __init__(self, item: JobItem, lease: timedelta) -> None:
        super().__init__(daemon=True, name=f"lease-keeper-{item.pk}")
        self.item, self.lease = item, lease
        self.stopped = threading.Event()

    def run(self) -> None:
        interval = max(0.5, self.lease.total_seconds() / 3)
        try:
            while not self.stopped.wait(interval):
                moment = timezone.now()
                JobItem.objects.filter(pk=self.item.pk, status=JobItem.Status.RUNNING).update(
                    lease_expires_at=moment + self.lease
                )
                Job.objects.filter(pk=self.item.job_id).update(heartbeat_at=moment)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=30)


def run_execute(
    *, run_id: int, item: JobItem | None = None, lease: timedelta | None = None
) -> dict[str, Any]:
    lease = lease or timedelta(seconds=settings.JOBS_LEASE_SECONDS)
    keeper = LeaseKeeper(item, lease) if item is not None else None
    if keeper is not None:
        keeper.start()
    try:
        return _execute(run_id=run_id, item=item, lease=lease)
    finally:
        if keeper is not None:
            keeper.stop()


def _execute(*, run_id: int, item: JobItem | None, lease: timedelta) -> dict[str, Any]:
    run = TrainingRun.objects.select_related("store", "dataset", "base_version").get(pk=run_id)
    if run.status in ("succeeded", "failed", "cancelled"):
        return {"status": run.status}
    if hasattr(run, "version"):
        _set(run, status=TrainingRun.Status.SUCCEEDED, finished_at=timezone.now())
        return {"status": run.status, "version": run.version.key}
    folder = run_folder(run)
    resumed = (folder / "checkpoints").is_dir()
    TrainingRun.objects.filter(pk=run.pk).update(
        status=TrainingRun.Status.RUNNING,
        progress={**run.progress, "resumed": int(run.progress.get("resumed", 0)) + resumed},
    )
    run.refresh_from_db()
    reporter = RunReporter(run, item, lease)
    config = finetune.RunConfig.from_dict(run.hyperparameters)
    train = dataset_examples(dataset=run.dataset, split="train")
    valid = dataset_examples(dataset=run.dataset, split="valid")
    base = get_spec(run.base_model)
    try:
        if run.kind == Kind.SENTIMENT:
            outcome = finetune.train_classifier(
                base.local_path, evaluation.LABELS, train, valid, folder, config, reporter
            )
        else:
            below = versions.adapter_chain(run.base_version) if run.base_version else []
            outcome = finetune.train_lora(
                base.local_path, train, valid, folder, config, reporter, merged=below
            )
    except Exception as error:
        logger.exception("training run %s failed", run.pk)
        _set(
            run,
            status=TrainingRun.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:4000],
            finished_at=timezone.now(),
        )
        raise ItemError(f"Training failed: {error}") from error
    TrainingRun.objects.filter(pk=run.pk).update(train_seconds=F("train_seconds") + outcome.seconds)
    if outcome.cancelled:
        _set(run, status=TrainingRun.Status.CANCELLED, finished_at=timezone.now())
        return {"status": "cancelled", "steps": outcome.steps}
    progress = {
        **run.progress,
        "step": outcome.steps,
        "max_steps": outcome.max_steps,
        "stopped_early": outcome.stopped_early,
        "resumed_from": outcome.resumed_from,
        "best_eval_loss": outcome.best_eval_loss,
        "examples_per_second": outcome.examples_per_second,
        "eta_seconds": 0,
        # Where it ran: device, precision (bf16/fp16/fp32), examples per pass and passes per step.
        **outcome.extra,
    }
    _set(run, status=TrainingRun.Status.EVALUATING, progress=progress)
    spec, output, adapter = _candidate(run, folder)
    try:
        if run.kind == Kind.SENTIMENT:
            metrics, proposed = evaluation.evaluate_classifier(run, spec)
        else:
            metrics, proposed = evaluation.evaluate_generator(run, spec, output)
        metrics["training"] = {
            key: progress[key] for key in ("step", "max_steps", "stopped_early", "best_eval_loss")
        }
        version = versions.version_register(
            run=run, source=output, adapter=adapter, metrics=metrics, proposed=proposed
        )
    except Exception as error:
        logger.exception("evaluating training run %s failed", run.pk)
        _set(
            run,
            status=TrainingRun.Status.FAILED,
            error=f"Evaluation failed: {type(error).__name__}: {error}"[:4000],
            finished_at=timezone.now(),
        )
        raise ItemError(f"Evaluation failed: {error}") from error
    finetune.remove_checkpoints(folder)
    _set(run, status=TrainingRun.Status.SUCCEEDED, evaluation=metrics, finished_at=timezone.now())
    return {"status": "succeeded", "version": version.key, "proposed": proposed}
