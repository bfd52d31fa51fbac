from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts.models import Store
from apps.core.selectors import get_or_not_found

from .models import Job, JobItem


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
