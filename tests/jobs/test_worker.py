"""Jobs through a real Celery worker process, over the real broker and database.

These start ``celery worker`` as a separate process against the test database, so they need a
database another process can open (PostgreSQL) and a broker server (Redis): `make test` provides both.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from apps.accounts.actor import Actor
from apps.accounts.models import AuditEvent
from apps.jobs import services
from apps.jobs.models import Job, JobItem
from tests.processes import wait_for

from .conftest import job_state

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_runs_a_job_to_completion(store: Any, start_worker: Any) -> None:
    start_worker("w1")
    job = services.job_create(
        store=store,
        kind="test.square",
        items=[(str(n), {"n": n}) for n in range(8)],
        actor=Actor.system(),
        params={"fail": [5]},
    )
    wait_for(lambda: not job_state(job).is_active, 90, "the job to finish")
    assert (job.status, job.done_count, job.failed_count) == (Job.Status.SUCCEEDED, 7, 1)
    assert job.items.get(position=5).error == "5 is not allowed"
    assert job.items.get(position=7).result == {"square": 49}


def test_a_worker_killed_mid_job_loses_and_duplicates_nothing(
    store: Any, start_worker: Any, tmp_path: Path
) -> None:
    calls_log = tmp_path / "calls.log"
    total = 12
    first = start_worker("w1")
    job = services.job_create(
        store=store,
        kind="test.square",
        items=[(str(n), {"n": n}) for n in range(total)],
        actor=Actor.system(),
        params={"sleep": 0.4, "log_path": str(calls_log)},
    )
    wait_for(lambda: job_state(job).done_count >= 4, 90, "the first items")

    os.killpg(first.pid, signal.SIGKILL)  # the worker and its pool die without a word
    first.wait(timeout=10)
    job.refresh_from_db()
    done_at_kill = job.done_count
    assert done_at_kill < total
    assert JobItem.objects.filter(job=job, status=JobItem.Status.RUNNING).exists(), "no item was in flight"

    start_worker("w2", beat=True)
    wait_for(lambda: not job_state(job).is_active, 120, "the job to finish after the restart")

    assert (job.status, job.done_count, job.failed_count, job.total) == (
        Job.Status.SUCCEEDED,
        total,
        0,
        total,
    )
    results = {item.payload["n"]: item.result for item in job.items.all()}
    assert results == {n: {"square": n * n} for n in range(total)}
    # Every item's effect was applied exactly once...
    effects = Counter(
        event.metadata["n"]
        for event in AuditEvent.objects.filter(action="test.square_applied", metadata__job=job.pk)
    )
    assert effects == Counter(range(total))
    # ...and only the items in flight when the worker died were worked on twice.
    calls = Counter(int(line) for line in calls_log.read_text().split())
    assert set(calls) == set(range(total))
    repeated = [n for n, count in calls.items() if count > 1]
    assert len(repeated) <= 3  # at most one chunk (test.square's chunk_size)


def test_a_job_without_a_worker_says_so_until_one_runs(
    store: Any, owner: Any, api_client: Any, client: Any, start_worker: Any, settings: Any
) -> None:
    settings.WORKER_HEARTBEAT_SECONDS = 1  # as the workers of these tests beat
    job = services.job_create(
        store=store,
        kind="test.square",
        items=[(str(n), {"n": n}) for n in range(6)],
        actor=Actor.system(),
        params={"sleep": 1},
    )
    client.force_login(owner)
    detail_url = f"/api/v1/stores/{store.pk}/jobs/{job.pk}/"
    page_url = f"/s/{store.pk}/jobs/{job.pk}/"

    status = api_client.get(detail_url).json()["queue_status"]
    assert (status["queue"], status["state"], status["consumers"], status["last_seen"]) == (
        "default",
        "no_worker",
        0,
        None,
    )
    assert "python manage.py worker --queues default" in status["message"]
    page = client.get(page_url).content.decode()
    assert 'data-queue-state="no_worker"' in page and "No worker is running" in page

    start_worker("late")
    wait_for(lambda: api_client.get(detail_url).json()["queue_status"]["state"] == "ok", 90, "the worker")
    status = api_client.get(detail_url).json()["queue_status"]
    assert (status["consumers"], status["message"]) == (1, "")
    assert "data-queue-state" not in client.get(page_url).content.decode()
    wait_for(lambda: not job_state(job).is_active, 90, "the job to finish")
    assert job.status == Job.Status.SUCCEEDED
    assert api_client.get(detail_url).json()["queue_status"] is None
