"""The knowledge-and-answer core of customer service, with no Django imports.

Documents in (``parse_document``), chunks out (``chunk_document``, ``faq_chunk``), keyword tokens for
Chinese and English (``tokenize``), hybrid retrieval (``HybridRetriever`` over a ``VectorIndex``),
answers that quote and cite their chunks or hand over to a person (``compose_answer``), guardrails
(``needs_handoff``, ``redact_pii``, ``looks_like_injection``) and order proofs (``verify_order_proof``).
"""

from .answers import Answer, Sentence, compose_answer, is_supported, language_of
from .chunking import DEFAULT_MAX_CHARS, Chunk, chunk_document, faq_chunk
from .documents import MAX_DOCUMENT_BYTES, DocumentError, ParsedDocument, Section, parse_document
from .guardrails import HandoffReason, looks_like_injection, needs_handoff, redact_pii, strip_injection
from .keywords import KeywordIndex
from .orders import find_order_proof, normalise_email, normalise_phone, verify_order_proof
from .retrieval import Hit, HybridRetriever, RetrievalSettings
from .tokens import tokenize
from .vectors import ChunkId, NumpyVectorIndex, VectorIndex

__all__ = [
    "DEFAULT_MAX_CHARS",
    "MAX_DOCUMENT_BYTES",
    "Answer",
    "Chunk",
    "ChunkId",
    "DocumentError",
    "HandoffReason",
    "Hit",
    "HybridRetriever",
    "KeywordIndex",
    "NumpyVectorIndex",
    "ParsedDocument",
    "RetrievalSettings",
    "Section",
    "Sentence",
    "VectorIndex",
    "chunk_document",
    "compose_answer",
    "faq_chunk",
    "find_order_proof",
    "is_supported",
    "language_of",
    "looks_like_injection",
    "needs_handoff",
    "normalise_email",
    "normalise_phone",
    "parse_document",
    "redact_pii",
    "strip_injection",
    "tokenize",
    "verify_order_proof",
]
