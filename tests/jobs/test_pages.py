"""The job page's feedback: how a job ended arrives as a toast, and a failed one says what to do next."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from apps.accounts.actor import Actor
from apps.jobs.models import Job, JobItem
from apps.jobs.services import job_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(owner: Any) -> Client:
    client = Client()
    client.force_login(owner)
    return client


def _job(store: Any, statuses: list[str], job_status: str) -> Job:
    job = job_create(
        store=store,
        kind="test.square",
        title="Squares",
        items=[(str(n), {"n": n}) for n in range(len(statuses))],
        actor=Actor.system(),
    )
    for item, status in zip(job.items.order_by("position"), statuses, strict=True):
        JobItem.objects.filter(pk=item.pk).update(status=status, error="boom" if status == "failed" else "")
    done, failed = statuses.count("succeeded"), statuses.count("failed")
    Job.objects.filter(pk=job.pk).update(status=job_status, done_count=done, failed_count=failed)
    return Job.objects.get(pk=job.pk)


def test_a_running_job_polls_without_a_toast(browser: Client, store: Any) -> None:
    job = _job(store, ["succeeded", "pending"], "running")
    response = browser.get(f"/s/{store.pk}/jobs/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert "HX-Trigger" not in response and 'hx-trigger="every 2s"' in response.content.decode()


def test_the_last_poll_of_a_finished_job_raises_a_toast(browser: Client, store: Any) -> None:
    job = _job(store, ["succeeded", "succeeded"], "succeeded")
    response = browser.get(f"/s/{store.pk}/jobs/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert json.loads(response["HX-Trigger"]) == {
        "toast": {"message": "Squares finished: 2 of 2 done.", "level": "success"}
    }


def test_a_job_with_failures_says_what_to_do_in_the_toast_and_on_the_page(
    browser: Client, store: Any
) -> None:
    job = _job(store, ["succeeded", "failed", "failed"], "failed")
    response = browser.get(f"/s/{store.pk}/jobs/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    toast = json.loads(response["HX-Trigger"])["toast"]
    assert toast["level"] == "error" and "2 failed of 3" in toast["message"] and "retry" in toast["message"]
    page = browser.get(f"/s/{store.pk}/jobs/{job.pk}/").content.decode()
    assert "What to do:" in page and "Retry failed items" in page and "boom" in page
