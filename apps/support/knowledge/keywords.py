"""The keyword half of retrieval: BM25 (bm25s) over ``tokenize`` tokens, so Chinese without spaces
is matched by jieba words and character bigrams, with spelling correction for Latin words and an
idf-weighted coverage figure (what share of the question's keyword weight a chunk holds, 0..1): a
calibrated number, unlike a raw BM25 score, which grows with the corpus.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Sequence

import numpy as np

from .tokens import tokenize
from .vectors import ChunkId

MIN_CORRECTED_LENGTH = 4
# In BM25 ranking a keyword found only through a synonym or a glossary translation counts half, so a
# chunk with the question's own words (and in its language) ranks above one that only means the same.
TRANSLATED_MATCH = 0.5


def _deletions(word: str) -> set[str]:
    return {word[:index] + word[index + 1 :] for index in range(len(word))}


def _deletion_neighbours(vocabulary: dict[str, int]) -> dict[str, list[str]]:
    """Symmetric-delete spelling index: each Latin word under itself and its one-letter deletions."""
    neighbours: dict[str, list[str]] = {}
    for word in vocabulary:
        if len(word) >= MIN_CORRECTED_LENGTH - 1 and word.isascii() and word.isalpha():
            for key in (word, *_deletions(word)):
                neighbours.setdefault(key, []).append(word)
    return neighbours


class KeywordIndex:
    """BM25 over keyword tokens; rebuilt lazily after changes (bm25s indexes 100,000 chunks in seconds)."""

    def __init__(self) -> None:
        self._tokens: dict[ChunkId, list[str]] = {}
        self._token_sets: dict[ChunkId, frozenset[str]] = {}
        self._ids: list[ChunkId] = []
        self._document_frequency: Counter[str] = Counter()
        self._bm25: object | None = None
        self._vocabulary: dict[str, int] = {}
        self._deletes: dict[str, list[str]] = {}
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
                self._token_sets[chunk_id] = frozenset(tokens)
                self._document_frequency.update(set(tokens))
            self._bm25 = None

    def remove(self, ids: Sequence[ChunkId]) -> None:
        with self._lock:
            for chunk_id in ids:
                self._forget(chunk_id)
            self._bm25 = None

    def _forget(self, chunk_id: ChunkId) -> None:
        tokens = self._tokens.pop(chunk_id, None)
        self._token_sets.pop(chunk_id, None)
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
                self._deletes = _deletion_neighbours(self._vocabulary)
                self._bm25 = bm25
            return self._bm25, self._ids, self._vocabulary

    def correct(self, tokens: Sequence[str]) -> list[str]:
        """Latin tokens the index does not know, replaced by a known one at edit distance 1 (the most
        frequent), so "retrun", "canda" or "refnd" still match; other tokens unchanged."""
        if not self._tokens:
            return list(tokens)
        _, _, vocabulary = self._build()
        corrected = []
        for token in tokens:
            if (
                token in vocabulary
                or len(token) < MIN_CORRECTED_LENGTH
                or not token.isascii()
                or not token.isalpha()
            ):
                corrected.append(token)
                continue
            candidates = {word for key in (token, *_deletions(token)) for word in self._deletes.get(key, ())}
            candidates.discard("")
            corrected.append(
                max(candidates, key=lambda word: (self._document_frequency[word], word))
                if candidates
                else token
            )
        return corrected

    def idf(self, token: str) -> float:
        count = len(self._tokens)
        frequency = self._document_frequency.get(token, 0)
        return math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))

    def search(
        self, query_tokens: Sequence[str], k: int, *, translated: Sequence[str] = ()
    ) -> list[tuple[ChunkId, float]]:
        """The ``k`` chunks with the highest BM25 score for the tokens; ``translated`` tokens (synonyms and
        glossary counterparts) add ``TRANSLATED_MATCH`` of their score, so a chunk with the question's
        own words ranks above one that only means the same."""
        if not self._tokens or k <= 0:
            return []
        bm25, ids, vocabulary = self._build()
        known = [token for token in query_tokens if token in vocabulary]
        known_translated = [token for token in translated if token in vocabulary]
        if not known and not known_translated:
            return []
        scores = np.zeros(len(ids), dtype=np.float32)
        if known:
            scores += np.asarray(bm25.get_scores(known), dtype=np.float32)  # type: ignore[attr-defined]
        if known_translated:
            extra = np.asarray(bm25.get_scores(known_translated), dtype=np.float32)  # type: ignore[attr-defined]
            scores += TRANSLATED_MATCH * extra
        k = min(k, len(ids))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(ids) else np.arange(len(ids))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(ids[row], float(scores[row])) for row in top if scores[row] > 0]

    def coverage(
        self,
        query_tokens: Sequence[str],
        chunk_id: ChunkId,
        translations: dict[str, list[str]] | None = None,
    ) -> float:
        """The idf-weighted share of the question's distinct keywords that the chunk contains (0..1); a
        keyword also counts as present when one of its ``translations`` (synonyms, glossary
        counterparts) is."""
        return self.coverages(query_tokens, [chunk_id], translations)[0]

    def coverages(
        self,
        query_tokens: Sequence[str],
        chunk_ids: Sequence[ChunkId],
        translations: dict[str, list[str]] | None = None,
    ) -> list[float]:
        """``coverage`` for several chunks, the question's idf weights computed once."""
        weights = {token: self.idf(token) for token in set(query_tokens)}
        total = sum(weights.values())
        if total <= 0:
            return [0.0] * len(chunk_ids)
        translations = translations or {}
        result = []
        for chunk_id in chunk_ids:
            tokens = self._token_sets.get(chunk_id, frozenset())
            found = sum(
                weight
                for token, weight in weights.items()
                if token in tokens or any(other in tokens for other in translations.get(token, ()))
            )
            result.append(found / total)
        return result
