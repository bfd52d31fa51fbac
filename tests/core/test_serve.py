"""``manage.py serve`` for real: its web server, worker and scheduler as processes, stopped and killed.

Run on the embedded default (SQLite and the filesystem broker, what ``make run`` uses) and on
PostgreSQL and Redis. The tests talk to serve as a person and an API client would: over HTTP, with a
session cookie for the dashboard and an API token for the API.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from django.conf import settings
from django.db import connection

from apps.core.management.commands.serve import WORKER_THREADS
from apps.core.workers import celery_beat_argv, celery_worker_argv
from tests.processes import (
    TAG_VARIABLE,
    database_url,
    descendants,
    describe,
    free_port,
    tagged_processes,
    wait_for,
)

pytestmark = pytest.mark.worker

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
# Variables of the test run that must not leak into an embedded serve.
SERVICE_VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL")
START_TIMEOUT = 90


@dataclass
class Serve:
    process: subprocess.Popen[bytes]
    base_url: str
    env: dict[str, str]
    log_path: Path
    tag: str
    store: int = 0
    token: str = ""
    session: str = ""

    def helper(self, *args: str) -> dict[str, Any]:
        done = subprocess.run(
            [PYTHON, "-m", "tests.core.embedded", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]

    def api(self, path: str) -> dict[str, Any]:
        response = httpx.get(
            f"{self.base_url}/api/v1{path}", headers={"Authorization": f"Bearer {self.token}"}, timeout=30
        )
        assert response.status_code == 200, response.text[:500]
        return response.json()  # type: ignore[no-any-return]

    def page(self, path: str) -> str:
        cookies = {settings.SESSION_COOKIE_NAME: self.session}
        response = httpx.get(f"{self.base_url}{path}", cookies=cookies, timeout=30)
        assert response.status_code == 200, (response.status_code, response.text[:500])
        return response.text

    def job(self, job_id: int) -> dict[str, Any]:
        return self.api(f"/stores/{self.store}/jobs/{job_id}/")

    def job_page(self, job_id: int) -> str:
        return self.page(f"/s/{self.store}/jobs/{job_id}/")

    def child_pids(self, kind: str) -> list[int]:
        """Processes under serve whose command line runs ``kind`` (worker, beat, gunicorn)."""
        pids = []
        for process in descendants(self.process.pid):
            try:
                cmdline = process.cmdline()
            except psutil.Error:
                continue
            if kind in cmdline[:6] or (kind == "gunicorn" and "gunicorn" in cmdline[:3]):
                pids.append(process.pid)
        return pids

    def web_is_up(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/login/", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated embedded database, made once and copied for each serve."""
    var = tmp_path_factory.mktemp("embedded-template") / "var"
    env = {key: value for key, value in os.environ.items() if key not in SERVICE_VARIABLES}
    env.update({"DJANGO_SETTINGS_MODULE": "ecomai.settings.test", "ECOMAI_VAR_DIR": str(var)})
    done = subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return var / "ecomai.sqlite3"


@pytest.fixture
def start_serve(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_sqlite: Path
) -> Iterator[Callable[..., Serve]]:
    started: list[Serve] = []
    purge = False

    def start(stack: str, *, no_worker: bool = False, stop_timeout: float = 10) -> Serve:
        nonlocal purge
        var = tmp_path / f"var-{len(started)}"
        var.mkdir()
        env = {key: value for key, value in os.environ.items() if key not in SERVICE_VARIABLES}
        tag = uuid.uuid4().hex
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "ecomai.settings.test",
                "ECOMAI_VAR_DIR": str(var),
                "PYTHONPATH": str(ROOT),
                "JOBS_LEASE_SECONDS": "3",
                "JOBS_RECOVER_INTERVAL_SECONDS": "1",
                "WORKER_HEARTBEAT_SECONDS": "1",
                # The tests poll the API several times a second.
                "API_RATE_PER_TOKEN": "100000/hour",
                TAG_VARIABLE: tag,
            }
        )
        if stack == "sqlite":
            shutil.copy(migrated_sqlite, var / "ecomai.sqlite3")
        else:
            if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis://"):
                pytest.skip("the PostgreSQL + Redis serve test needs both (run it with `make test`)")
            request.getfixturevalue("transactional_db")
            from ecomai.celery import app as celery_app

            celery_app.control.purge()
            purge = True
            env.update({"DATABASE_URL": database_url(), "CELERY_BROKER_URL": settings.CELERY_BROKER_URL})
        port = free_port()
        command = [PYTHON, "manage.py", "serve", f"127.0.0.1:{port}", "--stop-timeout", str(stop_timeout)]
        if no_worker:
            command.append("--no-worker")
        log_path = tmp_path / f"serve-{len(started)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        serve = Serve(
            process=process, base_url=f"http://127.0.0.1:{port}", env=env, log_path=log_path, tag=tag
        )
        started.append(serve)
        seed = serve.helper("seed")
        serve.store, serve.token, serve.session = seed["store"], seed["token"], seed["session"]
        wait_for(serve.web_is_up, START_TIMEOUT, f"serve's web server\n{serve.log()[-3000:]}")
        return serve

    yield start
    for serve in started:
        for process in [*tagged_processes(serve.tag)]:
            process.kill()
        if serve.process.poll() is None:
            serve.process.kill()
        serve.process.wait(timeout=30)
    if purge:
        from ecomai.celery import app as celery_app

        celery_app.control.purge()


def _stop(serve: Serve, signum: int, timeout: float = 60) -> int:
    serve.process.send_signal(signum)
    try:
        return serve.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"serve did not stop on {signum!r}\n{serve.log()[-4000:]}") from None


