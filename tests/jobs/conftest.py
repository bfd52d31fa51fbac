"""Fixtures for the tests that run jobs through real Celery worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from apps.core.workers import QUEUES, celery_beat_argv, celery_worker_argv
from apps.jobs.models import Job
from ecomai.celery import app as celery_app
from tests.processes import database_url

LEASE_SECONDS = 3


def _database_url() -> str:
    if connection.settings_dict["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("worker tests need PostgreSQL (run them with `make test`)")
    return database_url()


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
            "WORKER_HEARTBEAT_SECONDS": "1",
        }
        commands = [celery_worker_argv(queues=QUEUES, concurrency=1, hostname=f"{name}@%h")]
        if beat:
            # The scheduler re-queues the job whose worker died; a process of its own, as everywhere.
            commands.append(celery_beat_argv(schedule=tmp_path / "beat-schedule"))
        for number, command in enumerate(commands):
            log = (tmp_path / f"{name}-{number}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )
        return processes[-len(commands)]

    yield start
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    celery_app.control.purge()


def job_state(job: Job) -> Job:
    job.refresh_from_db()
    return job
