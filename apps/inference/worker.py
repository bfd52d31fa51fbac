"""Starts the inference endpoint (server.py) in a worker that consumes the ``inference`` queue.

Connected to Celery's worker signals when Django starts (``InferenceConfig.ready``); they fire
only in workers, and only a worker with ``INFERENCE_SERVER_LISTEN`` set listens.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import worker_ready, worker_shutdown
from django.conf import settings

logger = logging.getLogger(__name__)


def _consumes_inference(sender: Any) -> bool:
    consumer = getattr(sender, "task_consumer", None)
    queues = getattr(consumer, "queues", None) or []
    return any(queue.name == "inference" for queue in queues)


@worker_ready.connect
def _start_endpoint(sender: Any = None, **kwargs: Any) -> None:
    listen = str(getattr(settings, "INFERENCE_SERVER_LISTEN", "") or "")
    if not listen or not _consumes_inference(sender):
        return
    if not listen.startswith("unix:") and not settings.INFERENCE_SERVER_TOKEN:
        logger.error(
            "INFERENCE_SERVER_LISTEN=%s is a network address but INFERENCE_SERVER_TOKEN is empty: the "
            "endpoint does not start, interactive calls use the queue",
            listen,
        )
        return
    from . import server

    try:
        server.start(listen)
    except OSError as error:
        logger.error(
            "the inference endpoint could not listen on %s (%s); interactive calls use the queue",
            listen,
            error,
        )


@worker_shutdown.connect
def _stop_endpoint(**kwargs: Any) -> None:
    from . import server

    server.stop()
