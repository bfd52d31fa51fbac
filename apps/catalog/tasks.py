"""Celery tasks of the catalog: they take ids and call a service."""

from __future__ import annotations

import contextlib

from celery import shared_task
from django.contrib.auth import get_user_model

from apps.accounts.actor import Actor

from . import importing, services


@shared_task(name="catalog.import_prepare", ignore_result=True, acks_late=True)
def catalog_import_prepare_task(
    catalog_import_id: int, user_id: int | None = None, parallelism: int = 1
) -> None:
    """Validate a large upload and queue its import job; does nothing if that was done already."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    # A refused file is recorded on the import (status failed, with the reason) for the page and the API.
    with contextlib.suppress(importing.FileRejected):
        services.catalog_import_prepare(
            catalog_import_id=catalog_import_id,
            actor=Actor(user=user, source="system"),
            parallelism=parallelism,
        )


@shared_task(name="catalog.imports_recover_stale", ignore_result=True)
def catalog_imports_recover_stale_task() -> list[int]:
    return services.catalog_import_recover_stale()
