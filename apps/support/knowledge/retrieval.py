"""Hybrid retrieval over one store's chunks: dense cosine plus BM25 keywords, fused.

``HybridRetriever`` ranks candidates from both halves by reciprocal-rank fusion (``fusion="rrf"``, the
default) or by confidence (``fusion="weighted"``), and gives each hit a *confidence*: a logistic model
over the dense cosine, the keyword coverage and whether the chunk is in the question's language,
fitted on the tuning part of tests/data/support (``benchmarks/support_bench.py --tune``). A hit
supports an answer when its confidence reaches ``support_threshold``; without a supporting chunk the
assistant hands over to a person instead of guessing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from apps.core.text import is_chinese

from .glossary import direct_counterparts, expand_token
from .guardrails import strip_injection
from .keywords import KeywordIndex
from .tokens import is_segmentation_artefact, tokenize
from .vectors import ChunkId, NumpyVectorIndex, VectorIndex

Fusion = Literal["rrf", "weighted"]


@dataclass(frozen=True)
class Hit:
    chunk_id: ChunkId
    score: float  # the ranking score (reciprocal-rank fusion, or the confidence)
    dense: float  # cosine similarity to the question (0 when no vector was given)
    keyword: float  # idf-weighted keyword coverage of the question, 0..1
    confidence: float = 0.0  # 0..1: how likely the chunk answers the question
    heading: float = 0.0  # share of the chunk's own heading that the question names, 0..1


@dataclass(frozen=True)
class RetrievalSettings:
    fusion: Fusion = "weighted"
    rrf_k: int = 60
    candidates: int = 30
    # The encoder's cosine range: ``dense_floor`` is about what unrelated texts score, ``dense_ceiling``
    # what a close paraphrase scores. A question and a passage in different languages score lower for
    # the same meaning; ``cross_language_shift`` is that gap, added to a cross-language cosine (measured
    # without labels: a question's best chunk in its own language against its best chunk in the other,
    # over a bilingual knowledge base). multilingual-e5-small: 0.78 / 0.92 and a gap of 0.061. Another
    # encoder only needs its own three; the weights below work on the shifted cosine scaled to the range.
    dense_floor: float = 0.78
    dense_ceiling: float = 0.92
    cross_language_shift: float = 0.061
    # Confidence that a hit answers the question: sigmoid(bias + dense_weight * scaled cosine
    #   + keyword_weight * coverage + heading_weight * heading match), fitted on the dev part of
    # tests/data/support (benchmarks/support_bench.py --tune). Keyword coverage counts a question's
    # word as found when the chunk has it, a synonym or a glossary translation, so it carries
    # cross-language evidence too. The heading match is the share of the chunk's section heading (an
    # FAQ entry's question) that the question names the same way: a heading says what a section is
    # about, where its body may mention a word in passing ("Canada" in both "Countries we ship to" and
    # "Customs and import duties").
    bias: float = -8.43
    dense_weight: float = 7.84
    keyword_weight: float = 6.37
    heading_weight: float = 2.32
    support_threshold: float = 0.35
    # Without question vectors (no encoder at hand) a hit supports an answer by keyword coverage alone.
    keyword_only_threshold: float = 0.6


class HybridRetriever:
    """One store's chunks: ``add`` them with their texts and vectors, ``search`` with a question."""

    def __init__(self, vectors: VectorIndex | None = None, settings: RetrievalSettings | None = None) -> None:
        self.vectors: VectorIndex = vectors if vectors is not None else NumpyVectorIndex()
        self.keywords = KeywordIndex()
        self.settings = settings or RetrievalSettings()
        self._chinese: dict[ChunkId, bool] = {}
        self._headings: dict[ChunkId, frozenset[str]] = {}

    def __len__(self) -> int:
        return len(self.keywords)

    def add(
        self,
        ids: Sequence[ChunkId],
        texts: Sequence[str],
        vectors: np.ndarray | Sequence[Sequence[float]] | None = None,
        headings: Sequence[str] | None = None,
    ) -> None:
        """Index chunks by id (their ``search_text``, and optionally each one's own section heading, or
        an FAQ entry's question); an id already present is replaced."""
        if len(ids) != len(texts) or (headings is not None and len(headings) != len(ids)):
            raise ValueError("add() needs one text (and one heading, if any) per id")
        self.keywords.add(ids, texts)
        for chunk_id, heading in zip(ids, headings or [""] * len(ids), strict=True):
            self._headings[chunk_id] = frozenset(
                token for token in tokenize(heading) if not is_segmentation_artefact(token)
            )
        self._chinese.update((chunk_id, is_chinese(text)) for chunk_id, text in zip(ids, texts, strict=True))
        if vectors is not None and len(ids):
            self.vectors.add(ids, vectors)

    def remove(self, ids: Sequence[ChunkId]) -> None:
        self.keywords.remove(ids)
        self.vectors.remove(ids)
        for chunk_id in ids:
            self._chinese.pop(chunk_id, None)
            self._headings.pop(chunk_id, None)

    def scaled_dense(self, dense: float, *, cross_language: bool) -> float:
        """The cosine on the encoder's scale (0 at ``dense_floor``, 1 at ``dense_ceiling``), a cross-language
        one raised by the language gap, but never past the ceiling by it."""
        settings = self.settings
        shifted = dense
        if cross_language:
            shifted = max(dense, min(dense + settings.cross_language_shift, settings.dense_ceiling))
        return (shifted - settings.dense_floor) / (settings.dense_ceiling - settings.dense_floor)

    def heading_match(self, chunk_id: ChunkId, named: set[str]) -> float:
        """The share of the chunk's heading tokens that the question names (``named``: its tokens with
        their synonyms and their own translations); 0 for a chunk indexed without a heading."""
        heading = self._headings.get(chunk_id)
        if not heading:
            return 0.0
        return len(heading & named) / len(heading)

    def confidence(
        self,
        dense: float,
        keyword: float,
        *,
        cross_language: bool,
        has_vector: bool = True,
        heading: float = 0.0,
    ) -> float:
        """0..1: how likely a chunk with these scores answers the question."""
        if not has_vector:
            return keyword
        settings = self.settings
        scaled = self.scaled_dense(dense, cross_language=cross_language)
        z = (
            settings.bias
            + settings.dense_weight * scaled
            + settings.keyword_weight * keyword
            + settings.heading_weight * heading
        )
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def search(
        self, question: str, vector: np.ndarray | Sequence[float] | None = None, *, k: int = 5
    ) -> list[Hit]:
        """The best ``k`` chunks for the question, best first. Sentences of the question that try to
        instruct the assistant are not searched for (``strip_injection``)."""
        question = strip_injection(question)
        if not question:
            return []
        query_tokens = self.keywords.correct(tokenize(question))
        translations = {token: expand_token(token) for token in set(query_tokens)}
        extra = [
            other for token in query_tokens for other in translations[token] if other not in query_tokens
        ]
        pool = max(k, self.settings.candidates)
        keyword_ranked = self.keywords.search(query_tokens, pool, translated=extra)
        dense_ranked = self.vectors.search(vector, pool) if vector is not None else []
        candidates = list(dict.fromkeys([chunk_id for chunk_id, _ in dense_ranked + keyword_ranked]))
        if not candidates:
            return []
        dense_scores = dict(dense_ranked)
        missing = [chunk_id for chunk_id in candidates if chunk_id not in dense_scores]
        if vector is not None and missing:
            dense_scores.update(zip(missing, self.vectors.similarity(missing, vector), strict=True))
        keyword_rank = {chunk_id: rank for rank, (chunk_id, _) in enumerate(keyword_ranked)}
        dense_rank = {chunk_id: rank for rank, (chunk_id, _) in enumerate(dense_ranked)}
        chinese_question = is_chinese(question)
        hits = []
        coverages = self.keywords.coverages(query_tokens, candidates, translations)
        # A chunk in the other language can only hold the question's words through the glossary, never
        # its character bigrams, which exist to match Chinese text that jieba cut differently: a
        # Chinese question's coverage of an English chunk is over its dictionary words alone.
        words = [token for token in query_tokens if not is_segmentation_artefact(token)]
        other_language = [
            chunk_id for chunk_id in candidates if self._chinese.get(chunk_id) != chinese_question
        ]
        if chinese_question and other_language and len(words) < len(query_tokens):
            by_words = dict(
                zip(other_language, self.keywords.coverages(words, other_language, translations), strict=True)
            )
            coverages = [
                by_words.get(chunk_id, coverage)
                for chunk_id, coverage in zip(candidates, coverages, strict=True)
            ]
        named = {
            *query_tokens,
            *(other for token in set(query_tokens) for other in direct_counterparts(token)),
        }
        for chunk_id, coverage in zip(candidates, coverages, strict=True):
            dense = dense_scores.get(chunk_id, 0.0)
            cross = self._chinese.get(chunk_id, False) != chinese_question
            heading = self.heading_match(chunk_id, named)
            confidence = self.confidence(
                dense, coverage, cross_language=cross, has_vector=vector is not None, heading=heading
            )
            if self.settings.fusion == "rrf":
                score = sum(
                    1.0 / (self.settings.rrf_k + ranks[chunk_id] + 1)
                    for ranks in (dense_rank, keyword_rank)
                    if chunk_id in ranks
                )
            else:
                score = confidence
            hits.append(Hit(chunk_id, score, dense, coverage, confidence, heading))
        hits.sort(key=lambda hit: (-hit.score, -hit.confidence))
        return hits[:k]

    def supports(self, hit: Hit) -> bool:
        if hit.dense == 0.0:
            return hit.confidence >= self.settings.keyword_only_threshold
        return hit.confidence >= self.settings.support_threshold

    def supporting(self, hits: Sequence[Hit]) -> list[Hit]:
        """The hits that support an answer, best first; empty means hand over to a person."""
        return [hit for hit in hits if self.supports(hit)]
