"""Job throughput for the jobs page's chart: items finished per hour, or per day once older, per store."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.accounts.actor import Actor
from apps.jobs.models import JobItem
from apps.jobs.selectors import job_throughput
from apps.jobs.services import job_create

pytestmark = pytest.mark.django_db


# A fixed "now" half-way through an hour (and a day) in the past: which hour or day each item falls
# in does not depend on the minute the test runs at.
NOW = (timezone.now() - timedelta(days=1)).replace(hour=12, minute=30, second=0, microsecond=0)


def _finish(store: Any, ages: list[tuple[timedelta, str]], now: datetime = NOW) -> None:
    job = job_create(
        store=store,
        kind="test.square",
        items=[(str(n), {"n": n}) for n in range(len(ages))],
        actor=Actor.system(),
    )
    for item, (age, status) in zip(job.items.order_by("position"), ages, strict=True):
        JobItem.objects.filter(pk=item.pk).update(status=status, finished_at=now - age)


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
    throughput = job_throughput(store=store, now=NOW)
    assert throughput.bucket == "hour"
    assert sum(throughput.succeeded) == 2 and sum(throughput.failed) == 1
    # 09:29 to 12:25: four hours, the two between them kept empty.
    assert throughput.periods == [NOW.replace(minute=0) - timedelta(hours=h) for h in (3, 2, 1, 0)]
    assert (throughput.succeeded, throughput.failed) == ([1, 0, 0, 1], [0, 0, 0, 1])


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
    throughput = job_throughput(store=store, now=NOW)
    assert throughput.bucket == "day"
    assert sum(throughput.succeeded) == 2 and sum(throughput.failed) == 0
    # Five days back to one day back, the days between kept; 20 days back is outside the 14 shown.
    midnight = NOW.replace(hour=0, minute=0)
    assert throughput.periods == [midnight - timedelta(days=d) for d in (5, 4, 3, 2, 1)]


def test_no_finished_item_is_an_empty_chart(store: Any) -> None:
    assert job_throughput(store=store).periods == []
