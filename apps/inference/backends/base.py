"""The interface every backend implements; the client picks one per call."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal, Protocol

from ..registry import ModelSpec
from ..types import Classification, Embedding, Generation, GenerationRequest, StreamEvent

EmbedKind = Literal["query", "passage"]


class Backend(Protocol):
    name: str

    def generate(self, requests: Sequence[GenerationRequest], spec: ModelSpec) -> list[Generation]: ...

    def generate_stream(self, request: GenerationRequest, spec: ModelSpec) -> Iterator[StreamEvent]: ...

    def classify(self, texts: Sequence[str], spec: ModelSpec) -> list[Classification]: ...

    def embed(
        self, texts: Sequence[str], spec: ModelSpec, *, kind: EmbedKind = "passage"
    ) -> list[Embedding]: ...
