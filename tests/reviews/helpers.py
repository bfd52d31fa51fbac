"""Helpers for review tests: importing a file through the imports machinery, making reviews."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from apps.accounts.actor import Actor
from apps.imports import services as import_services
from apps.imports.models import DataImport
from apps.reviews.models import Review
from apps.reviews.services.reviews import text_hash
from tests.catalog.helpers import run_job, upload

TARGET = "reviews.reviews"


def import_reviews(store: Any, name: str, data: bytes) -> DataImport:
    actor = Actor.system()
    data_import = import_services.import_create(
        store=store, target=TARGET, upload=upload(name, data), actor=actor
    )
    data_import = import_services.import_start(data_import=data_import, actor=actor)
    assert data_import.job is not None
    run_job(data_import.job)
    data_import.refresh_from_db()
    return data_import


def make_review(
    store: Any,
    text: str,
    *,
    sku: str = "SKU-1",
    sentiment: str = "",
    rating: int | None = None,
    language: str = "en",
    reviewed_at: datetime | None = None,
    **fields: Any,
) -> Review:
    return Review.objects.create(
        store=store,
        sku=sku,
        text=text,
        text_hash=text_hash(text),
        language=language,
        rating=rating,
        sentiment=sentiment,
        sentiment_confidence=0.9 if sentiment else None,
        reviewed_at=reviewed_at or timezone.now(),
        **fields,
    )
