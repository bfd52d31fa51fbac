"""Writes of worker presence: heartbeats from the workers, restarts and stops from a supervisor."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.utils import timezone

from .models import WorkerHeartbeat

# Rows of workers unseen for this long are deleted when a worker starts.
FORGET_AFTER = timedelta(days=7)


def worker_heartbeat_record(
    *, hostname: str, queues: Sequence[str], pid: int, started_at: datetime, stopping: bool = False
) -> None:
    """The worker ``hostname`` is alive now and consumes ``queues`` (or is finishing its tasks)."""
    state = WorkerHeartbeat.State.STOPPING if stopping else WorkerHeartbeat.State.RUNNING
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname,
        defaults={
            "queues": sorted(queues),
            "pid": pid,
            "state": state,
            "started_at": started_at,
            "last_seen": timezone.now(),
            "restart_at": None,
        },
    )


def worker_stopped_record(*, hostname: str, pid: int) -> None:
    """The worker process ``pid`` has stopped; a newer process under the same name is left alone."""
    WorkerHeartbeat.objects.filter(hostname=hostname, pid=pid).update(
        state=WorkerHeartbeat.State.STOPPED, restart_at=None, updated_at=timezone.now()
    )


def worker_restarting_record(
    *,
    hostname: str,
    queues: Sequence[str],
    pid: int,
    exit_reason: str,
    recent_exits: int,
    restart_in: float,
) -> None:
    """A supervisor saw the worker process ``pid`` die and will start it again in ``restart_in`` s."""
    now = timezone.now()
    defaults = {
        "queues": sorted(queues),
        "pid": pid,
        "state": WorkerHeartbeat.State.RESTARTING,
        "restart_at": now + timedelta(seconds=restart_in),
        "exit_reason": exit_reason[:200],
        "recent_exits": recent_exits,
    }
    WorkerHeartbeat.objects.update_or_create(hostname=hostname, defaults=defaults)


def worker_heartbeats_forget_old() -> int:
    """Delete the rows of workers that have not been seen for a week; returns how many."""
    deleted, _ = WorkerHeartbeat.objects.filter(updated_at__lt=timezone.now() - FORGET_AFTER).delete()
    return deleted
