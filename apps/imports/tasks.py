"""Celery tasks of imports: they take ids and call a service (queued by name from services.py)."""

from __future__ import annotations

import contextlib

from celery import shared_task
from django.contrib.auth import get_user_model

from apps.accounts.actor import Actor

from . import services
from .reading import FileRejected


@shared_task(name=services.PREPARE_TASK, ignore_result=True, acks_late=True)
def import_prepare_task(import_id: int, user_id: int | None = None, parallelism: int = 1) -> None:
    """Validate a large upload and queue its import job; does nothing if that was done already."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    # A refused file is recorded on the import (status failed, with the reason) for the page and the API.
    with contextlib.suppress(FileRejected):
        services.import_prepare(
            import_id=import_id, actor=Actor(user=user, source="system"), parallelism=parallelism
        )


@shared_task(name="imports.recover_stale", ignore_result=True)
def imports_recover_stale_task() -> list[int]:
    return services.import_recover_stale()
