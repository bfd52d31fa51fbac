"""A merchant in a real browser: logs in, switches store and language, watches a job's live progress."""

from __future__ import annotations

import re
from typing import Any

import pytest

from apps.accounts.actor import Actor
from apps.jobs import services as job_services
from apps.jobs.models import Job
from tests.factories import MembershipFactory, StoreFactory

from .helpers import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_login_store_switch_language_and_live_job_progress(
    page: Any, live_server: Any, owner: Any, store: Any
) -> None:
    second = MembershipFactory(user=owner, store=StoreFactory(name="Tea House")).store
    log_in(page, live_server, owner.username)
    page.wait_for_url(re.compile(rf"/s/{store.pk}/$"))
    assert page.locator("h1").inner_text() == store.name

    page.select_option("#store-select", str(second.pk))
    page.wait_for_url(re.compile(rf"/s/{second.pk}/$"))
    assert page.locator("h1").inner_text() == "Tea House"

    job = job_services.job_create(
        store=second,
        kind="test.square",
        title="Squares",
        items=[(str(n), {"n": n}) for n in range(6)],
        actor=Actor.system(),
    )
    page.goto(f"{live_server.url}/s/{second.pk}/jobs/{job.pk}/")
    bar = page.locator("#job-progress progress")
    assert bar.get_attribute("value") == "0.0"

    # The worker makes progress; the page follows without a reload (htmx polls every 2 s).
    job_services.job_process_chunk(job_id=job.pk)
    page.wait_for_function("document.querySelector('#job-progress progress').value == 50")
    job_services.job_process_chunk(job_id=job.pk)
    page.wait_for_function(
        "document.querySelector('#job-progress .status').textContent.includes('Succeeded')"
    )
    assert Job.objects.get(pk=job.pk).status == Job.Status.SUCCEEDED
    assert "6 of 6 done, 0 failed" in page.locator(".progress-numbers").inner_text()

    with page.expect_navigation():
        page.select_option("select[name=language]", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator(".sidebar").inner_text().count("任务") == 1
    assert "已完成 6 / 6，失败 0" in page.locator(".progress-numbers").inner_text()
