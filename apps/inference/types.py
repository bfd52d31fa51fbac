"""Plain dataclasses in and out of the inference layer.

They hold only built-in types, so they cross the Celery queue as JSON (``to_dict`` /
``from_dict``) and never carry a tensor into the web process.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

FinishReason = Literal["stop", "length"]
Role = Literal["system", "user", "assistant"]


class StoreRef(Protocol):
    """What the inference layer needs of a store (a tenant): its primary key, to resolve its models.

    The accounts app's Store satisfies it; the inference layer imports no domain app.
    """

    @property
    def pk(self) -> Any: ...


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class GenerationRequest:
    """One prompt (a base model) or one conversation (a chat model) and how to sample it.

    ``temperature == 0`` is greedy decoding. ``seed`` makes sampling repeatable: the same
    request with the same seed gives the same text whatever else is in the batch. With
    ``n > 1`` candidate ``i`` uses ``seed + i``. ``shared_prefix``: the leading part of
    ``prompt`` that other requests share (a store's few-shot examples); the local engine
    computes its keys and values once and reuses them (engine/serving.py), other backends
    ignore it.
    """

    prompt: str | None = None
    messages: tuple[ChatMessage, ...] | None = None
    max_new_tokens: int = 128
    temperature: float = 0.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    n: int = 1
    seed: int | None = None
    shared_prefix: str = ""

    def __post_init__(self) -> None:
        if (self.prompt is None) == (self.messages is None):
            raise ValueError("Give exactly one of prompt or messages.")
        if self.max_new_tokens < 1:
            raise ValueError("max_new_tokens must be at least 1.")
        if self.temperature < 0:
            raise ValueError("temperature must not be negative.")
        if not 0 < self.top_p <= 1:
            raise ValueError("top_p must be in (0, 1].")
        if self.n < 1:
            raise ValueError("n must be at least 1.")
        if self.messages is not None:
            # Accept lists and dicts from callers and JSON; store hashable tuples of messages.
            messages = tuple(
                m if isinstance(m, ChatMessage) else ChatMessage(**m)
                for m in self.messages  # type: ignore[arg-type]
            )
            object.__setattr__(self, "messages", messages)
        object.__setattr__(self, "stop", tuple(self.stop))

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenerationRequest:
        return cls(**data)


@dataclass(frozen=True)
class Choice:
    text: str
    finish_reason: FinishReason
    completion_tokens: int


@dataclass(frozen=True)
class Generation:
    """The result for one request: ``n`` choices; ``text`` is the first one's."""

    model: str
    choices: list[Choice]
    prompt_tokens: int

    @property
    def text(self) -> str:
        return self.choices[0].text

    @property
    def finish_reason(self) -> FinishReason:
        return self.choices[0].finish_reason

    @property
    def completion_tokens(self) -> int:
        return sum(choice.completion_tokens for choice in self.choices)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Generation:
        choices = [Choice(**choice) for choice in data["choices"]]
        return cls(model=data["model"], choices=choices, prompt_tokens=data["prompt_tokens"])


@dataclass(frozen=True)
class StreamEvent:
    """A piece of a streamed generation; the last event has ``finish_reason`` and the counts."""

    delta: str
    finish_reason: FinishReason | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    @property
    def final(self) -> bool:
        return self.finish_reason is not None


@dataclass(frozen=True)
class Classification:
    """The top label, its probability, and the probability of every label (summing to 1)."""

    model: str
    label: str
    score: float
    scores: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Classification:
        return cls(**data)


@dataclass(frozen=True)
class Embedding:
    """An L2-normalised vector: the dot product of two embeddings is their cosine similarity."""

    model: str
    vector: list[float]
    tokens: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Embedding:
        return cls(**data)
