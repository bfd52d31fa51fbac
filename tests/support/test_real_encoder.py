"""The support module's model path through real code: a tiny random encoder run by transformers (the local
backend, as in a worker), and the packaged multilingual-e5-small (marker ``real_model``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from apps.inference.registry import ModelSpec, get_spec, register_model, unregister_model
from apps.support.models import Chunk
from apps.support.services import assistant, inbox, retrieval

from .helpers import build_knowledge_base

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    from tests.inference.tiny_models import build_encoder

    return build_encoder(tmp_path_factory.mktemp("support_tiny") / "encoder", classifier=False)


@pytest.fixture
def tiny_registered(tiny_encoder: Path, settings: Any) -> Iterator[ModelSpec]:
    spec = ModelSpec(
        key="tiny-support-encoder",
        task="embed",
        path=str(tiny_encoder),
        revision="tiny-1",
        max_length=64,
        max_batch=8,
        query_prefix="query: ",
        passage_prefix="passage: ",
    )
    register_model(spec)
    settings.SUPPORT_EMBEDDING_MODEL = spec.key
    settings.INFERENCE_IN_PROCESS = True
    settings.INFERENCE_BACKEND = "local"
    yield spec
    unregister_model(spec.key)


def _events(conversation: Any, text: str) -> list[dict[str, Any]]:
    message = assistant.shopper_message_receive(conversation=conversation, text=text)
    return list(assistant.assistant_turn(conversation=conversation, message=message, ip_address="10.0.0.9"))


def test_indexing_and_retrieval_run_a_real_transformers_encoder(
    store: Any, tiny_registered: ModelSpec
) -> None:
    build_knowledge_base(store)
    chunks = list(Chunk.objects.filter(store=store))
    assert len(chunks) == 7
    assert {chunk.embedding_model for chunk in chunks} == {"tiny-support-encoder"}
    vectors = np.vstack([np.frombuffer(bytes(chunk.embedding), dtype=np.float32) for chunk in chunks])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    _retriever, hits = retrieval.search(store=store, question="How long does shipping take?", k=3)
    assert len(hits) == 3 and any(hit.dense != 0.0 for hit in hits)
    events = _events(inbox.conversation_start(store=store), "How long does shipping take?")
    assert events[-1]["type"] == "message"


def test_switching_the_encoder_matches_old_chunks_by_keywords_until_reindexed(
    store: Any, fake_inference: Any, tiny_registered: ModelSpec, settings: Any
) -> None:
    settings.SUPPORT_EMBEDDING_MODEL = "multilingual-e5-small"
    build_knowledge_base(store)  # embedded by the fake under the e5 key
    settings.SUPPORT_EMBEDDING_MODEL = tiny_registered.key
    retriever = retrieval.retriever_for(store=store)
    assert len(retriever) == 7 and len(retriever.vectors) == 0


@pytest.mark.real_model
def test_the_packaged_multilingual_encoder_answers_paraphrases_in_both_languages(
    store: Any, settings: Any
) -> None:
    spec = get_spec("multilingual-e5-small")
    if not spec.is_installed():
        pytest.skip(f"{spec.key} is not in {spec.local_path}; run `python manage.py models install`")
    settings.SUPPORT_RETRIEVAL = {}  # the retriever's own calibration, made for this encoder
    settings.INFERENCE_IN_PROCESS = True
    settings.INFERENCE_BACKEND = "local"
    build_knowledge_base(store)
    conversation = inbox.conversation_start(store=store)
    answer = _events(conversation, "How many days do I have to return an item?")[-1]["message"]
    assert answer["kind"] == "answer" and "30 days" in answer["text"], answer
    assert answer["citations"][0]["title"] == "Returns policy"
    chinese = _events(inbox.conversation_start(store=store), "你们能开发票吗？")[-1]["message"]
    assert chinese["kind"] == "answer" and "发票" in chinese["text"], chinese
    unknown = _events(inbox.conversation_start(store=store), "Do you have a store in Berlin?")
    assert unknown[-1]["message"]["kind"] == "handoff"
