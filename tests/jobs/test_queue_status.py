"""Whether a worker consumes a job's queue: the rules, the API field, the dashboard, both languages.

The heartbeat rows are written here as the workers and ``serve`` write them (through the same
services); tests/jobs/test_worker.py and tests/core/test_serve.py check it with real workers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.actor import Actor
from apps.core import services as worker_services
from apps.core.models import WorkerHeartbeat
from apps.core.selectors import queue_status_get, queue_statuses
from apps.jobs import services
from apps.jobs.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _heartbeat_every_ten_seconds(settings: Any) -> None:
    settings.WORKER_HEARTBEAT_SECONDS = 10
    settings.CELERY_TASK_ALWAYS_EAGER = False


def beat(hostname: str, queues: list[str], *, ago: float = 0, pid: int = 100) -> None:
    worker_services.worker_heartbeat_record(
        hostname=hostname, queues=queues, pid=pid, started_at=timezone.now()
    )
    WorkerHeartbeat.objects.filter(hostname=hostname).update(
        last_seen=timezone.now() - timedelta(seconds=ago)
    )


def make_job(store: Any, **params: Any) -> Job:
    # on_commit never fires inside the test's transaction: nothing is queued, the job stays queued.
    return services.job_create(
        store=store, kind="test.square", items=[("1", {"n": 1})], actor=Actor.system(), params=params
    )


def test_no_worker_ever_seen() -> None:
    statuses = queue_statuses()
    assert set(statuses) == {"default", "inference", "training"}
    status = statuses["inference"]
    assert (status.state, status.consumers, status.last_seen, status.restart_at) == (
        "no_worker",
        0,
        None,
        None,
    )
    assert "python manage.py worker --queues inference" in status.message


def test_a_fresh_heartbeat_counts_for_the_queues_it_consumes_only() -> None:
    beat("embedded@shop", ["default", "inference"])
    beat("second@shop", ["default"], ago=5)
    statuses = queue_statuses()
    assert (statuses["default"].state, statuses["default"].consumers) == ("ok", 2)
    assert (statuses["inference"].state, statuses["inference"].consumers) == ("ok", 1)
    assert statuses["default"].message == ""
    assert (statuses["training"].state, statuses["training"].consumers) == ("no_worker", 0)


def test_a_worker_silent_for_three_heartbeats_is_gone() -> None:
    beat("embedded@shop", ["default"], ago=29)
    assert queue_status_get(queue="default").state == "ok"
    beat("embedded@shop", ["default"], ago=31)
    status = queue_status_get(queue="default")
    assert (status.state, status.consumers) == ("no_worker", 0)
    assert status.last_seen is not None and timezone.now() - status.last_seen > timedelta(seconds=30)


def test_a_worker_shutting_down_or_stopped_consumes_nothing() -> None:
    worker_services.worker_heartbeat_record(
        hostname="embedded@shop", queues=["default"], pid=100, started_at=timezone.now(), stopping=True
    )
    assert queue_status_get(queue="default").state == "no_worker"
    beat("embedded@shop", ["default"], pid=100)
    worker_services.worker_stopped_record(hostname="embedded@shop", pid=100)
    assert queue_status_get(queue="default").state == "no_worker"


def test_a_stop_of_an_older_process_does_not_hide_its_successor() -> None:
    beat("embedded@shop", ["default"], pid=200)
    worker_services.worker_stopped_record(hostname="embedded@shop", pid=100)
    assert queue_status_get(queue="default").state == "ok"


def test_a_worker_being_restarted_says_why_and_how_often() -> None:
    beat("embedded@shop", ["default", "inference", "training"], pid=100)
    worker_services.worker_restarting_record(
        hostname="embedded@shop",
        queues=["default", "inference", "training"],
        pid=100,
        exit_reason="killed by signal 9 (SIGKILL)",
        recent_exits=3,
        restart_in=4,
    )
    status = queue_status_get(queue="inference")
    assert (status.state, status.consumers, status.recent_exits) == ("restarting", 0, 3)
    assert status.restart_at is not None and status.restart_at > timezone.now()
    assert "killed by signal 9 (SIGKILL)" in status.message
    assert "stops in the last 10 minutes: 3" in status.message

    # The new process's first heartbeat ends it.
    beat("embedded@shop", ["default", "inference", "training"], pid=101)
    status = queue_status_get(queue="inference")
    assert (status.state, status.consumers, status.restart_at, status.exit_reason) == ("ok", 1, None, "")


def test_another_worker_on_the_queue_makes_a_restart_unremarkable() -> None:
    worker_services.worker_restarting_record(
        hostname="embedded@shop", queues=["default"], pid=1, exit_reason="x", recent_exits=1, restart_in=1
    )
    beat("other@shop", ["default"])
    assert queue_status_get(queue="default").state == "ok"


def test_a_restart_that_never_came_is_no_worker() -> None:
    worker_services.worker_restarting_record(
        hostname="embedded@shop", queues=["default"], pid=1, exit_reason="x", recent_exits=1, restart_in=1
    )
    WorkerHeartbeat.objects.update(restart_at=timezone.now() - timedelta(minutes=3))
    assert queue_status_get(queue="default").state == "no_worker"


def test_old_rows_are_forgotten() -> None:
    beat("gone@shop", ["default"])
    WorkerHeartbeat.objects.update(updated_at=timezone.now() - timedelta(days=8))
    beat("here@shop", ["default"])
    assert worker_services.worker_heartbeats_forget_old() == 1
    assert list(WorkerHeartbeat.objects.values_list("hostname", flat=True)) == ["here@shop"]


# --- the API -------------------------------------------------------------------------------


def test_job_detail_has_the_queue_status_of_an_active_job(api_client: Any, store: Any) -> None:
    job = make_job(store)
    url = f"/api/v1/stores/{store.pk}/jobs/{job.pk}/"
    status = api_client.get(url).json()["queue_status"]
    assert {key: status[key] for key in ("queue", "state", "consumers", "last_seen", "restart_at")} == {
        "queue": "default",
        "state": "no_worker",
        "consumers": 0,
        "last_seen": None,
        "restart_at": None,
    }
    assert "manage.py worker --queues default" in status["message"]

    beat("embedded@shop", ["default"])
    status = api_client.get(url).json()["queue_status"]
    assert (status["state"], status["consumers"], status["message"]) == ("ok", 1, "")
    assert status["last_seen"] is not None

    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED)
    assert api_client.get(url).json()["queue_status"] is None


def test_the_message_follows_the_request_language(api_client: Any, store: Any) -> None:
    job = make_job(store)
    url = f"/api/v1/stores/{store.pk}/jobs/{job.pk}/"
    message = api_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["queue_status"]["message"]
    assert "没有" in message and "python manage.py worker --queues default" in message


def test_job_list_reads_the_heartbeats_once(api_client: Any, store: Any) -> None:
    for _ in range(3):
        make_job(store)
    url = f"/api/v1/stores/{store.pk}/jobs/"
    with CaptureQueriesContext(connection) as captured:
        body = api_client.get(url).json()
    assert [job["queue_status"]["state"] for job in body["results"]] == ["no_worker"] * 3
    assert sum("core_workerheartbeat" in query["sql"] for query in captured.captured_queries) == 1


def test_schema_documents_the_queue_status(api_client: Any) -> None:
    schema = api_client.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    job = components["JobOutput"]["properties"]["queue_status"]
    assert job.get("nullable") is True or any(
        option.get("type") == "null" for option in job.get("oneOf", []) + job.get("anyOf", [])
    )
    queue_status = components["QueueStatus"]["properties"]
    assert set(queue_status) == {"queue", "state", "consumers", "last_seen", "restart_at", "message"}
    state_ref = queue_status["state"].get("$ref") or queue_status["state"]["allOf"][0]["$ref"]
    state = components[state_ref.rsplit("/", 1)[-1]]
    assert state["enum"] == ["ok", "restarting", "no_worker"]


# --- the dashboard ---------------------------------------------------------------------------


@pytest.fixture
def dashboard(client: Any, owner: Any) -> Any:
    client.force_login(owner)
    return client


def test_job_page_says_no_worker_is_running_and_what_to_do(dashboard: Any, store: Any) -> None:
    job = make_job(store)
    for url in (f"/s/{store.pk}/jobs/{job.pk}/", f"/s/{store.pk}/jobs/{job.pk}/progress/"):
        page = dashboard.get(url).content.decode()
        assert 'data-queue-state="no_worker"' in page
        assert "No worker is running" in page
        assert "python manage.py worker --queues default" in page
    assert 'data-queue-state="no_worker"' in dashboard.get(f"/s/{store.pk}/jobs/").content.decode()


def test_job_page_says_the_worker_is_restarting(dashboard: Any, store: Any) -> None:
    job = make_job(store)
    worker_services.worker_restarting_record(
        hostname="embedded@shop",
        queues=["default"],
        pid=1,
        exit_reason="exited with code 1",
        recent_exits=1,
        restart_in=2,
    )
    page = dashboard.get(f"/s/{store.pk}/jobs/{job.pk}/progress/").content.decode()
    assert 'data-queue-state="restarting"' in page
    assert "The worker is restarting" in page and "exited with code 1" in page
    assert "stops in the last 10 minutes: 1" in page


def test_job_page_is_quiet_while_a_worker_runs_and_once_the_job_is_done(dashboard: Any, store: Any) -> None:
    job = make_job(store)
    beat("embedded@shop", ["default"])
    assert "data-queue-state" not in dashboard.get(f"/s/{store.pk}/jobs/{job.pk}/").content.decode()
    WorkerHeartbeat.objects.all().delete()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED)
    assert "data-queue-state" not in dashboard.get(f"/s/{store.pk}/jobs/{job.pk}/").content.decode()
    assert "data-queue-state" not in dashboard.get(f"/s/{store.pk}/jobs/").content.decode()


def test_job_page_in_chinese(dashboard: Any, store: Any) -> None:
    job = make_job(store)
    page = dashboard.get(f"/s/{store.pk}/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "没有正在运行的工作进程" in page


def test_another_stores_job_answers_404(api_client: Any, other_store: Any) -> None:
    job = make_job(other_store)
    response = api_client.get(f"/api/v1/stores/{other_store.pk}/jobs/{job.pk}/")
    assert response.status_code == 404
