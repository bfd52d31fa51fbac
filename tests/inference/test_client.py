"""The public client: routing between backends, store resolution, and the fake for other modules."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from apps import inference
from apps.accounts.usage import StoreQuotaMeter
from apps.inference import client
from apps.inference.backends.local import LocalBackend
from apps.inference.backends.queue import QueueBackend
from apps.inference.registry import ModelSpec, set_store_resolver
from apps.inference.types import GenerationRequest
from apps.inference.usage import set_usage_meter
from tests.inference_fake import FakeBackend


def test_web_process_never_imports_torch() -> None:
    """Settings, URLs, the client, the queue path and the suite's fake load without torch or transformers."""
    script = (
        "import os, sys\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ecomai.settings.test')\n"
        "import django; django.setup()\n"
        "import ecomai.urls, ecomai.celery\n"
        "from apps import inference\n"
        "from apps.inference import client, tasks\n"
        "import tests.inference_fake\n"
        "from apps.inference.backends import queue, openai\n"
        "from apps.inference.management.commands import models\n"
        "assert isinstance(client.backend_for('generate'), queue.QueueBackend)\n"
        "inference.resolve_model(None, task='generate')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers'))\n"
        "print(loaded)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=Path(__file__).parents[2],  # the repository root: ``tests`` is importable from there
    )
    assert output.stdout.strip() == "[]", output.stderr


def test_backend_choice(settings: Any) -> None:
    settings.INFERENCE_IN_PROCESS = False
    assert isinstance(client.backend_for("generate"), QueueBackend)  # the web process: via the queue
    settings.INFERENCE_IN_PROCESS = True
    assert isinstance(client.backend_for("classify"), LocalBackend)
    settings.INFERENCE_BACKEND = "openai"
    settings.INFERENCE_OPENAI_BASE_URL = "http://127.0.0.1:9/v1"
    client._openai = None
    try:
        assert client.backend_for("generate").name == "openai"
        assert client.backend_for("embed").name == "openai"
        assert isinstance(client.backend_for("classify"), LocalBackend)  # no such endpoint on servers
    finally:
        client._openai = None
    settings.INFERENCE_BACKEND = "onnx"
    with pytest.raises(ValueError, match="INFERENCE_BACKEND"):
        client.backend_for("generate")


def test_inside_a_worker_task_models_run_in_process(settings: Any) -> None:
    from celery import shared_task

    settings.INFERENCE_IN_PROCESS = False

    @shared_task(name="tests.inference.which_backend")
    def which_backend() -> str:
        return client.backend_for("generate").name

    assert which_backend.apply().get() == "local"  # executed as a task
    assert which_backend() == "queue"  # called directly: not a worker


def test_calls_resolve_the_store_model_and_skip_empty_batches(fake_inference: FakeBackend) -> None:
    assert inference.generate([]) == [] and inference.classify([]) == [] and inference.embed([]) == []
    assert fake_inference.calls == []
    activated = ModelSpec(key="store-3-generator-v4", task="generate", path="versions/3/4")
    set_store_resolver(lambda store, key, task: activated if store.pk == 3 and task == "generate" else None)
    three, four = SimpleNamespace(pk=3), SimpleNamespace(pk=4)
    set_usage_meter(None)  # stores without rows: quotas are tested with real stores (tests/security)
    try:
        inference.generate([GenerationRequest(prompt="a")], store=three)
        inference.generate([GenerationRequest(prompt="a"), GenerationRequest(prompt="b")], store=four)
        inference.embed(["x"], model="multilingual-e5-small", store=three)
    finally:
        set_store_resolver(None)
        set_usage_meter(StoreQuotaMeter())
    assert fake_inference.calls == [
        ("generate", "store-3-generator-v4", 1),
        ("generate", "gemma-3-270m", 2),
        ("embed", "multilingual-e5-small", 1),
    ]


def test_a_spec_resolved_once_is_used_as_given(fake_inference: FakeBackend) -> None:
    """A batch job resolves the store's model once and passes the spec: no resolver call per request."""
    activated = ModelSpec(key="store-3-sentiment-v2", task="classify", path="versions/3/2")
    asked: list[str] = []

    def resolver(store: Any, key: str | None, task: str) -> ModelSpec | None:
        asked.append(task)
        return activated if task == "classify" else None

    set_store_resolver(resolver)
    three = SimpleNamespace(pk=3)
    try:
        spec = inference.resolve_model(None, task="classify", store=three)
        inference.classify(["fine"], model=spec, store=three)
        inference.classify(["broke"], model=spec, store=three)
        embedder = inference.resolve_model("multilingual-e5-small", task="embed")
        with pytest.raises(inference.InvalidRequest, match="embed model, not a classify"):
            inference.classify(["x"], model=embedder, store=three)
        inference.embed(["x"], model=embedder, store=three)
    finally:
        set_store_resolver(None)
    assert asked == ["classify"]
    assert fake_inference.calls == [
        ("classify", "store-3-sentiment-v2", 1),
        ("classify", "store-3-sentiment-v2", 1),
        ("embed", "multilingual-e5-small", 1),
    ]


def test_fake_backend_is_deterministic_and_shaped_like_the_real_one(
    fake_inference: FakeBackend,
    registered: dict[str, ModelSpec],
) -> None:
    fake_inference.replies["Describe:"] = "A soft blue cotton dress. Machine washable."
    (described,) = inference.generate([GenerationRequest(prompt="Describe: dress", stop=(".",))])
    assert (described.text, described.finish_reason) == ("A soft blue cotton dress", "stop")
    (cut,) = inference.generate([GenerationRequest(prompt="Describe: x", max_new_tokens=3)])
    assert (cut.text, cut.finish_reason, cut.completion_tokens) == ("A soft blue", "length", 3)
    first, again = (inference.generate([GenerationRequest(prompt="hello")])[0] for _ in range(2))
    assert first.text == again.text and first.text.startswith("fake reply ")
    stream = list(inference.generate_stream(GenerationRequest(prompt="Describe: y")))
    assert "".join(event.delta for event in stream) == "A soft blue cotton dress. Machine washable."
    texts = ["Arrived broken, terrible", "质量很好，很满意", "ok"]
    labels = [result.label for result in inference.classify(texts, model="tiny-classifier")]
    assert labels == ["negative", "positive", "neutral"]
    dress, frock, drill = inference.embed(["blue cotton dress", "blue cotton frock", "power drill"])
    similarity = sum(a * b for a, b in zip(dress.vector, frock.vector, strict=True))
    unrelated = sum(a * b for a, b in zip(dress.vector, drill.vector, strict=True))
    assert math.isclose(sum(v * v for v in dress.vector), 1.0) and similarity > unrelated


def test_local_backend_through_the_client(registered: dict[str, ModelSpec], settings: Any) -> None:
    settings.INFERENCE_IN_PROCESS = True
    embeddings = inference.embed(["delivery was late"], model="tiny-encoder")
    classes = inference.classify(["delivery was late"], model="tiny-classifier")
    (generation,) = inference.generate(
        [GenerationRequest(prompt="the shirt fits", max_new_tokens=3)], model="tiny-lm"
    )
    assert len(embeddings[0].vector) == 32
    assert classes[0].label in {"negative", "neutral", "positive"}
    assert generation.model == "tiny-lm" and generation.prompt_tokens == 4
