"""Each store's retriever, kept per process and rebuilt when the store's chunks change.

The dense part sits behind the knowledge package's ``VectorIndex`` interface; ``vector_index_factory``
is the one place to plug in pgvector or a dedicated engine when a store outgrows the in-process index.
The web process embeds the question through apps.inference (a worker, or the remote backend) and never
loads a model itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from apps import inference
from apps.accounts.models import Store

from ..knowledge import Hit, HybridRetriever, NumpyVectorIndex, RetrievalSettings, VectorIndex
from ..models import Chunk, SupportSettings
from .indexing import embedding_model

logger = logging.getLogger(__name__)

vector_index_factory: Callable[[Store], VectorIndex] = lambda store: NumpyVectorIndex()  # noqa: E731


@dataclass
class _Cached:
    generation: int
    model: str
    retriever: HybridRetriever


_cache: dict[int, _Cached] = {}
_lock = threading.Lock()


def _generation(store: Store) -> int:
    value = SupportSettings.objects.filter(store=store).values_list("index_generation", flat=True).first()
    return int(value or 0)


def retrieval_settings() -> RetrievalSettings:
    """The fusion and the support threshold; SUPPORT_RETRIEVAL overrides fields (an encoder's calibration)."""
    return RetrievalSettings(**dict(settings.SUPPORT_RETRIEVAL))


def _build(store: Store, model: str) -> HybridRetriever:
    retriever = HybridRetriever(vectors=vector_index_factory(store), settings=retrieval_settings())
    rows = Chunk.objects.filter(store=store).values_list(
        "pk", "heading_path", "text", "embedding", "embedding_model"
    )
    ids: list[int] = []
    texts: list[str] = []
    headings: list[str] = []
    dense_ids: list[int] = []
    vectors: list[np.ndarray] = []
    for pk, heading_path, text, embedding, chunk_model in rows.iterator(chunk_size=2000):
        ids.append(pk)
        texts.append("\n".join([*(heading_path or []), text]))
        headings.append(heading_path[-1] if heading_path else "")
        # Chunks embedded by another model (before a switch, until re-indexed) are matched by keywords only.
        if chunk_model == model and embedding:
            dense_ids.append(pk)
            vectors.append(np.frombuffer(bytes(embedding), dtype=np.float32))
    retriever.add(ids, texts, headings=headings)
    if dense_ids:
        retriever.vectors.add(dense_ids, np.vstack(vectors))
    return retriever


def retriever_for(*, store: Store) -> HybridRetriever:
    """The store's retriever as of its latest chunks (one small query when nothing changed)."""
    generation, model = _generation(store), embedding_model()
    cached = _cache.get(store.pk)
    if cached is not None and cached.generation == generation and cached.model == model:
        return cached.retriever
    with _lock:
        cached = _cache.get(store.pk)
        if cached is None or cached.generation != generation or cached.model != model:
            cached = _Cached(generation=generation, model=model, retriever=_build(store, model))
            _cache[store.pk] = cached
    return cached.retriever


def retriever_forget(*, store_id: int | None = None) -> None:
    """Drop cached retrievers (all of them, or one store's)."""
    with _lock:
        if store_id is None:
            _cache.clear()
        else:
            _cache.pop(store_id, None)


def embed_question(*, store: Store, question: str) -> list[float] | None:
    """The question's vector, or None when no encoder answers (retrieval then uses keywords alone)."""
    try:
        [embedding] = inference.embed([question], model=embedding_model(), store=store, kind="query")
    except inference.InferenceError:
        logger.warning("support: question embedding failed; answering from keywords", exc_info=True)
        return None
    return embedding.vector


def search(*, store: Store, question: str, k: int = 5) -> tuple[HybridRetriever, list[Hit]]:
    retriever = retriever_for(store=store)
    if not len(retriever):
        return retriever, []
    return retriever, retriever.search(question, embed_question(store=store, question=question), k=k)
