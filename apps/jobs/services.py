"""Job lifecycle: create, enqueue on commit, claim items, record results, cancel, retry, recover.

Every state change is a conditional UPDATE, so running any step twice is harmless:
- an item is claimed by setting a lease token where it is pending (or its lease ran out);
- a result is recorded only where the item still carries the claimer's token, in the same
  transaction as the item's effects (``JobKind.apply_result``) and the job's counters;
- a job is finished only by the update that moves it out of ``running``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import audit_record
from apps.core.errors import ApplicationError
from apps.core.tasks import enqueue_on_commit

from .models import Job, JobItem
from .registry import ItemError, JobKind, TransientItemError, get_job_kind

logger = logging.getLogger(__name__)

ITEM_BULK_SIZE = 1000
PROCESS_CHUNK_TASK = "jobs.process_chunk"
# Exceptions worth another attempt: the network or a server that may recover.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (TransientItemError, ConnectionError, TimeoutError)


def _lease(job_kind: JobKind | None = None) -> timedelta:
    seconds = job_kind.lease_seconds if job_kind is not None and job_kind.lease_seconds else None
    return timedelta(seconds=seconds or settings.JOBS_LEASE_SECONDS)


# --- creating and queueing --------------------------------------------------------------


@transaction.atomic
def job_create(
    *,
    store: Store,
    kind: str,
    items: Iterable[tuple[str, dict[str, Any]]],
    actor: Actor,
    params: dict[str, Any] | None = None,
    title: str = "",
    parallelism: int = 1,
) -> Job:
    """A job with its items (``(key, payload)`` pairs), queued when the transaction commits."""
    job_kind = get_job_kind(kind)
    job = Job.objects.create(
        store=store, kind=kind, title=title[:200], params=params or {}, created_by=actor.user_or_none
    )
    total = 0
    batch: list[JobItem] = []
    for position, (key, payload) in enumerate(items):
        batch.append(JobItem(job=job, position=position, key=str(key)[:200], payload=payload))
        if len(batch) >= ITEM_BULK_SIZE:
            JobItem.objects.bulk_create(batch)
            total += len(batch)
            batch = []
    if batch:
        JobItem.objects.bulk_create(batch)
        total += len(batch)
    job.total = total
    job.save(update_fields=["total"])
    audit_record(
        actor=actor, action="job.created", store=store, target=job, metadata={"kind": kind, "total": total}
    )
    job_enqueue(job=job, job_kind=job_kind, parallelism=parallelism)
    return job


def job_enqueue(*, job: Job, job_kind: JobKind | None = None, parallelism: int = 1) -> None:
    """Queue ``parallelism`` chunk tasks once the surrounding transaction commits.

    If the broker is unreachable then, the job is committed all the same and job_recover_stale
    queues it later.
    """
    queue = (job_kind or get_job_kind(job.kind)).queue
    for _ in range(max(1, parallelism)):
        enqueue_on_commit(PROCESS_CHUNK_TASK, args=(job.pk,), queue=queue)


# --- processing -------------------------------------------------------------------------


def _claimable(now: Any) -> Q:
    return Q(status=JobItem.Status.PENDING) | Q(status=JobItem.Status.RUNNING, lease_expires_at__lt=now)


def job_items_claim(*, job: Job, limit: int) -> tuple[str, list[JobItem]]:
    """Lease up to ``limit`` items of the job to a new token; returns the token and the items."""
    token = secrets.token_hex(16)
    now = timezone.now()
    lease = _lease(get_job_kind(job.kind))
    candidates = (
        JobItem.objects.filter(_claimable(now), job=job)
        .order_by("position")
        .values_list("pk", flat=True)[:limit]
    )
    # The claimable condition is repeated on the outer UPDATE: PostgreSQL re-checks it on rows another
    # claimer changed meanwhile, so two claimers never both win one item.
    JobItem.objects.filter(_claimable(now), pk__in=list(candidates)).update(
        status=JobItem.Status.RUNNING,
        lease_token=token,
        lease_expires_at=now + lease,
        attempts=F("attempts") + 1,
    )
    items = list(
        JobItem.objects.filter(lease_token=token, status=JobItem.Status.RUNNING).order_by("position")
    )
    return token, items


def _item_finish(
    *, job: Job, item: JobItem, token: str, status: str, result: dict[str, Any] | None = None, error: str = ""
) -> bool:
    """Record an item's outcome if this claimer still holds it; True if it did."""
    job_kind = get_job_kind(job.kind)
    now = timezone.now()
    with transaction.atomic():
        won = JobItem.objects.filter(pk=item.pk, lease_token=token, status=JobItem.Status.RUNNING).update(
            status=status,
            result=result or {},
            error=error[:4000],
            finished_at=now,
            lease_token="",
            lease_expires_at=None,
        )
        if not won:
            return False
        counter = "done_count" if status == JobItem.Status.SUCCEEDED else "failed_count"
        Job.objects.filter(pk=job.pk).update(**{counter: F(counter) + 1}, heartbeat_at=now)
        if status == JobItem.Status.SUCCEEDED:
            job_kind.apply_result(job, item, result or {})
    return True


def _item_release(*, item: JobItem, token: str) -> None:
    """Give an item back to the queue for another attempt."""
    JobItem.objects.filter(pk=item.pk, lease_token=token, status=JobItem.Status.RUNNING).update(
        status=JobItem.Status.PENDING, lease_token="", lease_expires_at=None
    )


