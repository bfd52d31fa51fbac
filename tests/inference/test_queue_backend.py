"""The web side of queued inference: what a caller gets when the worker fails or never answers."""

from __future__ import annotations

from typing import Any

import pytest
from celery import states

from apps import inference
from apps.inference import tasks
from apps.inference.backends.queue import QueueBackend
from apps.inference.errors import InferenceError, TransientInferenceError
from apps.inference.registry import ModelSpec
from apps.inference.types import GenerationRequest

from .queue_failures import fail_queued_calls, lose_workers, revoke_queued_calls

SPEC = ModelSpec(key="queued", task="generate", path="unused")
ENCODER = ModelSpec(key="queued-encoder", task="embed", path="unused")


def test_a_call_whose_worker_was_killed_is_transient(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = lose_workers(monkeypatch)
    backend = QueueBackend(timeout_seconds=30)
    with pytest.raises(TransientInferenceError, match=r"stopped before it answered.*WorkerLostError"):
        backend.generate([GenerationRequest(prompt="the shirt fits")], SPEC)
    with pytest.raises(TransientInferenceError, match="WorkerLostError"):
        backend.embed(["the shirt fits"], ENCODER)
    with pytest.raises(TransientInferenceError, match="WorkerLostError"):
        list(backend.generate_stream(GenerationRequest(prompt="the shirt fits"), SPEC))
    assert len(sent) == 3
    # The failures were read from the result backend, then removed from it.
    for task_id in sent:
        assert tasks.inference_run_task.backend.get_task_meta(task_id)["status"] == states.PENDING


def test_the_client_routes_web_calls_to_the_queue_and_passes_the_transient_error_on(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.INFERENCE_BACKEND, settings.INFERENCE_IN_PROCESS = "local", False
    lose_workers(monkeypatch)
    with pytest.raises(inference.TransientInferenceError, match="WorkerLostError"):
        inference.generate([GenerationRequest(prompt="the shirt fits")])


def test_a_revoked_call_is_transient(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = revoke_queued_calls(monkeypatch)
    backend = QueueBackend(timeout_seconds=30)
    with pytest.raises(TransientInferenceError, match=r"stopped before it answered.*revoked"):
        backend.classify(["the shirt fits"], ENCODER)
    with pytest.raises(TransientInferenceError, match="revoked"):
        list(backend.generate_stream(GenerationRequest(prompt="the shirt fits"), SPEC))
    assert len(sent) == 2


def test_a_task_that_failed_by_itself_stays_permanent(monkeypatch: pytest.MonkeyPatch) -> None:
    fail_queued_calls(monkeypatch, ValueError("Unknown inference operation 'translate'."))
    with pytest.raises(InferenceError, match="Unknown inference operation") as raised:
        QueueBackend(timeout_seconds=30).generate([GenerationRequest(prompt="x")], SPEC)
    assert not isinstance(raised.value, TransientInferenceError)


def test_no_answer_within_the_timeout_is_transient_and_revokes_the_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from celery.result import AsyncResult

    revoked: list[Any] = []
    monkeypatch.setattr(
        tasks.inference_run_task,
        "apply_async",
        lambda *a, **k: AsyncResult("never-answered", app=tasks.inference_run_task.app),
    )
    monkeypatch.setattr(tasks.inference_run_task.app.control, "revoke", revoked.append)
    with pytest.raises(TransientInferenceError, match="No inference worker answered"):
        QueueBackend(timeout_seconds=0.05).generate([GenerationRequest(prompt="x")], SPEC)
    assert revoked == ["never-answered"]
