"""The in-process backend: the local engine (transformers + torch) behind the Backend interface.

Importing this module imports torch; only workers and scripts that run models do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence

from django.conf import settings

from ..engine import encoders, generation
from ..engine.loading import get_loaded
from ..engine.serving import server_for
from ..lanes import current_lane
from ..registry import ModelSpec
from ..types import Classification, Embedding, Generation, GenerationRequest, StreamEvent
from .base import EmbedKind

# Seconds this process has spent in the encoders, per operation (the endpoint's /v1/stats reports them,
# so a benchmark can tell the engine's time from the platform's around it).
_engine_seconds = {"classify": 0.0, "embed": 0.0}
_engine_lock = threading.Lock()


def engine_seconds() -> dict[str, float]:
    with _engine_lock:
        return dict(_engine_seconds)


def _add(operation: str, started: float) -> None:
    with _engine_lock:
        _engine_seconds[operation] += time.perf_counter() - started


class LocalBackend:
    name = "local"

    def generate(self, requests: Sequence[GenerationRequest], spec: ModelSpec) -> list[Generation]:
        loaded = get_loaded(spec)
        if not settings.INFERENCE_CONTINUOUS_BATCHING:
            return generation.generate(loaded, requests)
        # Every generation in this process goes through the model's continuous-batching server.
        return server_for(loaded).generate(requests, lane=current_lane(), loaded=loaded)

    def generate_stream(self, request: GenerationRequest, spec: ModelSpec) -> Iterator[StreamEvent]:
        loaded = get_loaded(spec)
        if not settings.INFERENCE_CONTINUOUS_BATCHING:
            return generation.generate_stream(loaded, request)
        return server_for(loaded).stream(request, lane=current_lane(), loaded=loaded)

    def classify(self, texts: Sequence[str], spec: ModelSpec) -> list[Classification]:
        started = time.perf_counter()
        try:
            return encoders.classify(get_loaded(spec), texts)
        finally:
            _add("classify", started)

    def embed(self, texts: Sequence[str], spec: ModelSpec, *, kind: EmbedKind = "passage") -> list[Embedding]:
        started = time.perf_counter()
        try:
            return encoders.embed(get_loaded(spec), texts, kind=kind)
        finally:
            _add("embed", started)