def job_process_chunk(*, job_id: int) -> int:
    """Claim and process one chunk of a job's items; re-queue if more remain. Returns items processed."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or not job.is_active:
        return 0
    job_kind = get_job_kind(job.kind)
    now = timezone.now()
    Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    Job.objects.filter(pk=job.pk, started_at__isnull=True).update(started_at=now)
    job.refresh_from_db()

    token, items = job_items_claim(job=job, limit=job_kind.chunk_size or settings.JOBS_CHUNK_SIZE)
    processed = 0
    for item in items:
        if Job.objects.filter(pk=job.pk, status=Job.Status.CANCELLED).exists():
            JobItem.objects.filter(lease_token=token, status=JobItem.Status.RUNNING).update(
                status=JobItem.Status.CANCELLED, lease_token="", lease_expires_at=None
            )
            return processed
        try:
            result = job_kind.process_item(job, item)
        except ItemError as error:
            _item_finish(job=job, item=item, token=token, status=JobItem.Status.FAILED, error=str(error))
        except TRANSIENT_ERRORS as error:
            if item.attempts >= settings.JOBS_MAX_ATTEMPTS:
                message = f"Gave up after {item.attempts} attempts: {error}"
                _item_finish(job=job, item=item, token=token, status=JobItem.Status.FAILED, error=message)
            else:
                logger.warning(
                    "job %s item %s: transient error, will retry: %s", job.pk, item.position, error
                )
                _item_release(item=item, token=token)
        except Exception as error:
            logger.exception("job %s item %s failed", job.pk, item.position)
            message = f"Internal error ({type(error).__name__}): {error}"
            _item_finish(job=job, item=item, token=token, status=JobItem.Status.FAILED, error=message)
        else:
            _item_finish(job=job, item=item, token=token, status=JobItem.Status.SUCCEEDED, result=result)
        processed += 1
        # Heartbeat: extend the lease on the rest of this chunk.
        now = timezone.now()
        JobItem.objects.filter(lease_token=token, status=JobItem.Status.RUNNING).update(
            lease_expires_at=now + _lease(job_kind)
        )

    if not items:
        job_finish_if_complete(job=job)
    elif JobItem.objects.filter(_claimable(timezone.now()), job=job).exists():
        job_enqueue(job=job, job_kind=job_kind)
    else:
        job_finish_if_complete(job=job)
    return processed


def job_finish_if_complete(*, job: Job) -> bool:
    """Move the job to its final status once no item is pending or running; True if this call did."""
    open_items = JobItem.objects.filter(
        job=job, status__in=[JobItem.Status.PENDING, JobItem.Status.RUNNING]
    ).exists()
    if open_items:
        return False
    job.refresh_from_db()
    final = Job.Status.FAILED if job.total and job.done_count == 0 else Job.Status.SUCCEEDED
    won = Job.objects.filter(pk=job.pk, status__in=Job.ACTIVE_STATUSES).update(
        status=final, finished_at=timezone.now()
    )
    if won:
        job.refresh_from_db()
        get_job_kind(job.kind).on_finished(job)
    return bool(won)


# --- people acting on jobs --------------------------------------------------------------


@transaction.atomic
def job_cancel(*, job: Job, actor: Actor) -> Job:
    won = Job.objects.filter(pk=job.pk, status__in=Job.ACTIVE_STATUSES).update(
        status=Job.Status.CANCELLED, finished_at=timezone.now()
    )
    if not won:
        job.refresh_from_db()
        raise ApplicationError(
            f"The job is {job.status}; only queued or running jobs can be cancelled.", code="job_not_active"
        )
    JobItem.objects.filter(job=job, status=JobItem.Status.PENDING).update(status=JobItem.Status.CANCELLED)
    audit_record(actor=actor, action="job.cancelled", store=job.store, target=job)
    job.refresh_from_db()
    return job


@transaction.atomic
def job_retry(*, job: Job, actor: Actor) -> Job:
    """Queue the failed and cancelled items of a finished job again."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    if job.is_active:
        raise ApplicationError("The job is still running; retry it once it has finished.", code="job_active")
    failed = JobItem.objects.filter(job=job, status=JobItem.Status.FAILED).update(
        status=JobItem.Status.PENDING, error="", attempts=0, finished_at=None
    )
    cancelled = JobItem.objects.filter(job=job, status=JobItem.Status.CANCELLED).update(
        status=JobItem.Status.PENDING
    )
    if not failed and not cancelled:
        raise ApplicationError("Nothing to retry: no item failed or was cancelled.", code="nothing_to_retry")
    job.failed_count = F("failed_count") - failed
    job.status = Job.Status.QUEUED
    job.finished_at = None
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["failed_count", "status", "finished_at", "heartbeat_at"])
    audit_record(
        actor=actor,
        action="job.retried",
        store=job.store,
        target=job,
        metadata={"failed": failed, "cancelled": cancelled},
    )
    job_enqueue(job=job)
    job.refresh_from_db()
    return job


def job_recover_stale() -> list[int]:
    """Re-queue active jobs that have shown no sign of life for a lease period.

    Catches work whose task was lost with its worker: an item left ``running`` by a killed
    worker becomes claimable again when its lease runs out.
    """
    now = timezone.now()
    cutoff = now - _lease()
    stale = Job.objects.filter(status__in=Job.ACTIVE_STATUSES).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    recovered = []
    for job in stale:
        has_work = JobItem.objects.filter(_claimable(now), job=job).exists()
        # Claim the right to re-queue, so two beat ticks do not both do it.
        if Job.objects.filter(pk=job.pk, heartbeat_at=job.heartbeat_at).update(heartbeat_at=now):
            if has_work:
                job_enqueue(job=job)
                recovered.append(job.pk)
            else:
                job_finish_if_complete(job=job)
    if recovered:
        logger.info("re-queued stale jobs %s", recovered)
    return recovered
