"""The dense half of retrieval: ``VectorIndex``, the one interface a vector store implements, and
``NumpyVectorIndex``, one float32 matrix per store in process. A pgvector table or a dedicated engine
can replace it by implementing the same methods (``similarity`` scores given ids, so the retriever can
judge a chunk the keyword side found even when it is not among the dense top results).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np

ChunkId = int | str


def _dot(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Matrix times vector in the calling thread. A BLAS call splits one small product over every core
    and, on a busy machine, waits for them (30 ms instead of under 1 ms for 10,000 x 384); einsum
    without ``optimize`` does not call BLAS, so concurrent requests each use one core."""
    return np.einsum("ij,j->i", matrix, vector)


class VectorIndex(Protocol):
    """Dense vectors by chunk id; vectors are unit length, so a dot product is a cosine."""

    def add(self, ids: Sequence[ChunkId], vectors: np.ndarray | Sequence[Sequence[float]]) -> None: ...

    def remove(self, ids: Sequence[ChunkId]) -> None: ...

    def search(self, vector: np.ndarray | Sequence[float], k: int) -> list[tuple[ChunkId, float]]: ...

    def similarity(self, ids: Sequence[ChunkId], vector: np.ndarray | Sequence[float]) -> list[float]: ...

    def __len__(self) -> int: ...


class NumpyVectorIndex:
    """An in-process index: one float32 matrix, grown by doubling; removal moves the last row into the gap."""

    def __init__(self, dimensions: int | None = None) -> None:
        self._matrix = np.zeros((0, dimensions or 0), dtype=np.float32)
        self._ids: list[ChunkId] = []
        self._rows: dict[ChunkId, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, ids: Sequence[ChunkId], vectors: np.ndarray | Sequence[Sequence[float]]) -> None:
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != len(ids):
            raise ValueError("add() needs one vector per id")
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix = (matrix / np.where(norms == 0, 1.0, norms)).astype(np.float32)
        with self._lock:
            if not self._ids:
                self._matrix = np.zeros((max(16, len(ids)), matrix.shape[1]), dtype=np.float32)
            elif matrix.shape[1] != self._matrix.shape[1]:
                expected = self._matrix.shape[1]
                raise ValueError(f"vectors have {matrix.shape[1]} dimensions, the index {expected}")
            self._remove_locked([chunk_id for chunk_id in ids if chunk_id in self._rows])
            needed = len(self._ids) + len(ids)
            if needed > self._matrix.shape[0]:
                grown = np.zeros((max(needed, 2 * self._matrix.shape[0]), matrix.shape[1]), dtype=np.float32)
                grown[: len(self._ids)] = self._matrix[: len(self._ids)]
                self._matrix = grown
            start = len(self._ids)
            self._matrix[start:needed] = matrix
            for offset, chunk_id in enumerate(ids):
                self._rows[chunk_id] = start + offset
            self._ids.extend(ids)

    def remove(self, ids: Sequence[ChunkId]) -> None:
        with self._lock:
            self._remove_locked(ids)

    def _remove_locked(self, ids: Sequence[ChunkId]) -> None:
        for chunk_id in ids:
            row = self._rows.pop(chunk_id, None)
            if row is None:
                continue
            last = len(self._ids) - 1
            if row != last:
                moved = self._ids[last]
                self._matrix[row] = self._matrix[last]
                self._ids[row] = moved
                self._rows[moved] = row
            self._ids.pop()

    def search(self, vector: np.ndarray | Sequence[float], k: int) -> list[tuple[ChunkId, float]]:
        with self._lock:
            count = len(self._ids)
            if count == 0 or k <= 0:
                return []
            scores = _dot(self._matrix[:count], np.asarray(vector, dtype=np.float32))
            ids = list(self._ids)
        k = min(k, count)
        top = np.argpartition(-scores, k - 1)[:k] if k < count else np.arange(count)
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(ids[row], float(scores[row])) for row in top]

    def similarity(self, ids: Sequence[ChunkId], vector: np.ndarray | Sequence[float]) -> list[float]:
        """Cosines of the given chunks to ``vector``; 0.0 for an id the index does not hold."""
        query = np.asarray(vector, dtype=np.float32)
        with self._lock:
            rows = [self._rows.get(chunk_id) for chunk_id in ids]
            known = [row for row in rows if row is not None]
            scores = iter(_dot(self._matrix[known], query).tolist()) if known else iter(())
            return [float(next(scores)) if row is not None else 0.0 for row in rows]
