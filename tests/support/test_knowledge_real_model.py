"""The knowledge core on the packaged multilingual-e5-small: the demo knowledge base embedded for real,
questions in both languages answered from the right chunk, an unrelated one handed over."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apps.inference.backends.local import LocalBackend
from apps.inference.registry import get_spec
from apps.support.knowledge import (
    Chunk,
    HybridRetriever,
    chunk_document,
    compose_answer,
    faq_chunk,
    parse_document,
)

pytestmark = pytest.mark.real_model
DATA = Path(__file__).parents[1] / "data" / "support"


def _knowledge() -> dict[str, Chunk]:
    chunks: dict[str, Chunk] = {}
    for path in sorted((DATA / "kb").glob("*.md")):
        for chunk in chunk_document(parse_document(path.read_bytes(), filename=path.name)):
            chunks[f"{path.stem}/{chunk.heading_path[-1]}"] = chunk
    for entry in json.loads((DATA / "faq.json").read_text(encoding="utf-8")):
        chunks[entry["id"]] = faq_chunk(entry["question"], entry["answer"])
    return chunks


@pytest.fixture(scope="module")
def knowledge() -> tuple[HybridRetriever, dict[str, Chunk], LocalBackend, object]:
    spec = get_spec("multilingual-e5-small")
    if not spec.is_installed():
        pytest.skip(
            f"multilingual-e5-small is not in {spec.local_path}; run `python manage.py models install`"
        )
    backend = LocalBackend()
    chunks = _knowledge()
    vectors = [
        embedding.vector for embedding in backend.embed([c.search_text for c in chunks.values()], spec)
    ]
    retriever = HybridRetriever()
    headings = [chunk.heading_path[-1] for chunk in chunks.values()]  # as the store's retriever has them
    retriever.add(list(chunks), [chunk.search_text for chunk in chunks.values()], vectors, headings)
    return retriever, chunks, backend, spec


def _ask(knowledge: tuple[HybridRetriever, dict[str, Chunk], LocalBackend, object], question: str):  # type: ignore[no-untyped-def]
    retriever, chunks, backend, spec = knowledge
    [vector] = backend.embed([question], spec, kind="query")  # type: ignore[arg-type]
    hits = retriever.search(question, vector.vector, k=5)
    return hits, compose_answer(question, retriever.supporting(hits), chunks)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many business days until a refund reaches my bank?", {"returns_en/Refund timing"}),
        ("支付宝能用吗", {"payment_zh/支持的支付方式", "payment_en/Accepted payment methods"}),
        ("Do you ship orders to Hong Kong?", {"shipping_en/Countries we ship to"}),
    ],
)
def test_questions_are_answered_from_the_right_chunk(knowledge, question: str, expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    hits, answer = _ask(knowledge, question)
    assert str(hits[0].chunk_id) in expected
    assert not answer.handoff
    assert set(answer.cited_chunk_ids) <= expected


def test_a_chinese_question_over_an_english_only_policy_says_so(knowledge) -> None:  # type: ignore[no-untyped-def]
    _, answer = _ask(knowledge, "手表的保修期有多长？")
    assert not answer.handoff
    assert answer.cited_chunk_ids == ["warranty_en/Warranty period"]
    assert answer.sentences[0].kind == "notice" and "英文" in answer.sentences[0].text


def test_an_unrelated_question_finds_no_supporting_chunk(knowledge) -> None:  # type: ignore[no-untyped-def]
    _, answer = _ask(knowledge, "Who won the football world cup in 1998?")
    assert answer.handoff and answer.reason == "no_supporting_chunk"
