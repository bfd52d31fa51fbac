"""Jobs through a real Celery worker process, over the real broker and database.

These start ``celery worker`` as a separate process against the test database, so they need a
database another process can open (PostgreSQL) and a broker server (Redis): `make test` provides both.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from apps.accounts.actor import Actor
from apps.accounts.models import AuditEvent
from apps.jobs import services
from apps.jobs.models import Job, JobItem
from ecomai.celery import app as celery_app

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LEASE_SECONDS = 3


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("worker tests need PostgreSQL (run them with `make test`)")
    user, host, port = db.get("USER") or "postgres", db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("worker tests need the Redis broker (run them with `make test`)")
    database_url = _database_url()
    celery_app.control.purge()
    processes: list[subprocess.Popen[bytes]] = []

    def start(name: str, *, beat: bool = False) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "ecomai.settings.test",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "JOBS_LEASE_SECONDS": str(LEASE_SECONDS),
            "JOBS_RECOVER_INTERVAL_SECONDS": "1",
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ecomai",
            "worker",
            "--queues",
            "default,inference,training",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--hostname",
            f"{name}@%h",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ]
        if beat:
            command += ["--beat", "--schedule", str(tmp_path / "beat-schedule")]
        log = (tmp_path / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    celery_app.control.purge()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def job_state(job: Job) -> Job:
    job.refresh_from_db()
    return job


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
