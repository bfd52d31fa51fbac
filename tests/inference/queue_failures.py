"""Queued inference calls whose worker dies while it runs them.

When the pool process running a task is killed (out of memory, a deploy), the worker's parent
records the task as failed with ``WorkerLostError`` in the result backend. These helpers record
exactly that in the real result backend for every inference task sent, instead of publishing it
to a broker, so the web side's waiting and error handling run for real.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

WORKER_KILLED = "Worker exited prematurely: signal 9 (SIGKILL) Job: 0."


def fail_queued_calls(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> list[str]:
    """From now on every inference task sent fails with ``error``; returns the ids of those sent."""
    from celery.result import AsyncResult

    from apps.inference import tasks

    sent: list[str] = []
    for task in (tasks.inference_run_task, tasks.inference_stream_task):

        def apply_async(*args: Any, _task: Any = task, **kwargs: Any) -> AsyncResult:
            task_id = str(uuid.uuid4())
            _task.backend.mark_as_failure(task_id, error)
            sent.append(task_id)
            return AsyncResult(task_id, app=_task.app)

        monkeypatch.setattr(task, "apply_async", apply_async)
    return sent


def lose_workers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every inference task sent from now on has its worker killed under it."""
    from celery.exceptions import WorkerLostError

    return fail_queued_calls(monkeypatch, WorkerLostError(WORKER_KILLED))


def revoke_queued_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every inference task sent from now on is revoked before a worker answers it."""
    from celery.result import AsyncResult

    from apps.inference import tasks

    sent: list[str] = []
    for task in (tasks.inference_run_task, tasks.inference_stream_task):

        def apply_async(*args: Any, _task: Any = task, **kwargs: Any) -> AsyncResult:
            task_id = str(uuid.uuid4())
            _task.backend.mark_as_revoked(task_id, reason="revoked by an operator")
            sent.append(task_id)
            return AsyncResult(task_id, app=_task.app)

        monkeypatch.setattr(task, "apply_async", apply_async)
    return sent
