"""Threads for decoding a single row on CPU, chosen per model from its own measured steps.

A decode step of one row multiplies every weight matrix by one vector: little work per op,
and each op of torch's OpenMP pool wakes the other threads and waits for them. For int8
Gemma 3 270M on 2 cores one thread decoded a step in 38.0 ms against 46.5 ms with two, while
fp32, which reads about twice the weight bytes (1022 against 501 MiB), was faster on two:
69.6 ms against 93.6 on one (benchmarks/results/inference.md). Which wins depends on the CPU
and the model, so a model's first single-row calls alternate between all threads and one, and
the faster is kept for the rest of the process. Prompt passes and batches of several rows
always use every thread.

The count is switched around each forward pass only and set back before control returns to
the caller, so nothing else runs on the reduced count. torch's count is per OS thread, but a
switch also moves the process-wide default that MKL and newly started threads read; the
engine's entry points reset their thread's count (``runtime.use_configured_threads``).

``INFERENCE_CPU_DECODE_THREADS`` pins the count instead (0, the default, measures).
"""

from __future__ import annotations

import contextlib
import logging
import statistics
import threading
import weakref
from collections.abc import Iterator

import torch
from django.conf import settings

from .runtime import configured_threads, use_configured_threads

logger = logging.getLogger(__name__)

# A call with fewer timed decode steps says too little about the per-step cost.
MIN_STEPS = 4
# Calls measured with each candidate before the choice is made.
SAMPLES = 2


class DecodeThreads:
    """Alternates the candidate thread counts over the first calls, then keeps the fastest."""

    def __init__(self, threads: int, label: str = "") -> None:
        self.candidates = (threads, 1) if threads > 1 else (threads,)
        self.label = label
        self._seconds: dict[int, list[float]] = {count: [] for count in self.candidates}
        self._lock = threading.Lock()
        self.choice: int | None = None if len(self.candidates) > 1 else threads

    def pick(self) -> int:
        with self._lock:
            if self.choice is not None:
                return self.choice
            return min(self.candidates, key=lambda count: len(self._seconds[count]))

    def medians(self) -> dict[int, float]:
        """Median seconds per decode step measured with each candidate so far."""
        with self._lock:
            return {count: statistics.median(samples) for count, samples in self._seconds.items() if samples}

    def record(self, threads: int, seconds_per_step: float) -> None:
        with self._lock:
            if self.choice is not None or threads not in self._seconds:
                return
            self._seconds[threads].append(seconds_per_step)
            if all(len(samples) >= SAMPLES for samples in self._seconds.values()):
                medians = {count: statistics.median(samples) for count, samples in self._seconds.items()}
                self.choice = min(medians, key=medians.__getitem__)
                logger.info(
                    "inference: %s decodes single rows on %d thread(s) (ms per step: %s)",
                    self.label or "model",
                    self.choice,
                    ", ".join(f"{count} -> {seconds * 1000:.1f}" for count, seconds in medians.items()),
                )


_choosers: weakref.WeakKeyDictionary[torch.nn.Module, DecodeThreads] = weakref.WeakKeyDictionary()
_choosers_lock = threading.Lock()


def chooser_for(model: torch.nn.Module, label: str = "") -> DecodeThreads:
    """The chooser of ``model`` (one per loaded model, shared by every spec serving it)."""
    with _choosers_lock:
        chooser = _choosers.get(model)
        if chooser is None:
            pinned = int(getattr(settings, "INFERENCE_CPU_DECODE_THREADS", 0) or 0)
            if pinned < 0:
                raise ValueError(f"INFERENCE_CPU_DECODE_THREADS must be 0 or more, not {pinned}")
            if pinned > 0:
                chooser = DecodeThreads(pinned, label)
                chooser.choice = pinned
            else:
                chooser = DecodeThreads(configured_threads(), label)
            _choosers[model] = chooser
        return chooser


@contextlib.contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Run the block on ``count`` intra-op threads, then go back to the process's count."""
    if count == torch.get_num_threads():
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        use_configured_threads()
