"""Celery tasks of the ``inference`` queue: the web process's requests, run by a worker.

Arguments and results are JSON (the spec travels with the work, so a store's activated model
is served even by a worker that never heard of it). Inference errors come back as values, so
the web side re-raises the same error class rather than a generic task failure. Importing
this module does not import torch; the tasks import the local backend when they run.
"""

from __future__ import annotations

import time
from typing import Any

from celery import shared_task

from .errors import InferenceError
from .lanes import lane
from .registry import spec_from_dict
from .server import error_payload, run_operation
from .types import GenerationRequest

STREAMING = "STREAMING"
# Seconds between progress writes of a stream: enough for a typing effect, few store writes.
STREAM_FLUSH_SECONDS = 0.05


@shared_task(name="inference.run", ignore_result=False)
def inference_run_task(operation: str, spec: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    # The web process waits for this answer: it joins the running batch ahead of bulk work.
    with lane("interactive"):
        return run_operation(operation, spec, payload)


@shared_task(bind=True, name="inference.stream", ignore_result=False)
def inference_stream_task(self: Any, spec: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """Generates one request, publishing the text so far as task state for the web to relay."""
    from .backends.local import LocalBackend

    text, last_flush = "", 0.0
    try:
        # A person waits for this stream: its rows join the running batch ahead of bulk work.
        with lane("interactive"):
            events = LocalBackend().generate_stream(
                GenerationRequest.from_dict(request), spec_from_dict(spec)
            )
        for event in events:
            text += event.delta
            if event.final:
                return {
                    "ok": {
                        "text": text,
                        "finish_reason": event.finish_reason,
                        "prompt_tokens": event.prompt_tokens,
                        "completion_tokens": event.completion_tokens,
                    }
                }
            now = time.monotonic()
            if now - last_flush >= STREAM_FLUSH_SECONDS:
                self.update_state(state=STREAMING, meta={"text": text})
                last_flush = now
    except InferenceError as error:
        return error_payload(error)
    raise InferenceError("The stream ended without a final event.")
