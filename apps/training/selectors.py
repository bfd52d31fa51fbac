"""Reads of the model loop, always within one store; other stores' ids are NotFound."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.accounts.models import Store
from apps.core.selectors import get_or_not_found
from apps.reviews.models import Review
from apps.reviews.services.reviews import text_hash

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


def review_label_find(*, store: Store, external_id: str, source: str, sku: str, text: str) -> list[int] | str:
    """The ids of the store's reviews a labelled row names (by review id, else by SKU and text),
    or why it names none. Several reviews with the same SKU and text are one text: all are named."""
    reviews = Review.objects.filter(store=store)
    if external_id:
        reviews = reviews.filter(external_id=external_id)
        if source:
            reviews = reviews.filter(source=source)
        ids = list(reviews.values_list("pk", flat=True)[:2])
        if not ids:
            return f"No review of this store has the id {external_id!r}" + (
                f" from {source!r}." if source else "."
            )
        if len(ids) > 1:
            return f"Reviews from several sources have the id {external_id!r}; add a source column."
        return ids
    ids = list(reviews.filter(sku=sku, text_hash=text_hash(text)).order_by("pk").values_list("pk", flat=True))
    return ids or f"No review of this store for SKU {sku!r} has this text."
