"""Celery tasks take ids and call services; each is safe to run twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.signals import worker_ready

from . import services


@shared_task(name=services.PROCESS_CHUNK_TASK, acks_late=True, ignore_result=True)
def job_process_chunk_task(job_id: int) -> int:
    return services.job_process_chunk(job_id=job_id)


@shared_task(name="jobs.recover_stale", ignore_result=True)
def job_recover_stale_task() -> list[int]:
    return services.job_recover_stale()


@worker_ready.connect
def _recover_on_start(**kwargs: Any) -> None:
    # A worker that starts after a crash picks up what the crashed one left behind.
    job_recover_stale_task.apply_async(queue="default")
