"""Reads of the model loop, always within one store; other stores' ids are NotFound."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.accounts.models import Store
from apps.core.selectors import get_or_not_found

from .models import Activation, DatasetExample, ModelVersion, TrainingDataset, TrainingRun
from .services.versions import SERVED, active_version


def dataset_list(*, store: Store) -> QuerySet[TrainingDataset]:
    return TrainingDataset.objects.filter(store=store)


def dataset_get(*, store: Store, dataset_id: Any) -> TrainingDataset:
    return get_or_not_found(dataset_list(store=store), pk=dataset_id)


def dataset_preview(*, dataset: TrainingDataset, rows: int = 10) -> dict[str, list[DatasetExample]]:
    return {
        split: list(dataset.examples.filter(split=split).order_by("position")[:rows])
        for split in ("train", "valid", "test")
    }


def run_list(*, store: Store) -> QuerySet[TrainingRun]:
    return TrainingRun.objects.filter(store=store).select_related("dataset", "job", "base_version")


def run_get(*, store: Store, run_id: Any) -> TrainingRun:
    return get_or_not_found(run_list(store=store), pk=run_id)


def version_list(*, store: Store) -> QuerySet[ModelVersion]:
    return ModelVersion.objects.filter(store=store).select_related("run", "dataset", "parent")


def version_get(*, store: Store, version_id: Any) -> ModelVersion:
    return get_or_not_found(version_list(store=store), pk=version_id)


def active_versions(*, store: Store) -> dict[str, ModelVersion | None]:
    return {kind: active_version(store=store, kind=kind) for kind in SERVED}


def activation_list(*, store: Store) -> QuerySet[Activation]:
    return Activation.objects.filter(store=store).select_related("version", "activated_by")
