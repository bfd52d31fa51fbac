from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDay, TruncHour
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


@dataclass(frozen=True)
class Throughput:
    """Items finished per period: by the hour over the last two days when everything is that recent
    (a store's first jobs), else by the day over ``days``."""

    bucket: str  # "hour" or "day"
    periods: list[datetime]
    succeeded: list[int]
    failed: list[int]


def job_throughput(*, store: Store, days: int = 14, now: datetime | None = None) -> Throughput:
    now = now or timezone.now()
    finished = JobItem.objects.filter(
        job__store=store, finished_at__gte=now - timedelta(days=days), finished_at__lte=now
    ).exclude(status=JobItem.Status.CANCELLED)
    first = finished.order_by("finished_at").values_list("finished_at", flat=True).first()
    hourly = first is not None and first >= now - timedelta(hours=48)
    trunc = TruncHour if hourly else TruncDay
    rows = {
        row["period"]: row
        for row in finished.annotate(period=trunc("finished_at"))
        .values("period")
        .annotate(
            succeeded=Count("pk", filter=Q(status=JobItem.Status.SUCCEEDED)),
            failed=Count("pk", filter=Q(status=JobItem.Status.FAILED)),
        )
    }
    if not rows:
        return Throughput("day", [], [], [])
    step = timedelta(hours=1) if hourly else timedelta(days=1)
    periods, current, last = [], min(rows), max(rows)
    while current <= last:
        periods.append(current)
        current += step
    return Throughput(
        "hour" if hourly else "day",
        periods,
        [rows[period]["succeeded"] if period in rows else 0 for period in periods],
        [rows[period]["failed"] if period in rows else 0 for period in periods],
    )