@pytest.mark.parametrize("stack", ["sqlite", "postgres"])
def test_a_killed_worker_comes_back_and_the_job_finishes(
    transactional_db: Any, start_serve: Any, stack: str
) -> None:
    serve = start_serve(stack)
    wait_for(lambda: serve.child_pids("worker") and serve.child_pids("beat"), START_TIMEOUT, "the children")
    total = 12
    job_id = serve.helper("job", str(serve.store), str(total), "0.4")["job"]
    wait_for(lambda: serve.job(job_id)["done_count"] >= 3, START_TIMEOUT, "the first items")
    assert serve.job(job_id)["queue_status"]["state"] == "ok"

    [worker] = serve.child_pids("worker")
    [beat] = serve.child_pids("beat")
    # The one worker command line (apps/core/workers.py), as compose and the other tests run it.
    hostname = f"embedded@{socket.gethostname()}"
    assert psutil.Process(worker).cmdline() == celery_worker_argv(
        concurrency=WORKER_THREADS, hostname=hostname
    )
    schedule = Path(serve.env["ECOMAI_VAR_DIR"]) / "celerybeat-schedule"
    assert psutil.Process(beat).cmdline() == celery_beat_argv(schedule=schedule)

    os.kill(worker, signal.SIGKILL)

    seen: dict[str, str] = {}

    def restarting_seen() -> bool:
        detail = serve.job(job_id)
        if detail["queue_status"] and detail["queue_status"]["state"] == "restarting":
            seen["api"] = detail["queue_status"]["message"]
            page = serve.job_page(job_id)
            if 'data-queue-state="restarting"' in page:
                seen["page"] = page
        return "page" in seen

    wait_for(restarting_seen, 30, "the job to report its worker restarting", interval=0.1)
    assert "killed by signal 9 (SIGKILL)" in seen["api"]
    assert "The worker is restarting" in seen["page"]
    assert "stopped unexpectedly: killed by signal 9 (SIGKILL)" in serve.log()

    wait_for(lambda: serve.child_pids("worker") not in ([], [worker]), 30, "a new worker")
    wait_for(lambda: serve.job(job_id)["status"] == "succeeded", 120, f"the job\n{serve.log()[-3000:]}")
    detail = serve.job(job_id)
    assert (detail["done_count"], detail["failed_count"], detail["queue_status"]) == (total, 0, None)
    assert "data-queue-state" not in serve.job_page(job_id)

    assert _stop(serve, signal.SIGTERM) == 0
    assert tagged_processes(serve.tag) == []


@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=["SIGTERM", "SIGINT", "SIGHUP"]
)
def test_a_stop_signal_stops_every_process(start_serve: Any, signum: int) -> None:
    serve = start_serve("sqlite", stop_timeout=4)
    wait_for(lambda: serve.child_pids("worker") and serve.child_pids("beat"), START_TIMEOUT, "the children")
    # A task that will not finish within the stop timeout: the warm shutdown waits, then it is killed.
    job_id = serve.helper("job", str(serve.store), "3", "60")["job"]
    wait_for(lambda: serve.job(job_id)["status"] == "running", START_TIMEOUT, "the job to start")
    tree = [serve.process.pid, *(process.pid for process in descendants(serve.process.pid))]
    # serve, gunicorn's master and its worker, the Celery worker, beat.
    assert len(tree) >= 5, describe(descendants(serve.process.pid))

    assert _stop(serve, signum) == 0

    left = tagged_processes(serve.tag)
    assert left == [], describe(left)
    assert not [pid for pid in tree if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
    log = serve.log()
    assert f"stopping on {signal.Signals(signum).name}" in log
    assert "worker (pid" in log and "did not stop in time; killing it" in log
    assert "Warm shutdown" in log


def test_a_killed_serve_takes_its_children_with_it(start_serve: Any) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("parent-death signals are Linux only")
    serve = start_serve("sqlite")
    wait_for(lambda: serve.child_pids("worker") and serve.child_pids("beat"), START_TIMEOUT, "the children")
    assert len(descendants(serve.process.pid)) >= 4

    serve.process.kill()
    serve.process.wait(timeout=10)

    wait_for(lambda: tagged_processes(serve.tag) == [], 15, "serve's children to die with it")


def test_no_worker_is_shown_until_a_worker_runs(start_serve: Any, tmp_path: Path) -> None:
    serve = start_serve("sqlite", no_worker=True)
    job_id = serve.helper("job", str(serve.store), "6", "1")["job"]

    status = serve.job(job_id)["queue_status"]
    assert (status["queue"], status["state"], status["consumers"]) == ("default", "no_worker", 0)
    assert "python manage.py worker --queues default" in status["message"]
    page = serve.job_page(job_id)
    assert 'data-queue-state="no_worker"' in page and "No worker is running" in page
    assert "manage.py worker --queues default" in page
    assert 'data-queue-state="no_worker"' in serve.page(f"/s/{serve.store}/jobs/")

    with (tmp_path / "worker.log").open("wb") as log:
        worker = subprocess.Popen(
            celery_worker_argv(queues=["default"], concurrency=1, hostname="late@%h"),
            cwd=ROOT,
            env=serve.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: serve.job(job_id)["queue_status"]["state"] == "ok", START_TIMEOUT, "the worker")
        status = serve.job(job_id)["queue_status"]
        assert (status["state"], status["consumers"], status["message"]) == ("ok", 1, "")
        assert status["last_seen"] is not None
        assert "data-queue-state" not in serve.job_page(job_id)
        assert "data-queue-state" not in serve.page(f"/s/{serve.store}/jobs/")
        wait_for(lambda: serve.job(job_id)["status"] == "succeeded", START_TIMEOUT, "the job")
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    assert _stop(serve, signal.SIGTERM) == 0
