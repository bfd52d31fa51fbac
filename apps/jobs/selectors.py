from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts.models import Store
from apps.core.selectors import QueueStatus, get_or_not_found, queue_status_get

from .models import Job, JobItem
from .registry import get_job_kind


def job_list(*, store: Store) -> QuerySet[Job]:
    return Job.objects.filter(store=store).select_related("created_by")


def job_get(*, store: Store, job_id: Any) -> Job:
    return get_or_not_found(job_list(store=store), pk=job_id)


def job_item_list(*, job: Job) -> QuerySet[JobItem]:
    return JobItem.objects.filter(job=job)


@dataclass(frozen=True)
class JobProgress:
    total: int
    done: int
    failed: int
    percent: float
    rate_per_minute: float | None
    eta: datetime | None
    eta_seconds: int | None


def job_progress(*, job: Job) -> JobProgress:
    """Counts, throughput since the job started, and when it should finish at that rate."""
    processed = job.processed
    percent = round(100.0 * processed / job.total, 1) if job.total else (100.0 if not job.is_active else 0.0)
    rate = eta = eta_seconds = None
    if job.started_at and processed:
        end = job.finished_at or timezone.now()
        elapsed = max((end - job.started_at).total_seconds(), 1e-3)
        rate = round(processed / elapsed * 60.0, 2)
        remaining = max(job.total - processed, 0)
        if job.is_active and remaining:
            eta_seconds = int(remaining / (processed / elapsed))
            eta = timezone.now() + timedelta(seconds=eta_seconds)
    return JobProgress(
        total=job.total,
        done=job.done_count,
        failed=job.failed_count,
        percent=percent,
        rate_per_minute=rate,
        eta=eta,
        eta_seconds=eta_seconds,
    )


def job_queue(*, job: Job) -> str:
    """The queue the job's tasks are sent to."""
    try:
        return get_job_kind(job.kind).queue
    except LookupError:  # a kind no longer registered: its tasks went to the default queue
        return "default"


def job_queue_status(*, job: Job, statuses: dict[str, QueueStatus] | None = None) -> QueueStatus | None:
    """Whether a worker consumes the queue an active job waits on; None for a finished job.

    ``statuses`` (from ``apps.core.selectors.queue_statuses``) saves a query per job in lists.
    """
    if not job.is_active:
        return None
    queue = job_queue(job=job)
    if statuses is not None and queue in statuses:
        return statuses[queue]
    return queue_status_get(queue=queue)
