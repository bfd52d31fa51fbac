"""Hybrid retrieval over one store's chunks: dense cosine plus BM25 keywords, fused.

- ``VectorIndex`` is the one interface for the dense part; ``NumpyVectorIndex`` keeps one float32
  matrix per store in process. A pgvector table or a dedicated engine can replace it by implementing
  the same three methods.
- ``KeywordIndex`` is BM25 (bm25s) over ``tokenize`` tokens, so Chinese without spaces is matched by
  jieba words and character bigrams. It also says what share of the question's keyword weight a chunk
  covers (``coverage``, 0..1, idf-weighted): a calibrated figure, unlike a raw BM25 score.
- ``HybridRetriever`` ranks by reciprocal-rank fusion (or a weighted sum of the calibrated scores,
  ``fusion="weighted"``) and decides whether the best hit *supports* an answer: without a supporting
  chunk the assistant hands over to a person instead of guessing.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from .tokens import tokenize

ChunkId = int | str
Fusion = Literal["rrf", "weighted"]


class VectorIndex(Protocol):
    """Dense vectors by chunk id; vectors are unit length, so a dot product is a cosine."""

    def add(self, ids: Sequence[ChunkId], vectors: np.ndarray | Sequence[Sequence[float]]) -> None: ...

    def remove(self, ids: Sequence[ChunkId]) -> None: ...

    def search(self, vector: np.ndarray | Sequence[float], k: int) -> list[tuple[ChunkId, float]]: ...

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
            scores = self._matrix[:count] @ np.asarray(vector, dtype=np.float32)
            ids = list(self._ids)
        k = min(k, count)
        top = np.argpartition(-scores, k - 1)[:k] if k < count else np.arange(count)
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(ids[row], float(scores[row])) for row in top]


class KeywordIndex:
    """BM25 over keyword tokens; rebuilt lazily after changes (bm25s indexes 100,000 chunks in seconds)."""

    def __init__(self) -> None:
        self._tokens: dict[ChunkId, list[str]] = {}
        self._ids: list[ChunkId] = []
        self._document_frequency: Counter[str] = Counter()
        self._bm25: object | None = None
        self._vocabulary: dict[str, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._tokens)

    def add(self, ids: Sequence[ChunkId], texts: Sequence[str]) -> None:
        self.add_tokens(ids, [tokenize(text) for text in texts])

    def add_tokens(self, ids: Sequence[ChunkId], token_lists: Sequence[list[str]]) -> None:
        with self._lock:
            for chunk_id, tokens in zip(ids, token_lists, strict=True):
                self._forget(chunk_id)
                self._tokens[chunk_id] = tokens
                self._document_frequency.update(set(tokens))
            self._bm25 = None

    def remove(self, ids: Sequence[ChunkId]) -> None:
        with self._lock:
            for chunk_id in ids:
                self._forget(chunk_id)
            self._bm25 = None

    def _forget(self, chunk_id: ChunkId) -> None:
        tokens = self._tokens.pop(chunk_id, None)
        if tokens is not None:
            self._document_frequency.subtract(set(tokens))

    def _build(self) -> tuple[object, list[ChunkId], dict[str, int]]:
        with self._lock:
            if self._bm25 is None:
                import bm25s

                self._ids = list(self._tokens)
                corpus = [self._tokens[chunk_id] or [""] for chunk_id in self._ids]
                bm25 = bm25s.BM25()
                bm25.index(corpus, show_progress=False)
                self._vocabulary = dict(bm25.vocab_dict)
                self._bm25 = bm25
            return self._bm25, self._ids, self._vocabulary

    def idf(self, token: str) -> float:
        count = len(self._tokens)
        frequency = self._document_frequency.get(token, 0)
        return math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))

    def search(self, query_tokens: Sequence[str], k: int) -> list[tuple[ChunkId, float]]:
        if not self._tokens or k <= 0:
            return []
        bm25, ids, vocabulary = self._build()
        known = [token for token in query_tokens if token in vocabulary]
        if not known:
            return []
        scores = np.asarray(bm25.get_scores(known))  # type: ignore[attr-defined]
        k = min(k, len(ids))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(ids) else np.arange(len(ids))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(ids[row], float(scores[row])) for row in top if scores[row] > 0]

    def coverage(self, query_tokens: Sequence[str], chunk_id: ChunkId) -> float:
        """The idf-weighted share of the question's distinct keywords that the chunk contains (0..1)."""
        query = set(query_tokens)
        tokens = set(self._tokens.get(chunk_id, ()))
        total = sum(self.idf(token) for token in query)
        if not query or total <= 0:
            return 0.0
        return sum(self.idf(token) for token in query & tokens) / total


