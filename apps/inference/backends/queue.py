"""The web process's backend: send the work to the ``inference`` queue and wait for the answer.

It keeps torch out of the web process. Results come back through the Celery result backend
(a folder under VAR_DIR on the embedded default, Redis in production), read by polling, so
the same code works on both; a stream is relayed from the "text so far" the worker publishes.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from typing import Any

from celery import states
from celery.exceptions import TaskRevokedError, Terminated, TimeLimitExceeded, WorkerLostError
from django.conf import settings

from .. import errors
from ..registry import ModelSpec, spec_to_dict
from ..types import Classification, Embedding, Generation, GenerationRequest, StreamEvent
from .base import EmbedKind

# Polling interval grows from the first to the second value while waiting.
POLL_SECONDS = (0.01, 0.2)
STREAM_POLL_SECONDS = 0.03
# Failures Celery records when the process running a task was killed (out of memory, a
# deploy, a hard time limit) or the task was revoked (by an operator, or by a caller that
# stopped waiting), not when the task itself failed: the same call can succeed on another try, so they are
# transient.
WORKER_GONE = (WorkerLostError, Terminated, TimeLimitExceeded, TaskRevokedError)


def _raise_remote(error: dict[str, str]) -> None:
    cls = getattr(errors, error.get("type", ""), None)
    if not (isinstance(cls, type) and issubclass(cls, errors.InferenceError)):
        cls = errors.InferenceError
    raise cls(error.get("message", "inference failed on the worker"))


class _Poller:
    """Reads one queued task's state from the result backend until it finishes or times out."""

    def __init__(self, task: Any, task_id: str, timeout_seconds: float) -> None:
        self.task, self.task_id = task, task_id
        self.timeout_seconds = timeout_seconds
        self.deadline = time.monotonic() + timeout_seconds

    def poll(self) -> tuple[bool, Any]:
        """(True, result) once finished; (False, published progress or None) before."""
        from .. import tasks

        store = self.task.backend
        try:
            meta = store.get_task_meta(self.task_id, cache=False)
        except (ValueError, EOFError, OSError):
            meta = {"status": states.PENDING}  # a result file caught mid-write: read it next time
        status = meta.get("status")
        if status == states.SUCCESS:
            self._forget()
            result = meta["result"]
            if "error" in result:
                _raise_remote(result["error"])
            return True, result["ok"]
        if status in states.PROPAGATE_STATES:
            self._forget()
            failure = meta.get("result")
            if status == states.REVOKED or isinstance(failure, WORKER_GONE):
                raise errors.TransientInferenceError(
                    f"The inference worker running this call was stopped before it answered "
                    f"({failure!r:.200}); try again."
                )
            raise errors.InferenceError(f"The inference worker failed: {failure!r:.300}")
        if time.monotonic() > self.deadline:
            self.task.app.control.revoke(self.task_id)
            raise errors.TransientInferenceError(
                f"No inference worker answered within {self.timeout_seconds:.0f}s; is a worker "
                "consuming the 'inference' queue?"
            )
        progress = meta.get("result") if status == tasks.STREAMING else None
        return False, progress if isinstance(progress, dict) else None

    def _forget(self) -> None:
        # Best effort: a result left behind only costs space until it expires.
        with contextlib.suppress(Exception):
            self.task.backend.forget(self.task_id)


class QueueBackend:
    name = "queue"

    def __init__(self, *, timeout_seconds: float | None = None) -> None:
        self.timeout_seconds = timeout_seconds or float(settings.INFERENCE_QUEUE_TIMEOUT_SECONDS)

    def _run(self, operation: str, spec: ModelSpec, payload: dict[str, Any]) -> list[dict[str, Any]]:
        from ..tasks import inference_run_task

        sent = inference_run_task.apply_async(
            args=(operation, spec_to_dict(spec), payload), queue="inference"
        )
        poller = _Poller(inference_run_task, sent.id, self.timeout_seconds)
        delay = POLL_SECONDS[0]
        while True:
            finished, result = poller.poll()
            if finished:
                return list(result)
            time.sleep(delay)
            delay = min(delay * 1.5, POLL_SECONDS[1])

    def generate(self, requests: Sequence[GenerationRequest], spec: ModelSpec) -> list[Generation]:
        rows = self._run("generate", spec, {"requests": [request.to_dict() for request in requests]})
        return [Generation.from_dict(row) for row in rows]

    def classify(self, texts: Sequence[str], spec: ModelSpec) -> list[Classification]:
        return [Classification.from_dict(row) for row in self._run("classify", spec, {"texts": list(texts)})]

    def embed(self, texts: Sequence[str], spec: ModelSpec, *, kind: EmbedKind = "passage") -> list[Embedding]:
        rows = self._run("embed", spec, {"texts": list(texts), "kind": kind})
        return [Embedding.from_dict(row) for row in rows]

    def generate_stream(self, request: GenerationRequest, spec: ModelSpec) -> Iterator[StreamEvent]:
        from ..tasks import inference_stream_task

        sent_task = inference_stream_task.apply_async(
            args=(spec_to_dict(spec), request.to_dict()), queue="inference"
        )
        poller = _Poller(inference_stream_task, sent_task.id, self.timeout_seconds)
        sent = 0
        while True:
            finished, result = poller.poll()
            if finished:
                yield StreamEvent(
                    delta=result["text"][sent:],
                    finish_reason=result["finish_reason"],
                    prompt_tokens=result["prompt_tokens"],
                    completion_tokens=result["completion_tokens"],
                )
                return
            text = str(result.get("text", "")) if result else ""
            if len(text) > sent:
                yield StreamEvent(delta=text[sent:])
                sent = len(text)
            time.sleep(STREAM_POLL_SECONDS)
