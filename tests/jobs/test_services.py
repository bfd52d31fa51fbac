from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.accounts.actor import Actor
from apps.accounts.models import AuditEvent
from apps.core.errors import ApplicationError
from apps.jobs import services
from apps.jobs.models import Job, JobItem
from apps.jobs.selectors import job_progress

pytestmark = pytest.mark.django_db


def make_job(store: Any, count: int = 7, **params: Any) -> Job:
    return services.job_create(
        store=store,
        kind="test.square",
        items=[(f"n{n}", {"n": n}) for n in range(count)],
        actor=Actor.system(),
        params=params,
        title="Squares",
    )


def applied_effects(job: Job) -> list[int]:
    events = AuditEvent.objects.filter(action="test.square_applied", metadata__job=job.pk)
    return sorted(event.metadata["n"] for event in events)


def run_until_done(job: Job, limit: int = 50) -> None:
    for _ in range(limit):
        services.job_process_chunk(job_id=job.pk)
        job.refresh_from_db()
        if not job.is_active:
            return
    raise AssertionError("job did not finish")


def test_job_create_stores_items_in_order_and_counts_them(store: Any) -> None:
    job = make_job(store, count=2500)
    assert job.status == Job.Status.QUEUED
    assert job.total == 2500
    assert list(job.items.order_by("position").values_list("position", flat=True)[:3]) == [0, 1, 2]
    assert job.items.get(position=2499).payload == {"n": 2499}
    assert AuditEvent.objects.filter(action="job.created", object_id=str(job.pk)).count() == 1


def test_job_create_queues_its_chunks_only_on_commit(
    store: Any, django_capture_on_commit_callbacks: Any, sent_tasks: Any
) -> None:
    from apps.jobs import tasks

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.job_create(
            store=store, kind="test.square", items=[("a", {"n": 1})], actor=Actor.system(), parallelism=2
        )
        assert sent_tasks == []
    for callback in callbacks:
        callback()
    chunk = tasks.job_process_chunk_task.name
    assert sent_tasks == [(chunk, (job.pk,), "default"), (chunk, (job.pk,), "default")]


