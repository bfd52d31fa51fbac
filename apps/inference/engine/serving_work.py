"""What the serving loop keeps per request (``Work``) and counts (``Stats``)."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from typing import Any

from ..lanes import Lane
from ..types import Choice, Generation, GenerationRequest, StreamEvent
from .decode_threads import MIN_STEPS, chooser_for
from .generation import Row, _count, _held_back
from .loading import LoadedModel

_LANE_ORDER = {"interactive": 0, "bulk": 1}


@dataclass
class Work:
    """One request handed to the server: its candidates' rows and how the caller hears back."""

    request: GenerationRequest
    prompt_ids: list[int]
    prefix_ids: tuple[int, ...]
    adapter: str  # the LoRA adapter its rows run with (adapters.BASE: none)
    lane: Lane
    order: int
    rows: list[Row] = field(default_factory=list)
    events: queue.SimpleQueue[StreamEvent | BaseException] | None = None
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None
    sent: int = 0  # characters of row 0 already streamed
    cancelled: bool = False  # the caller stopped listening: its rows leave at the next step

    @property
    def row_count(self) -> int:
        return 1 if self.request.greedy else self.request.n

    def finished(self) -> bool:
        return all(row.finish_reason is not None for row in self.rows)

    def fail(self, error: BaseException) -> None:
        self.error = error
        if self.events is not None:
            self.events.put(error)
        self.done.set()

    def emit(self) -> None:
        """Streams row 0's new text, short of anything that may yet become a stop string."""
        if self.events is None:
            return
        row = self.rows[0]
        if row.finish_reason is None:
            visible = len(row.text) - _held_back(row.text, row.request.stop)
            if visible > self.sent:
                self.events.put(StreamEvent(delta=row.text[self.sent : visible]))
                self.sent = visible

    def complete(self) -> None:
        if self.events is not None:
            row = self.rows[0]
            self.events.put(
                StreamEvent(
                    delta=row.text[self.sent :],
                    finish_reason=row.finish_reason or "length",
                    prompt_tokens=len(self.prompt_ids),
                    completion_tokens=_count(row),
                )
            )
        self.done.set()

    def generation(self, model_key: str) -> Generation:
        choices = [
            Choice(text=row.text, finish_reason=row.finish_reason or "length", completion_tokens=_count(row))
            for row in self.rows
        ]
        if self.request.greedy:
            choices = choices * self.request.n
        return Generation(model=model_key, choices=choices, prompt_tokens=len(self.prompt_ids))


@dataclass
class Stats:
    """Counters a benchmark or an operator reads (``Server.stats``)."""

    steps: int = 0
    prefill_tokens: int = 0
    prefix_tokens_reused: int = 0
    generated_tokens: int = 0
    max_rows_seen: int = 0
    busy_seconds: float = 0.0  # time spent prefilling and decoding
    admitted: dict[str, int] = field(default_factory=lambda: {"interactive": 0, "bulk": 0})


class SingleRowTimer:
    """Single-row decoding steps on a CPU run on the thread count measured fastest for the model
    (decode_threads.py); this times runs of them (after a warm-up step) for the chooser."""

    def __init__(self) -> None:
        self._timing: list[Any] | None = None  # chooser, threads, seconds, steps

    def pick(self, loaded: LoadedModel) -> int:
        chooser = chooser_for(loaded.model, loaded.spec.key)
        if self._timing is None or self._timing[0] is not chooser:
            self._timing = [chooser, chooser.pick(), 0.0, 0]
        return int(self._timing[1])

    def record(self, threads: int | None, seconds: float) -> None:
        if threads is None:
            self.flush()
            return
        assert self._timing is not None
        self._timing[3] += 1
        if self._timing[3] > 1:  # the first step on a thread count is not typical
            self._timing[2] += seconds
        if self._timing[3] > MIN_STEPS:
            self.flush()

    def flush(self) -> None:
        if self._timing is not None:
            chooser, threads, seconds, steps = self._timing
            if steps > MIN_STEPS // 2 + 1:
                chooser.record(threads, seconds / (steps - 1))
            self._timing = None
