"""Job throughput for the jobs page's chart: items finished per hour, or per day once older, per store."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.accounts.actor import Actor
from apps.jobs.models import JobItem
from apps.jobs.selectors import job_throughput
from apps.jobs.services import job_create

pytestmark = pytest.mark.django_db


def _finish(store: Any, ages: list[tuple[timedelta, str]]) -> None:
    job = job_create(
        store=store,
        kind="test.square",
        items=[(str(n), {"n": n}) for n in range(len(ages))],
        actor=Actor.system(),
    )
    for item, (age, status) in zip(job.items.order_by("position"), ages, strict=True):
        JobItem.objects.filter(pk=item.pk).update(status=status, finished_at=timezone.now() - age)


def test_recent_work_is_counted_by_the_hour_with_empty_hours_kept(store: Any, other_store: Any) -> None:
    _finish(
        store,
        [
            (timedelta(minutes=5), "succeeded"),
            (timedelta(minutes=6), "failed"),
            (timedelta(hours=3, minutes=1), "succeeded"),
        ],
    )
    _finish(other_store, [(timedelta(minutes=5), "succeeded")] * 4)
    throughput = job_throughput(store=store)
    assert throughput.bucket == "hour"
    assert sum(throughput.succeeded) == 2 and sum(throughput.failed) == 1
    assert len(throughput.periods) in (4, 5)  # three hours apart, whatever the minute now is
    assert throughput.succeeded[0] == 1 and throughput.succeeded[-1] + throughput.failed[-1] >= 1


def test_older_work_is_counted_by_the_day_and_cancelled_items_are_left_out(store: Any) -> None:
    _finish(
        store,
        [
            (timedelta(days=5), "succeeded"),
            (timedelta(days=1), "succeeded"),
            (timedelta(hours=1), "cancelled"),
            (timedelta(days=20), "succeeded"),
        ],
    )
    throughput = job_throughput(store=store)
    assert throughput.bucket == "day"
    assert sum(throughput.succeeded) == 2 and sum(throughput.failed) == 0
    assert len(throughput.periods) in (5, 6)


def test_no_finished_item_is_an_empty_chart(store: Any) -> None:
    assert job_throughput(store=store).periods == []