def test_a_broker_that_is_down_at_commit_loses_no_job(
    store: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    """The job is committed all the same; job_recover_stale queues it later."""
    from celery import current_app

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr(current_app, "send_task", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(
            store=store, kind="test.square", items=[("a", {"n": 1})], actor=Actor.system()
        )
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED


def test_a_chunk_processes_at_most_chunk_size_items(store: Any) -> None:
    job = make_job(store, count=7)
    assert services.job_process_chunk(job_id=job.pk) == 3  # test.square has chunk_size 3
    job.refresh_from_db()
    assert (job.status, job.done_count, job.failed_count) == (Job.Status.RUNNING, 3, 0)
    assert job.started_at is not None


def test_job_runs_to_success_with_every_result(store: Any) -> None:
    job = make_job(store, count=7)
    run_until_done(job)
    assert job.status == Job.Status.SUCCEEDED
    assert (job.done_count, job.failed_count) == (7, 0)
    assert [item.result["square"] for item in job.items.all()] == [0, 1, 4, 9, 16, 25, 36]
    assert applied_effects(job) == list(range(7))
    assert job.finished_at is not None


def test_running_a_chunk_again_after_it_finished_does_nothing(store: Any) -> None:
    job = make_job(store, count=3)
    assert services.job_process_chunk(job_id=job.pk) == 3
    services.job_process_chunk(job_id=job.pk)  # the same task delivered a second time
    services.job_process_chunk(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.done_count) == (Job.Status.SUCCEEDED, 3)
    assert applied_effects(job) == [0, 1, 2]
    assert sum(item.attempts for item in job.items.all()) == 3


def test_two_claimers_never_share_an_item(store: Any) -> None:
    job = make_job(store, count=5)
    token_a, items_a = services.job_items_claim(job=job, limit=3)
    token_b, items_b = services.job_items_claim(job=job, limit=3)
    assert token_a != token_b
    assert [i.position for i in items_a] == [0, 1, 2]
    assert [i.position for i in items_b] == [3, 4]
    _token_c, items_c = services.job_items_claim(job=job, limit=3)
    assert items_c == []


def test_an_item_of_a_dead_worker_is_claimed_again_after_its_lease_and_counted_once(store: Any) -> None:
    job = make_job(store, count=2)
    dead_token, dead_items = services.job_items_claim(job=job, limit=1)  # a worker that then died
    assert [i.position for i in dead_items] == [0]
    # Before the lease runs out the item is not claimable.
    _t, items = services.job_items_claim(job=job, limit=5)
    assert [i.position for i in items] == [1]
    JobItem.objects.filter(lease_token__in=[_t]).update(status=JobItem.Status.PENDING, lease_token="")
    JobItem.objects.filter(lease_token=dead_token).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    run_until_done(job)
    assert (job.status, job.done_count) == (Job.Status.SUCCEEDED, 2)
    assert applied_effects(job) == [0, 1]
    assert job.items.get(position=0).attempts == 2
    # The dead worker waking up late cannot record its stale result.
    stale = JobItem.objects.get(job=job, position=0)
    assert (
        services._item_finish(
            job=job, item=stale, token=dead_token, status=JobItem.Status.SUCCEEDED, result={"square": 999}
        )
        is False
    )
    job.refresh_from_db()
    assert job.done_count == 2 and job.items.get(position=0).result == {"square": 0}


def test_a_permanent_item_error_is_recorded_and_the_good_items_kept(store: Any) -> None:
    job = make_job(store, count=5, fail=[1, 3])
    run_until_done(job)
    assert job.status == Job.Status.SUCCEEDED
    assert (job.done_count, job.failed_count) == (3, 2)
    failed = job.items.filter(status=JobItem.Status.FAILED).order_by("position")
    assert [(i.position, i.error) for i in failed] == [(1, "1 is not allowed"), (3, "3 is not allowed")]
    assert applied_effects(job) == [0, 2, 4]


def test_a_job_whose_items_all_fail_is_failed(store: Any) -> None:
    job = make_job(store, count=2, fail=[0, 1])
    run_until_done(job)
    assert (job.status, job.failed_count) == (Job.Status.FAILED, 2)


def test_a_transient_error_is_retried_and_then_succeeds(store: Any) -> None:
    job = make_job(store, count=3, flaky=[1])
    run_until_done(job)
    item = job.items.get(position=1)
    assert (item.status, item.attempts, item.result) == (JobItem.Status.SUCCEEDED, 2, {"square": 1})
    assert (job.done_count, job.failed_count) == (3, 0)


def test_a_transient_error_fails_the_item_after_max_attempts(store: Any, settings: Any) -> None:
    settings.JOBS_MAX_ATTEMPTS = 1
    job = make_job(store, count=2, flaky=[0])
    run_until_done(job)
    item = job.items.get(position=0)
    assert item.status == JobItem.Status.FAILED
    assert item.error.startswith("Gave up after 1 attempts")


def test_cancel_stops_a_job_and_keeps_finished_results(store: Any) -> None:
    job = make_job(store, count=7)
    services.job_process_chunk(job_id=job.pk)
    job = services.job_cancel(job=job, actor=Actor.system())
    assert job.status == Job.Status.CANCELLED
    assert services.job_process_chunk(job_id=job.pk) == 0
    counts = {s: job.items.filter(status=s).count() for s in JobItem.Status.values}
    assert counts[JobItem.Status.SUCCEEDED] == 3
    assert counts[JobItem.Status.CANCELLED] == 4
    with pytest.raises(ApplicationError):
        services.job_cancel(job=job, actor=Actor.system())


def test_retry_requeues_failed_and_cancelled_items_only(store: Any) -> None:
    job = make_job(store, count=4, fail=[2])
    run_until_done(job)
    with pytest.raises(ApplicationError, match="still running"):
        services.job_retry(job=make_job(store, count=1), actor=Actor.system())
    job.params = {}  # the cause of the failure was fixed
    job.save(update_fields=["params"])
    job = services.job_retry(job=job, actor=Actor.system())
    assert (job.status, job.failed_count, job.done_count) == (Job.Status.QUEUED, 0, 3)
    run_until_done(job)
    assert (job.status, job.done_count, job.failed_count) == (Job.Status.SUCCEEDED, 4, 0)
    assert applied_effects(job) == [0, 1, 2, 3]
    with pytest.raises(ApplicationError, match="Nothing to retry"):
        services.job_retry(job=job, actor=Actor.system())


def test_progress_reports_rate_and_eta_while_running(store: Any) -> None:
    job = make_job(store, count=6)
    services.job_process_chunk(job_id=job.pk)
    job.refresh_from_db()
    Job.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(seconds=30))
    job.refresh_from_db()
    progress = job_progress(job=job)
    assert (progress.total, progress.done, progress.failed, progress.percent) == (6, 3, 0, 50.0)
    assert progress.rate_per_minute == pytest.approx(6.0, rel=0.05)
    assert progress.eta_seconds == pytest.approx(30, abs=2)


def test_recover_stale_requeues_only_silent_jobs(store: Any, monkeypatch: Any) -> None:
    queued: list[int] = []
    monkeypatch.setattr(services, "job_enqueue", lambda *, job, **kw: queued.append(job.pk))
    silent = make_job(store, count=2)
    lively = make_job(store, count=2)
    past = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk=silent.pk).update(heartbeat_at=past, status=Job.Status.RUNNING)
    Job.objects.filter(pk=lively.pk).update(heartbeat_at=timezone.now(), status=Job.Status.RUNNING)
    queued.clear()
    assert services.job_recover_stale() == [silent.pk]
    assert queued == [silent.pk]
    # Its heartbeat moved, so the next beat tick does not queue it again.
    assert services.job_recover_stale() == []
