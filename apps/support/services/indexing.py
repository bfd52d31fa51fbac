"""Indexing: a document version or an FAQ entry becomes chunks with embeddings (one re-index job item).

Embedding runs outside any transaction; the chunks of the item are then replaced in one transaction,
so running an item twice (a worker killed mid-job) leaves exactly one set of chunks.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction

from apps import inference
from apps.accounts.models import Store

from ..knowledge import ParsedDocument, Section, chunk_document, faq_chunk
from ..knowledge import chunking as knowledge_chunking
from ..models import Chunk, FaqEntry, KnowledgeDocument
from .settings import index_changed

logger = logging.getLogger(__name__)
EMBED_BATCH = 32


class NothingToIndex(Exception):
    """The item's document or FAQ entry is gone (deleted after the job was queued)."""


def embedding_model() -> str:
    return str(settings.SUPPORT_EMBEDDING_MODEL)


def embed_passages(*, store: Store, texts: list[str]) -> list[bytes]:
    """float32 bytes of each text's unit vector, in order."""
    vectors: list[bytes] = []
    for start in range(0, len(texts), EMBED_BATCH):
        batch = texts[start : start + EMBED_BATCH]
        for embedding in inference.embed(batch, model=embedding_model(), store=store, kind="passage"):
            vectors.append(np.asarray(embedding.vector, dtype=np.float32).tobytes())
    return vectors


def _document_pieces(document: KnowledgeDocument) -> list[knowledge_chunking.Chunk]:
    version = document.current_version
    if version is None:
        return []
    parsed = ParsedDocument(
        title=document.title,
        sections=[Section(heading_path=tuple(s["heading_path"]), text=s["text"]) for s in version.sections],
    )
    return chunk_document(parsed)


def index_item(*, store: Store, key: str) -> dict[str, Any]:
    """Chunk and embed "document:<id>" or "faq:<id>" and replace its chunks; returns counts."""
    kind, _sep, raw_id = key.partition(":")
    document: KnowledgeDocument | None = None
    entry: FaqEntry | None = None
    faq_version = 0
    if kind == "document":
        document = (
            KnowledgeDocument.objects.filter(store=store, pk=raw_id).select_related("current_version").first()
        )
        if document is None:
            raise NothingToIndex(key)
        pieces = _document_pieces(document)
        version_id = document.current_version_id
        owner: dict[str, Any] = {"document": document, "version_id": version_id}
    elif kind == "faq":
        entry = FaqEntry.objects.filter(store=store, pk=raw_id).first()
        if entry is None:
            raise NothingToIndex(key)
        pieces = [faq_chunk(entry.question, entry.answer)]
        owner = {"faq": entry}
        faq_version = entry.version
    else:
        raise ValueError(f"Unknown knowledge item {key!r}.")
    vectors = embed_passages(store=store, texts=[piece.search_text for piece in pieces])
    model = embedding_model()
    with transaction.atomic():
        if kind == "document":
            assert document is not None
            # A newer version may have come meanwhile; its own job indexes it.
            current = KnowledgeDocument.objects.select_for_update().filter(pk=document.pk).first()
            if current is None or current.current_version_id != version_id:
                return {"chunks": 0, "stale": True}
            Chunk.objects.filter(document=current).delete()
        else:
            assert entry is not None
            current_entry = FaqEntry.objects.select_for_update().filter(pk=entry.pk).first()
            if current_entry is None or current_entry.version != faq_version:
                return {"chunks": 0, "stale": True}
            Chunk.objects.filter(faq=current_entry).delete()
        Chunk.objects.bulk_create(
            [
                Chunk(
                    store=store,
                    document=owner.get("document"),
                    version_id=owner.get("version_id"),
                    faq=owner.get("faq"),
                    position=piece.ordinal,
                    heading_path=list(piece.heading_path),
                    kind=piece.kind,
                    text=piece.text,
                    language=(owner["document"].language if kind == "document" else owner["faq"].language),
                    embedding=vector,
                    embedding_model=model,
                )
                for piece, vector in zip(pieces, vectors, strict=True)
            ]
        )
        if document is not None:
            KnowledgeDocument.objects.filter(pk=document.pk).update(
                status=KnowledgeDocument.Status.READY, status_detail=""
            )
        index_changed(store=store)
    return {"chunks": len(pieces)}


def index_failed(*, store: Store, key: str, reason: str) -> None:
    """Say on the document why it could not be indexed (the job item carries the error too)."""
    kind, _sep, raw_id = key.partition(":")
    if kind == "document":
        KnowledgeDocument.objects.filter(store=store, pk=raw_id).update(
            status=KnowledgeDocument.Status.FAILED, status_detail=reason[:500]
        )
