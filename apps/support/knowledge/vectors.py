"""The dense half of retrieval: ``VectorIndex``, the one interface a vector store implements, and
``NumpyVectorIndex``, one float32 matrix per store in process. A pgvector table or a dedicated engine
can replace it by implementing the same methods (``similarity`` scores given ids, so the retriever can
judge a chunk the keyword side found even when it is not among the dense top results).

Up to ``clustered_above`` vectors a search scans them all (exact). Past that the index also keeps an
inverted file (the vectors grouped around k-means centroids, as Faiss's IVF does) and a search scans
only the groups whose centroids are nearest the question: about ``probe_share`` of the vectors, so a
store with 100,000 chunks stays fast on a small machine. Its recall against the exact scan is
measured by benchmarks/support_bench.py.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np

ChunkId = int | str
CLUSTERED_ABOVE = 20_000
PROBE_SHARE = 0.1
KMEANS_SAMPLE = 20_000
KMEANS_ITERATIONS = 8


def _dot(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Matrix times vector in the calling thread. A BLAS call splits one small product over every core
    and, on a busy machine, waits for them (30 ms instead of under 1 ms for 10,000 x 384); einsum
    without ``optimize`` does not call BLAS, so concurrent requests each use one core."""
    return np.einsum("ij,j->i", matrix, vector)


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` highest scores, highest first."""
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return top[np.argsort(-scores[top], kind="stable")]


class VectorIndex(Protocol):
    """Dense vectors by chunk id; vectors are unit length, so a dot product is a cosine."""

    def add(self, ids: Sequence[ChunkId], vectors: np.ndarray | Sequence[Sequence[float]]) -> None: ...

    def remove(self, ids: Sequence[ChunkId]) -> None: ...

    def search(self, vector: np.ndarray | Sequence[float], k: int) -> list[tuple[ChunkId, float]]: ...

    def similarity(self, ids: Sequence[ChunkId], vector: np.ndarray | Sequence[float]) -> list[float]: ...

    def __len__(self) -> int: ...


def kmeans(vectors: np.ndarray, clusters: int, *, seed: int = 0) -> np.ndarray:
    """Unit-length centroids of spherical k-means over (a sample of) ``vectors``."""
    rng = np.random.default_rng(seed)
    sample = vectors[rng.choice(len(vectors), size=min(len(vectors), KMEANS_SAMPLE), replace=False)]
    centroids = sample[rng.choice(len(sample), size=clusters, replace=False)].copy()
    for _ in range(KMEANS_ITERATIONS):
        nearest = np.argmax(sample @ centroids.T, axis=1)
        sums = np.zeros_like(centroids)
        np.add.at(sums, nearest, sample)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        empty = norms[:, 0] == 0
        sums[empty] = sample[rng.choice(len(sample), size=int(empty.sum()))]  # reseed empty clusters
        centroids = sums / np.linalg.norm(sums, axis=1, keepdims=True)
    return centroids.astype(np.float32)


class NumpyVectorIndex:
    """An in-process index: one float32 matrix, grown by doubling; removal moves the last row into the
    gap. Past ``clustered_above`` vectors, searches go through an inverted file (see the module note)."""

    def __init__(
        self,
        dimensions: int | None = None,
        *,
        clustered_above: int = CLUSTERED_ABOVE,
        probe_share: float = PROBE_SHARE,
    ) -> None:
        self._matrix = np.zeros((0, dimensions or 0), dtype=np.float32)
        self._ids: list[ChunkId] = []
        self._rows: dict[ChunkId, int] = {}
        self._lock = threading.Lock()
        self.clustered_above = clustered_above
        self.probe_share = probe_share
        self._centroids: np.ndarray | None = None
        self._assignment = np.zeros(0, dtype=np.int32)  # the centroid of each row
        self._clustered_size = 0

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
                self._assignment = np.zeros(self._matrix.shape[0], dtype=np.int32)
            elif matrix.shape[1] != self._matrix.shape[1]:
                expected = self._matrix.shape[1]
                raise ValueError(f"vectors have {matrix.shape[1]} dimensions, the index {expected}")
            self._remove_locked([chunk_id for chunk_id in ids if chunk_id in self._rows])
            needed = len(self._ids) + len(ids)
            if needed > self._matrix.shape[0]:
                capacity = max(needed, 2 * self._matrix.shape[0])
                grown = np.zeros((capacity, matrix.shape[1]), dtype=np.float32)
                grown[: len(self._ids)] = self._matrix[: len(self._ids)]
                self._matrix = grown
                assignment = np.zeros(capacity, dtype=np.int32)
                assignment[: len(self._ids)] = self._assignment[: len(self._ids)]
                self._assignment = assignment
            start = len(self._ids)
            self._matrix[start:needed] = matrix
            if self._centroids is not None:
                self._assignment[start:needed] = np.argmax(matrix @ self._centroids.T, axis=1)
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
                self._assignment[row] = self._assignment[last]
                self._ids[row] = moved
                self._rows[moved] = row
            self._ids.pop()

    def _cluster_locked(self) -> None:
        """(Re)build the inverted file when the index first passes the threshold or has doubled since."""
        count = len(self._ids)
        if count < self.clustered_above:
            self._centroids = None
            return
        if self._centroids is not None and count < 2 * self._clustered_size:
            return
        matrix = self._matrix[:count]
        self._centroids = kmeans(matrix, max(16, int(math.sqrt(count))))
        for start in range(0, count, 8192):
            block = matrix[start : start + 8192]
            self._assignment[start : start + len(block)] = np.argmax(block @ self._centroids.T, axis=1)
        self._clustered_size = count

    def search(
        self, vector: np.ndarray | Sequence[float], k: int, *, exact: bool = False
    ) -> list[tuple[ChunkId, float]]:
        query = np.asarray(vector, dtype=np.float32)
        with self._lock:
            count = len(self._ids)
            if count == 0 or k <= 0:
                return []
            self._cluster_locked()
            if self._centroids is None or exact:
                scores = _dot(self._matrix[:count], query)
                return [(self._ids[row], float(scores[row])) for row in _top(scores, k)]
            probes = max(1, math.ceil(self.probe_share * len(self._centroids)))
            probed = np.zeros(len(self._centroids), dtype=bool)
            probed[_top(_dot(self._centroids, query), probes)] = True
            rows = np.flatnonzero(probed[self._assignment[:count]])
            scores = _dot(self._matrix[rows], query)
            return [(self._ids[rows[position]], float(scores[position])) for position in _top(scores, k)]

    def similarity(self, ids: Sequence[ChunkId], vector: np.ndarray | Sequence[float]) -> list[float]:
        """Cosines of the given chunks to ``vector``; 0.0 for an id the index does not hold."""
        query = np.asarray(vector, dtype=np.float32)
        with self._lock:
            rows = [self._rows.get(chunk_id) for chunk_id in ids]
            known = [row for row in rows if row is not None]
            scores = iter(_dot(self._matrix[known], query).tolist()) if known else iter(())
            return [float(next(scores)) if row is not None else 0.0 for row in rows]
