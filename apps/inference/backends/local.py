"""The in-process backend: the local engine (transformers + torch) behind the Backend interface.

Importing this module imports torch; only workers and scripts that run models do.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..engine import encoders, generation
from ..engine.loading import get_loaded
from ..registry import ModelSpec
from ..types import Classification, Embedding, Generation, GenerationRequest, StreamEvent
from .base import EmbedKind


class LocalBackend:
    name = "local"

    def generate(self, requests: Sequence[GenerationRequest], spec: ModelSpec) -> list[Generation]:
        return generation.generate(get_loaded(spec), requests)

    def generate_stream(self, request: GenerationRequest, spec: ModelSpec) -> Iterator[StreamEvent]:
        return generation.generate_stream(get_loaded(spec), request)

    def classify(self, texts: Sequence[str], spec: ModelSpec) -> list[Classification]:
        return encoders.classify(get_loaded(spec), texts)

    def embed(self, texts: Sequence[str], spec: ModelSpec, *, kind: EmbedKind = "passage") -> list[Embedding]:
        return encoders.embed(get_loaded(spec), texts, kind=kind)
