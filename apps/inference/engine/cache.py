"""A process-wide cache of loaded models, bounded by a memory budget, least recently used out."""

from __future__ import annotations

import gc
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

logger = logging.getLogger(__name__)


class Sized(Protocol):
    @property
    def nbytes(self) -> int: ...


T = TypeVar("T", bound=Sized)
# What identifies a loaded model: key, path, task and the precision choices.
CacheKey = tuple[str, ...]


class ModelCache(Generic[T]):
    """Loads each key once and keeps the total size under ``budget_bytes``.

    When a load would exceed the budget the least recently used models are dropped first.
    A model larger than the whole budget is still loaded (alone): refusing it would make
    the model unusable rather than the process leaner.
    """

    def __init__(self, budget_bytes: int, on_evict: Callable[[T], None] | None = None) -> None:
        self.budget_bytes = budget_bytes
        self._entries: OrderedDict[CacheKey, T] = OrderedDict()
        self._lock = threading.RLock()
        self._on_evict = on_evict

    def get(self, key: CacheKey, load: Callable[[], T]) -> T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
            value = load()
            self._evict_for(value.nbytes)
            self._entries[key] = value
            return value

    def _evict_for(self, incoming: int) -> None:
        while self._entries and self.total_bytes + incoming > self.budget_bytes:
            key, value = self._entries.popitem(last=False)
            logger.info("inference: evicting %s (%d MiB) from the model cache", key, value.nbytes >> 20)
            if self._on_evict is not None:
                self._on_evict(value)
            del value
            gc.collect()

    @property
    def total_bytes(self) -> int:
        return sum(value.nbytes for value in self._entries.values())

    def cached_keys(self) -> list[CacheKey]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            gc.collect()
