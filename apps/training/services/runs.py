"""Training runs: started as a Job on the ``training`` queue, within the store's daily quota; cancelled."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import audit_record
from apps.core.errors import ApplicationError, ConflictError
from apps.inference.registry import Task, default_model_key, get_spec
from apps.jobs import services as job_services
from apps.jobs.models import Job

from ..engine.config import RunConfig
from ..models import Kind, ModelVersion, TrainingDataset, TrainingRun

RUN_JOB_KIND = "training.run"
# What each kind trains from unless told otherwise: the default classifier, the default generator.
BASE_TASK: dict[str, Task] = {
    Kind.SENTIMENT: "classify",
    Kind.DESCRIPTION: "generate",
    Kind.PRETRAIN: "generate",
}
# Sentiment runs train the encoder's top layers and head on the frozen bottom's cached output unless
# told otherwise: on a store's 180 labelled reviews it trained about three times as many examples per
# second as a plain transformers.Trainer full fine-tune, with held-row accuracy not distinguishable
# from it (benchmarks/results/training_top_vs_trainer.md).
SENTIMENT_LEARNING_RATES = {"full": 3e-5, "lora": 5e-4, "top": 1e-4}
DEFAULT_CONFIGS: dict[str, RunConfig] = {
    Kind.SENTIMENT: RunConfig(epochs=3, batch_size=16, learning_rate=1e-4, max_length=128, method="top"),
    Kind.DESCRIPTION: RunConfig(epochs=3, batch_size=4, learning_rate=2e-4, max_length=512),
    Kind.PRETRAIN: RunConfig(epochs=1, batch_size=4, learning_rate=2e-4, max_length=256),
}


def run_config(kind: str, given: dict[str, Any]) -> RunConfig:
    """The kind's default settings with ``given`` over them; a sentiment run's learning rate, when not
    given, is its method's."""
    default = DEFAULT_CONFIGS[kind]
    method = str(given.get("method") or default.method)
    if kind == Kind.SENTIMENT and given.get("learning_rate") is None:
        default = replace(default, learning_rate=SENTIMENT_LEARNING_RATES[method])
    return RunConfig.from_dict({**default.to_dict(), **{k: v for k, v in given.items() if v is not None}})


class QuotaExceeded(ApplicationError):
    code = "training_quota_exceeded"
    status_code = 429


def training_seconds_used(*, store: Store) -> float:
    since = timezone.now() - timedelta(days=1)
    used = TrainingRun.objects.filter(store=store, created_at__gte=since).aggregate(s=Sum("train_seconds"))
    return float(used["s"] or 0.0)


def run_start(
    *,
    store: Store,
    actor: Actor,
    dataset: TrainingDataset,
    config: RunConfig | None = None,
    base_model: str = "",
    base_version: ModelVersion | None = None,
) -> TrainingRun:
    """Queue a fine-tune of ``dataset``'s kind; the job runs it on the training queue."""
    kind = dataset.kind
    if dataset.store_id != store.pk:
        raise ApplicationError(_("The dataset belongs to another store."), code="not_found")
    if training_seconds_used(store=store) >= settings.TRAINING_SECONDS_PER_DAY:
        raise QuotaExceeded(
            _("This store has used its %(hours)s hours of training for today; try again later.")
            % {"hours": round(settings.TRAINING_SECONDS_PER_DAY / 3600, 1)}
        )
    if base_version is not None:
        if (
            kind != Kind.DESCRIPTION
            or base_version.kind != Kind.PRETRAIN
            or base_version.store_id != store.pk
        ):
            raise ApplicationError(
                _("A description generator can build on one of this store's continued-pretraining versions."),
                code="invalid_base_version",
            )
        base_model = base_version.base_model
    base_model = base_model or default_model_key(BASE_TASK[kind]) or ""
    spec = get_spec(base_model)
    if spec.task != BASE_TASK[kind]:
        raise ApplicationError(
            _("%(model)s is a %(task)s model; this run needs a %(needed)s model.")
            % {"model": base_model, "task": spec.task, "needed": BASE_TASK[kind]},
            code="invalid_base_model",
        )
    if TrainingRun.objects.filter(store=store, status__in=["queued", "running", "evaluating"]).exists():
        raise ConflictError(_("A training run of this store is still going; wait for it or cancel it."))
    config = config or DEFAULT_CONFIGS[kind]
    with transaction.atomic():
        run = TrainingRun.objects.create(
            store=store,
            kind=kind,
            dataset=dataset,
            base_model=base_model,
            base_version=base_version,
            hyperparameters=config.to_dict(),
            created_by=actor.user_or_none,
        )
        run.job = job_services.job_create(
            store=store,
            kind=RUN_JOB_KIND,
            items=[(f"run:{run.pk}", {"run_id": run.pk})],
            actor=actor,
            params={"run_id": run.pk},
            title=f"Train {kind} on {dataset.name}",
        )
        run.save(update_fields=["job"])
        audit_record(
            actor=actor, action="training.run_started", store=store, target=run, metadata={"kind": kind}
        )
    return run


def run_cancel(*, run: TrainingRun, actor: Actor) -> TrainingRun:
    """Stop a queued or running run; the worker stops at its next step and keeps no version."""
    if run.status not in ("queued", "running", "evaluating"):
        raise ApplicationError(_("Only a queued or running run can be cancelled."), code="run_not_active")
    if run.job is not None and run.job.status in Job.ACTIVE_STATUSES:
        job_services.job_cancel(job=run.job, actor=actor)
    TrainingRun.objects.filter(pk=run.pk, status__in=["queued", "running", "evaluating"]).update(
        status=TrainingRun.Status.CANCELLED, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run
