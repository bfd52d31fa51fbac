"""Knowledge base services: documents and versions, FAQ entries, the re-index job, chunks per version."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from apps.accounts.actor import Actor
from apps.core.errors import ApplicationError
from apps.jobs.models import Job, JobItem
from apps.support.models import Chunk, FaqEntry, KnowledgeDocument, SupportSettings
from apps.support.services import knowledge, retrieval

from .helpers import FAQ, RETURNS_POLICY, build_knowledge_base, run_all_jobs, run_job

pytestmark = pytest.mark.django_db


def test_a_document_is_chunked_with_its_headings_and_embedded_by_a_job(
    store: Any, fake_inference: Any
) -> None:
    document = knowledge.document_create(
        store=store, actor=Actor.system(), data=RETURNS_POLICY.encode(), filename="returns.md"
    )
    assert document.status == KnowledgeDocument.Status.INDEXING
    assert document.title == "Returns policy"
    job = Job.objects.get(kind=knowledge.REINDEX_JOB_KIND)
    assert job.total == 1 and job.store == store
    run_job(job)
    job.refresh_from_db()
    assert (job.status, job.done_count, job.failed_count) == (Job.Status.SUCCEEDED, 1, 0)
    document.refresh_from_db()
    assert document.status == KnowledgeDocument.Status.READY
    chunks = list(Chunk.objects.filter(document=document).order_by("position"))
    assert [chunk.heading_path for chunk in chunks] == [
        ["Returns policy", "Returns window"],
        ["Returns policy", "Refunds"],
        ["Returns policy", "Return shipping"],
    ]
    assert {chunk.version_id for chunk in chunks} == {document.current_version_id}
    assert all(chunk.embedding_model == "multilingual-e5-small" for chunk in chunks)
    vector = np.frombuffer(bytes(chunks[0].embedding), dtype=np.float32)
    assert vector.shape == (64,) and abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
    assert ("embed", "multilingual-e5-small", 3) in fake_inference.calls


def test_a_new_version_replaces_the_chunks_and_keeps_the_old_text(store: Any, fake_inference: Any) -> None:
    document = build_knowledge_base(store)
    first_version = document.current_version
    knowledge.document_update(
        document=document,
        actor=Actor.system(),
        data=b"# Returns\n\nReturns are accepted within 14 days.",
        filename="returns.md",
    )
    run_all_jobs()
    document.refresh_from_db()
    assert document.current_version is not None and document.current_version.number == 2
    assert document.versions.count() == 2
    assert first_version is not None and "30 days" in first_version.text
    chunks = list(Chunk.objects.filter(document=document))
    assert [chunk.text for chunk in chunks] == ["Returns are accepted within 14 days."]
    assert chunks[0].version_id == document.current_version_id


def test_the_same_content_again_makes_no_new_version(store: Any, fake_inference: Any) -> None:
    document = build_knowledge_base(store)
    jobs = Job.objects.count()
    knowledge.document_update(
        document=document, actor=Actor.system(), data=RETURNS_POLICY.encode(), filename="r.md"
    )
    assert document.versions.count() == 1 and Job.objects.count() == jobs


def test_an_index_item_run_twice_leaves_one_set_of_chunks(store: Any, fake_inference: Any) -> None:
    document = build_knowledge_base(store)
    before = Chunk.objects.filter(document=document).count()
    from apps.support.services.indexing import index_item

    index_item(store=store, key=f"document:{document.pk}")
    assert Chunk.objects.filter(document=document).count() == before


def test_faq_entries_are_one_chunk_each_with_the_question_as_heading(store: Any, fake_inference: Any) -> None:
    build_knowledge_base(store)
    faq_chunks = Chunk.objects.filter(store=store, faq__isnull=False)
    assert faq_chunks.count() == len(FAQ)
    chunk = faq_chunks.get(faq__question="How long does shipping take?")
    assert chunk.heading_path == ["How long does shipping take?"] and chunk.kind == "faq"
    assert FaqEntry.objects.get(question="可以开发票吗？").language == "zh"


def test_editing_and_deleting_change_the_index_generation(store: Any, fake_inference: Any) -> None:
    build_knowledge_base(store)
    generation = SupportSettings.objects.get(store=store).index_generation
    entry = FaqEntry.objects.get(store=store, question="Do you ship internationally?")
    knowledge.faq_update(entry=entry, actor=Actor.system(), answer="No, we ship only within China.")
    run_all_jobs()
    assert SupportSettings.objects.get(store=store).index_generation > generation
    assert Chunk.objects.get(faq=entry).text == "No, we ship only within China."
    knowledge.faq_delete(entry=entry, actor=Actor.system())
    assert not Chunk.objects.filter(text__startswith="No, we ship").exists()


def test_the_cached_retriever_is_rebuilt_when_chunks_change(store: Any, fake_inference: Any) -> None:
    build_knowledge_base(store)
    first = retrieval.retriever_for(store=store)
    assert retrieval.retriever_for(store=store) is first
    knowledge.faq_create(
        store=store,
        actor=Actor.system(),
        question="Do you sell gift cards?",
        answer="Yes, from 10 to 500 USD.",
    )
    run_all_jobs()
    second = retrieval.retriever_for(store=store)
    assert second is not first and len(second) == len(first) + 1


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"", "empty.txt", "invalid_document"),
        (b"   \n\n  ", "blank.md", "invalid_document"),
        (b"%PDF-1.4 not really a pdf", "broken.pdf", "invalid_document"),
        (b"\x00\x01\x02binary", "tool.exe", "invalid_document"),
    ],
)
def test_unreadable_documents_are_refused_clearly(store: Any, data: bytes, filename: str, code: str) -> None:
    with pytest.raises(ApplicationError) as caught:
        knowledge.document_create(store=store, actor=Actor.system(), data=data, filename=filename)
    assert caught.value.code in (code, "empty_document")
    assert not KnowledgeDocument.objects.filter(store=store).exists()


def test_a_failed_embedding_marks_the_document_and_the_job_item(
    store: Any, fake_inference: Any, monkeypatch: Any
) -> None:
    from apps import inference

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise inference.ModelNotInstalled("multilingual-e5-small is not installed")

    monkeypatch.setattr(fake_inference, "embed", broken)
    document = knowledge.document_create(
        store=store, actor=Actor.system(), data=b"# A\n\nText here.", filename="a.md"
    )
    run_all_jobs()
    document.refresh_from_db()
    assert document.status == KnowledgeDocument.Status.FAILED
    assert "not installed" in document.status_detail
    assert JobItem.objects.get(job__kind=knowledge.REINDEX_JOB_KIND).status == JobItem.Status.FAILED


def test_hostile_html_is_read_as_text(store: Any, fake_inference: Any) -> None:
    html = b"<h1>Care</h1><script>alert(1)</script><p onclick='x()'>Wash cold. <b>Do not</b> bleach.</p>"
    document = knowledge.document_create(store=store, actor=Actor.system(), data=html, filename="care.html")
    run_all_jobs()
    text = " ".join(Chunk.objects.filter(document=document).values_list("text", flat=True))
    assert "alert" not in text and "<" not in text and "Wash cold." in text