@dataclass(frozen=True)
class Hit:
    chunk_id: ChunkId
    score: float  # the fused ranking score
    dense: float  # cosine similarity to the question (0 when no vector was given)
    keyword: float  # idf-weighted keyword coverage of the question, 0..1


@dataclass(frozen=True)
class RetrievalSettings:
    fusion: Fusion = "rrf"
    rrf_k: int = 60
    candidates: int = 30
    dense_weight: float = 0.6
    # Cosines of multilingual-e5-small between unrelated texts sit near 0.75; these map it to 0..1.
    dense_floor: float = 0.78
    dense_ceiling: float = 0.92
    # A hit supports an answer when its calibrated confidence reaches this.
    support_threshold: float = 0.45


class HybridRetriever:
    """One store's chunks: ``add`` them with their texts and vectors, ``search`` with a question."""

    def __init__(self, vectors: VectorIndex | None = None, settings: RetrievalSettings | None = None) -> None:
        self.vectors: VectorIndex = vectors if vectors is not None else NumpyVectorIndex()
        self.keywords = KeywordIndex()
        self.settings = settings or RetrievalSettings()

    def __len__(self) -> int:
        return len(self.keywords)

    def add(
        self,
        ids: Sequence[ChunkId],
        texts: Sequence[str],
        vectors: np.ndarray | Sequence[Sequence[float]] | None = None,
    ) -> None:
        """Index chunks by id (their ``search_text``); an id already present is replaced."""
        if len(ids) != len(texts):
            raise ValueError("add() needs one text per id")
        self.keywords.add(ids, texts)
        if vectors is not None and len(ids):
            self.vectors.add(ids, vectors)

    def remove(self, ids: Sequence[ChunkId]) -> None:
        self.keywords.remove(ids)
        self.vectors.remove(ids)

    def calibrated_dense(self, cosine: float) -> float:
        low, high = self.settings.dense_floor, self.settings.dense_ceiling
        return min(1.0, max(0.0, (cosine - low) / (high - low)))

    def confidence(self, hit: Hit) -> float:
        """0..1: how well the chunk answers the question, from the calibrated dense and keyword parts."""
        weight = self.settings.dense_weight if hit.dense else 0.0
        return weight * self.calibrated_dense(hit.dense) + (1 - weight) * hit.keyword

    def search(
        self, question: str, vector: np.ndarray | Sequence[float] | None = None, *, k: int = 5
    ) -> list[Hit]:
        """The best ``k`` chunks for the question, best first."""
        query_tokens = tokenize(question)
        pool = max(k, self.settings.candidates)
        keyword_ranked = self.keywords.search(query_tokens, pool)
        dense_ranked = self.vectors.search(vector, pool) if vector is not None else []
        dense_scores = dict(dense_ranked)
        candidates = list(dict.fromkeys([chunk_id for chunk_id, _ in dense_ranked + keyword_ranked]))
        if not candidates:
            return []
        keyword_rank = {chunk_id: rank for rank, (chunk_id, _) in enumerate(keyword_ranked)}
        dense_rank = {chunk_id: rank for rank, (chunk_id, _) in enumerate(dense_ranked)}
        hits = []
        for chunk_id in candidates:
            dense = dense_scores.get(chunk_id, 0.0)
            coverage = self.keywords.coverage(query_tokens, chunk_id)
            if self.settings.fusion == "rrf":
                score = sum(
                    1.0 / (self.settings.rrf_k + ranks[chunk_id] + 1)
                    for ranks in (dense_rank, keyword_rank)
                    if chunk_id in ranks
                )
            else:
                score = self.confidence(Hit(chunk_id, 0.0, dense, coverage))
            hits.append(Hit(chunk_id=chunk_id, score=score, dense=dense, keyword=coverage))
        hits.sort(key=lambda hit: (-hit.score, -hit.keyword))
        return hits[:k]

    def supports(self, hit: Hit) -> bool:
        return self.confidence(hit) >= self.settings.support_threshold

    def supporting(self, hits: Sequence[Hit]) -> list[Hit]:
        """The hits that support an answer, best first; empty means hand over to a person."""
        return [hit for hit in hits if self.supports(hit)]
