"""The one fake inference backend of the test suite (no torch, no models, no worker).

Tests take the ``fake_inference`` fixture (tests/conftest.py)::

    def test_describe(fake_inference):
        fake_inference.replies["Describe:"] = "A soft blue cotton dress."
        ...
        assert fake_inference.calls == [("generate", "gemma-3-270m", 1)]

It is installed with ``inference.use_backend``, so it answers through the real client (model
resolution per store included) and code under test calls ``inference.generate(...)`` exactly as
in production.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from apps.inference.backends.base import EmbedKind
from apps.inference.registry import ModelSpec
from apps.inference.types import Choice, Classification, Embedding, Generation, GenerationRequest, StreamEvent

NEGATIVE_WORDS = frozenset(
    [
        "bad",
        "broken",
        "late",
        "terrible",
        "awful",
        "worst",
        "refund",
        "damaged",
        "disappointed",
        "poor",
        "差",
        "慢",
        "坏",
        "失望",
        "退货",
        "破",
    ]
)
POSITIVE_WORDS = frozenset(
    [
        "good",
        "great",
        "love",
        "excellent",
        "perfect",
        "fast",
        "soft",
        "happy",
        "好",
        "快",
        "满意",
        "喜欢",
        "棒",
    ]
)
_WORD = re.compile(r"\w+", re.UNICODE)


def _words(text: str) -> list[str]:
    # CJK has no spaces: treat every CJK character as a word, other scripts by \w+ runs.
    return [
        piece
        for token in _WORD.findall(text.lower())
        for piece in (list(token) if any("\u4e00" <= char <= "\u9fff" for char in token) else [token])
    ]


def keyword_sentiment(text: str) -> str:
    words = set(_words(text))
    negative, positive = len(words & NEGATIVE_WORDS), len(words & POSITIVE_WORDS)
    if negative > positive:
        return "negative"
    if positive > negative:
        return "positive"
    return "neutral"


@dataclass
class FakeBackend:
    """Answers instantly and repeatably; records every call as (operation, model key, batch size).

    * generate: ``writer(prompt, index)`` for candidate ``index`` where a writer is set, else the
      first ``replies`` entry whose key occurs in the prompt (or last message), else
      ``"fake reply <8 hex of the prompt>"``; cut at stop strings and at ``max_new_tokens``
      words, with the finish reason that implies. ``requests`` keeps every batch it was sent.
    * classify: ``classifier(text)`` over ``labels`` (keyword sentiment by default); the
      chosen label gets ``confidence``, the rest share the remainder.
    * embed: a hashed bag of words, normalised, so texts sharing words are closer.
    """

    replies: dict[str, str] = field(default_factory=dict)
    labels: tuple[str, ...] = ("negative", "neutral", "positive")
    classifier: Callable[[str], str] = keyword_sentiment
    confidence: float = 0.9
    dimensions: int = 64
    writer: Callable[[str, int], str] | None = None
    calls: list[tuple[str, str, int]] = field(default_factory=list)
    embed_kinds: list[str] = field(default_factory=list)  # the ``kind`` of each embed call
    requests: list[list[GenerationRequest]] = field(default_factory=list)
    name: str = "fake"

    def _reply(self, request: GenerationRequest, index: int) -> tuple[str, str]:
        source = request.prompt if request.prompt is not None else (request.messages or ())[-1].content
        if self.writer is not None:
            return source, self.writer(source, index)
        for key, reply in self.replies.items():
            if key in source:
                return source, reply
        return source, f"fake reply {hashlib.sha256(source.encode()).hexdigest()[:8]}"

    def _choice(self, request: GenerationRequest, index: int) -> tuple[str, Choice]:
        source, text = self._reply(request, index)
        finish = "stop"
        for stop in request.stop:
            if stop and stop in text:
                text = text[: text.index(stop)]
        words = text.split(" ")
        if len(words) > request.max_new_tokens:
            text, finish = " ".join(words[: request.max_new_tokens]), "length"
        count = len(text.split(" ")) if text else 0
        return source, Choice(text=text, finish_reason=finish, completion_tokens=count)  # type: ignore[arg-type]

    def _generation(self, request: GenerationRequest, spec: ModelSpec) -> Generation:
        pairs = [self._choice(request, index) for index in range(request.n)]
        source = pairs[0][0] if pairs else (request.prompt or "")
        return Generation(
            model=spec.key, choices=[choice for _s, choice in pairs], prompt_tokens=len(source.split())
        )

    def generate(self, requests: Sequence[GenerationRequest], spec: ModelSpec) -> list[Generation]:
        self.calls.append(("generate", spec.key, len(requests)))
        self.requests.append(list(requests))
        return [self._generation(request, spec) for request in requests]

    def generate_stream(self, request: GenerationRequest, spec: ModelSpec) -> Iterator[StreamEvent]:
        self.calls.append(("generate_stream", spec.key, 1))
        self.requests.append([request])
        result = self._generation(request, spec)
        pieces = result.text.split(" ")
        for index, piece in enumerate(pieces):
            if piece:
                yield StreamEvent(delta=piece if index == 0 else " " + piece)
        yield StreamEvent(
            delta="",
            finish_reason=result.finish_reason,
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
        )

    def classify(self, texts: Sequence[str], spec: ModelSpec) -> list[Classification]:
        self.calls.append(("classify", spec.key, len(texts)))
        rest = (1.0 - self.confidence) / max(1, len(self.labels) - 1)
        results = []
        for text in texts:
            label = self.classifier(text)
            scores = {name: (self.confidence if name == label else rest) for name in self.labels}
            results.append(Classification(model=spec.key, label=label, score=scores[label], scores=scores))
        return results

    def embed(self, texts: Sequence[str], spec: ModelSpec, *, kind: EmbedKind = "passage") -> list[Embedding]:
        self.calls.append(("embed", spec.key, len(texts)))
        self.embed_kinds.append(kind)
        results = []
        for text in texts:
            words = _words(text)
            vector = [0.0] * self.dimensions
            for word in words or [""]:
                bucket = (
                    int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "little") % self.dimensions
                )
                vector[bucket] += 1.0
            norm = math.sqrt(sum(value * value for value in vector))
            results.append(
                Embedding(model=spec.key, vector=[value / norm for value in vector], tokens=len(words))
            )
        return results
