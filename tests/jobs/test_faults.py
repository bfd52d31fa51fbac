"""Faults under a running job, with real processes: the broker restarted (its queues lost) and the
database connections cut. The job finishes with every item's effect applied exactly once."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from apps.accounts.actor import Actor
from apps.accounts.models import AuditEvent
from apps.jobs import services
from apps.jobs.models import Job
from tests.processes import free_port, wait_for

from .conftest import job_state

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TOTAL = 15


class Broker:
    """A Redis server of the test's own, so it can be killed without touching anyone else's."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            pytest.skip("redis-server is not installed")
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for(self._answers, 20, "the broker to start")

    def _answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def broker(tmp_path: Path, settings: Any) -> Iterator[Broker]:
    server = Broker(tmp_path)
    server.start()
    # The workers this test starts use this broker; the test process queues nothing on it (the
    # recovery that the scheduler runs queues the job, as after any lost message).
    settings.CELERY_BROKER_URL = server.url
    yield server
    server.kill()


def square_job(store: Any, tmp_path: Path) -> Job:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "job_enqueue", lambda **kwargs: None)  # the message is "lost"
        return services.job_create(
            store=store,
            kind="test.square",
            items=[(str(n), {"n": n}) for n in range(TOTAL)],
            actor=Actor.system(),
            params={"sleep": 0.3, "log_path": str(tmp_path / "calls.log")},
        )


def assert_each_effect_once(job: Job) -> None:
    job.refresh_from_db()
    assert (job.status, job.done_count, job.failed_count) == (Job.Status.SUCCEEDED, TOTAL, 0)
    effects = Counter(
        event.metadata["n"]
        for event in AuditEvent.objects.filter(action="test.square_applied", metadata__job=job.pk)
    )
    assert effects == Counter(range(TOTAL))


def test_a_broker_restarted_mid_job_with_its_queues_lost_loses_nothing(
    store: Any, start_worker: Any, broker: Broker, tmp_path: Path
) -> None:
    job = square_job(store, tmp_path)
    start_worker("w1", beat=True)
    wait_for(lambda: job_state(job).done_count >= 3, 120, "the first items")
    broker.kill()  # every queued message goes with it
    time.sleep(2)
    broker.start()
    wait_for(lambda: not job_state(job).is_active, 180, "the job to finish after the broker came back")
    assert_each_effect_once(job)


def test_database_connections_cut_mid_job_lose_nothing(
    store: Any, start_worker: Any, broker: Broker, tmp_path: Path
) -> None:
    job = square_job(store, tmp_path)
    start_worker("w1", beat=True)
    wait_for(lambda: job_state(job).done_count >= 3, 120, "the first items")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        (cut,) = cursor.fetchone()
    assert cut >= 1  # the worker's and the scheduler's connections
    wait_for(lambda: not job_state(job).is_active, 180, "the job to finish after the connections were cut")
    assert_each_effect_once(job)
