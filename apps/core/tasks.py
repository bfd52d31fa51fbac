"""Queueing Celery tasks from services: by name, once the surrounding transaction commits.

Services send tasks by name rather than importing the task functions, so a module's services
and its tasks (which call those services) never import each other.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(name: str, *, args: Sequence[Any] = (), queue: str = "default") -> None:
    """Send task ``name`` when the transaction commits (at once outside one); a broker error is logged."""

    def send() -> None:
        from celery import current_app

        try:
            current_app.send_task(name, args=list(args), queue=queue)
        except Exception:
            # What was committed stays; each module's beat recovery re-queues work whose task was lost.
            logger.exception("could not queue task %s%r", name, tuple(args))

    transaction.on_commit(send)
