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

    With ``expected_bytes`` (returns the incoming model's size, or None where it cannot tell)
    the room is made before the load, so the models dropped and the one loaded are never in
    memory together beyond the budget; the actual size is checked again after the load, in
    case the estimate was low. Without an estimate the room is made once the model is loaded
    and its size known.
    """

    def __init__(self, budget_bytes: int, on_evict: Callable[[T], None] | None = None) -> None:
        self.budget_bytes = budget_bytes
        self._entries: OrderedDict[CacheKey, T] = OrderedDict()
        self._lock = threading.RLock()  # guards the entries; never held during a load
        self._load_lock = threading.Lock()  # one load at a time
        self._on_evict = on_evict

    def get(
        self, key: CacheKey, load: Callable[[], T], *, expected_bytes: Callable[[], int | None] | None = None
    ) -> T:
        """The cached value of ``key``, loaded (and room made for it) on a miss.

        ``expected_bytes`` is called only on a miss, so a hit costs no estimate. A hit is
        served while another model loads (a load takes seconds); loads run one at a time, so
        each is made room for within the budget and a key is never loaded twice.
        """
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        with self._load_lock:
            with self._lock:
                if key in self._entries:  # loaded by the thread this one waited for
                    self._entries.move_to_end(key)
                    return self._entries[key]
            # The estimate (file headers) and the load run outside the entries' lock.
            estimate = expected_bytes() if expected_bytes is not None else None
            if estimate is not None:
                self._make_room(estimate)
            value = load()
            self._make_room(value.nbytes)  # the estimate was low, or there was none
            with self._lock:
                self._entries[key] = value
            return value

    def _make_room(self, incoming: int) -> None:
        with self._lock:
            evicted = self._evict_for(incoming)
        if evicted:
            gc.collect()  # outside the lock; the dropped models' memory goes before the load

    def _evict_for(self, incoming: int) -> int:
        """Drops least recently used entries until ``incoming`` fits (lock held); returns how many."""
        evicted = 0
        while self._entries and self.total_bytes + incoming > self.budget_bytes:
            key, value = self._entries.popitem(last=False)
            logger.info("inference: evicting %s (%d MiB) from the model cache", key, value.nbytes >> 20)
            if self._on_evict is not None:
                self._on_evict(value)
            del value
            evicted += 1
        return evicted

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
