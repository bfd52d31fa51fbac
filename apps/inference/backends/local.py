"""The in-process backend: the local engine (transformers + torch) behind the Backend interface.

Importing this module imports torch; only workers and scripts that run models do.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..engine import encoders
from ..engine.loading import get_loaded
from ..engine.serving import server_for
from ..lanes import current_lane
from ..registry import ModelSpec
from ..types import Classification, Embedding, Generation, GenerationRequest, StreamEvent
from .base import EmbedKind


class LocalBackend:
    name = "local"

    def generate(self, requests: Sequence[GenerationRequest], spec: ModelSpec) -> list[Generation]:
        # Every generation in this process goes through the model's continuous-batching server.
        loaded = get_loaded(spec)
        return server_for(loaded).generate(requests, lane=current_lane(), loaded=loaded)

    def generate_stream(self, request: GenerationRequest, spec: ModelSpec) -> Iterator[StreamEvent]:
        loaded = get_loaded(spec)
        return server_for(loaded).stream(request, lane=current_lane(), loaded=loaded)

    def classify(self, texts: Sequence[str], spec: ModelSpec) -> list[Classification]:
        return encoders.classify(get_loaded(spec), texts)

    def embed(self, texts: Sequence[str], spec: ModelSpec, *, kind: EmbedKind = "passage") -> list[Embedding]:
        return encoders.embed(get_loaded(spec), texts, kind=kind)
