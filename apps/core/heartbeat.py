"""Worker presence: every ecomai worker keeps its ``WorkerHeartbeat`` row fresh while it runs.

Connected to Celery's worker signals when Django starts (``CoreConfig.ready``), so any worker of
the ``ecomai`` app writes it, however it was started. A thread of its own writes the row, so a
worker busy on long tasks still shows as alive, and a database that is briefly unreachable costs a
missed beat, never the worker.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from celery.signals import worker_ready, worker_shutdown, worker_shutting_down
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from . import services

logger = logging.getLogger(__name__)


class HeartbeatThread(threading.Thread):
    def __init__(self, *, hostname: str, queues: Callable[[], list[str]], interval: float) -> None:
        super().__init__(name="ecomai-worker-heartbeat", daemon=True)
        self.hostname = hostname
        self.queues = queues
        self.interval = interval
        self.started = timezone.now()
        self.stopping = False
        self._finished = False
        self._wake = threading.Event()
        self._failing = False

    def run(self) -> None:
        try:
            while not self._finished:
                self.beat()
                self._wake.wait(self.interval)
                self._wake.clear()
        finally:
            connection.close()

    def beat(self) -> None:
        try:
            close_old_connections()
            services.worker_heartbeat_record(
                hostname=self.hostname,
                queues=self.queues(),
                pid=os.getpid(),
                started_at=self.started,
                stopping=self.stopping,
            )
        except Exception as error:
            # Logged once per outage: a worker whose database is down has enough to say already.
            if not self._failing:
                logger.warning("worker heartbeat could not be written (will keep trying): %s", error)
            self._failing = True
            connection.close()
        else:
            if self._failing:
                logger.info("worker heartbeat written again")
            self._failing = False

    def wake(self, *, stopping: bool = False, finish: bool = False) -> None:
        self.stopping = self.stopping or stopping
        self._finished = self._finished or finish
        self._wake.set()


_thread: HeartbeatThread | None = None


def _consumed_queues(consumer: Any) -> Callable[[], list[str]]:
    last: list[str] = []

    def queues() -> list[str]:
        nonlocal last
        task_consumer = getattr(consumer, "task_consumer", None)
        if task_consumer is not None:  # None while the worker reconnects to the broker
            last = sorted(queue.name for queue in task_consumer.queues)
        return last

    return queues


@worker_ready.connect
def _start_heartbeat(sender: Any = None, **kwargs: Any) -> None:
    global _thread
    if _thread is not None and _thread.is_alive():
        return
    try:
        close_old_connections()
        services.worker_heartbeats_forget_old()
    except Exception as error:
        logger.warning("old worker heartbeats could not be cleared: %s", error)
    _thread = HeartbeatThread(
        hostname=sender.hostname,
        queues=_consumed_queues(sender),
        interval=float(settings.WORKER_HEARTBEAT_SECONDS),
    )
    _thread.start()


@worker_shutting_down.connect
def _mark_stopping(**kwargs: Any) -> None:
    # Runs inside the worker's signal handler: no database work here, the thread writes it.
    if _thread is not None:
        _thread.wake(stopping=True)


@worker_shutdown.connect
def _mark_stopped(**kwargs: Any) -> None:
    global _thread
    thread, _thread = _thread, None
    if thread is None:
        return
    thread.wake(finish=True)
    thread.join(timeout=5)
    try:
        close_old_connections()
        services.worker_stopped_record(hostname=thread.hostname, pid=os.getpid())
    except Exception as error:
        logger.warning("could not record that the worker stopped: %s", error)
    finally:
        connection.close()
