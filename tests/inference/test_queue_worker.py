"""The web -> worker path for real: two processes, a real broker, a real result backend.

The "web" side runs in a subprocess that must never import torch; a Celery worker consumes the
``inference`` queue. Both the embedded default (filesystem broker, results in a folder) and
production (Redis) are exercised; results must equal the in-process engine's.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apps.core.workers import celery_worker_argv
from apps.inference.backends.queue import QueueBackend
from apps.inference.registry import ModelSpec, spec_to_dict
from apps.inference.types import GenerationRequest

pytestmark = pytest.mark.worker

REDIS_URL = os.environ.get("INFERENCE_TEST_REDIS_URL", "redis://127.0.0.1:6379/2")
ROOT = Path(__file__).resolve().parents[2]

WEB_SCRIPT = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecomai.settings.test")
import django; django.setup()
from apps import inference
from apps.inference.registry import register_model, spec_from_dict
from apps.inference.types import GenerationRequest
for spec in json.loads(sys.argv[1]):
    register_model(spec_from_dict(spec))
prompts = ("the shirt fits", "delivery was late and the box")
requests = [GenerationRequest(prompt=p, max_new_tokens=6) for p in prompts]
out = {
    "generate": [g.to_dict() for g in inference.generate(requests, model="tiny-lm")],
    "embed": [e.to_dict() for e in inference.embed(["delivery was late", "great"], model="tiny-encoder")],
    "classify": [c.to_dict() for c in inference.classify(["delivery was late"], model="tiny-classifier")],
    "stream": [e.__dict__ for e in inference.generate_stream(
        GenerationRequest(prompt="the shirt fits", max_new_tokens=40), model="tiny-lm")],
}
try:
    inference.generate([GenerationRequest(prompt="great " * 90, max_new_tokens=8)], model="tiny-lm")
except inference.InvalidRequest as error:
    out["error"] = str(error)
out["backend"] = type(inference.client.backend_for("generate")).__name__
out["heavy_modules"] = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "transformers"))
print(json.dumps(out))
"""


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(params=["filesystem", "redis", "endpoint"])
def broker_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The web side's environment, with a worker consuming the ``inference`` queue.

    ``endpoint``: the worker also listens on its own socket (apps/inference/server.py) and the web
    side calls it there; the web side's broker is a folder no worker reads, so a call that fell
    back to the queue would time out instead of passing.
    """
    if request.param == "redis" and not _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "INFERENCE_"))}
    env.pop("DATABASE_URL", None)  # the inference path touches no database
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "ecomai.settings.test",
            "ECOMAI_VAR_DIR": str(tmp_path / "var"),
            "CELERY_BROKER_URL": "filesystem://" if request.param == "filesystem" else REDIS_URL,
            "INFERENCE_QUEUE_TIMEOUT_SECONDS": "120",
            "PYTHONPATH": str(ROOT),
        }
    )
    worker_env = dict(env)
    socket_path = tmp_path / "inference.sock"
    if request.param == "endpoint":
        worker_env["INFERENCE_SERVER_LISTEN"] = f"unix:{socket_path}"
        env["INFERENCE_SERVER_URL"] = f"unix:{socket_path}"
        env["CELERY_BROKER_URL"] = "filesystem://"
        env["ECOMAI_VAR_DIR"] = str(tmp_path / "web-var")
        env["INFERENCE_QUEUE_TIMEOUT_SECONDS"] = "60"
    queue_name = f"inference-test-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(
        celery_worker_argv(
            queues=["inference"], concurrency=1, hostname=f"{queue_name}@%h", loglevel="WARNING"
        ),
        cwd=ROOT,
        env=worker_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        if request.param == "endpoint":
            deadline = time.monotonic() + 120
            while not socket_path.exists():
                assert worker.poll() is None, "the worker exited"
                assert time.monotonic() < deadline, "the worker never listened on its socket"
                time.sleep(0.2)
        yield env
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def test_web_process_gets_worker_results_without_torch(broker_env: dict[str, str], tiny_specs, local) -> None:  # type: ignore[no-untyped-def]
    specs = [spec_to_dict(tiny_specs[name]) for name in ("lm", "encoder", "classifier")]
    done = subprocess.run(
        [sys.executable, "-c", WEB_SCRIPT, json.dumps(specs)],
        cwd=ROOT,
        env=broker_env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["heavy_modules"] == []
    assert out["backend"] == ("ServerBackend" if broker_env.get("INFERENCE_SERVER_URL") else "QueueBackend")

    backend, _ = local
    requests = [
        GenerationRequest(prompt=p, max_new_tokens=6)
        for p in ("the shirt fits", "delivery was late and the box")
    ]
    expected = [g.to_dict() for g in backend.generate(requests, tiny_specs["lm"])]
    assert out["generate"] == expected
    embeddings = backend.embed(["delivery was late", "great"], tiny_specs["encoder"])
    for got, want in zip(out["embed"], embeddings, strict=True):
        assert got["tokens"] == want.tokens and got["vector"] == pytest.approx(want.vector, abs=1e-6)
    assert (
        out["classify"][0]["label"]
        == backend.classify(["delivery was late"], tiny_specs["classifier"])[0].label
    )

    streamed = backend.generate(
        [GenerationRequest(prompt="the shirt fits", max_new_tokens=40)], tiny_specs["lm"]
    )[0]
    events = out["stream"]
    assert "".join(event["delta"] for event in events) == streamed.text
    assert [event["finish_reason"] is not None for event in events].count(True) == 1
    assert events[-1]["completion_tokens"] == streamed.completion_tokens
    assert "exceeds" in out["error"]  # the worker's InvalidRequest arrives as InvalidRequest


def test_stream_relay_turns_published_text_into_deltas(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the web side yields from the worker's successive "text so far" snapshots."""
    from apps.inference.backends import queue

    snapshots: list[tuple[bool, Any]] = [
        (False, None),
        (False, {"text": "Soft"}),
        (False, {"text": "Soft"}),
        (False, {"text": "Soft cotton"}),
        (
            True,
            {
                "text": "Soft cotton dress",
                "finish_reason": "length",
                "prompt_tokens": 3,
                "completion_tokens": 5,
            },
        ),
    ]

    class Sent:
        id = "task-1"

    monkeypatch.setattr(queue._Poller, "poll", lambda self: snapshots.pop(0))
    monkeypatch.setattr(queue, "STREAM_POLL_SECONDS", 0)
    monkeypatch.setattr("apps.inference.tasks.inference_stream_task.apply_async", lambda **kwargs: Sent())
    spec = ModelSpec(key="m", task="generate", path="unused")
    events = list(QueueBackend(timeout_seconds=5).generate_stream(GenerationRequest(prompt="x"), spec))
    assert [event.delta for event in events] == ["Soft", " cotton", " dress"]
    assert (events[-1].finish_reason, events[-1].prompt_tokens, events[-1].completion_tokens) == (
        "length",
        3,
        5,
    )
