"""Knowledge base writes: documents (pasted or uploaded) and their versions, FAQ entries.

Every change is followed by a re-index job (apps/support/jobs.py) created in the same transaction,
so the chunks the assistant reads always come from a committed version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max

from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import audit_record
from apps.core.errors import ApplicationError
from apps.core.text import clean_text, is_chinese
from apps.jobs.models import Job
from apps.jobs.services import job_create

from ..knowledge import DocumentError, ParsedDocument, parse_document
from ..models import Chunk, DocumentVersion, FaqEntry, KnowledgeDocument
from .settings import index_changed

REINDEX_JOB_KIND = "support.reindex"
MAX_FAQ_ANSWER = 5000


def _language_of(text: str) -> str:
    return "zh" if is_chinese(text[:4000]) else "en"


def _sections_json(parsed: ParsedDocument) -> list[dict[str, Any]]:
    return [
        {"heading_path": list(section.heading_path), "text": section.text}
        for section in parsed.sections
        if section.text.strip()
    ]


def _as_markdown(sections: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for section in sections:
        path = section["heading_path"]
        if path:
            lines.append("#" * min(len(path), 6) + " " + path[-1])
        lines.append(section["text"].strip())
        lines.append("")
    return "\n".join(lines).strip()


def _parse(data: bytes, *, filename: str, content_type: str) -> ParsedDocument:
    try:
        parsed = parse_document(data, filename=filename, content_type=content_type)
    except DocumentError as error:
        raise ApplicationError(str(error), code="invalid_document") from None
    if not any(section.text.strip() for section in parsed.sections):
        raise ApplicationError("The document has no text to answer from.", code="empty_document")
    return parsed


def reindex_job_create(*, store: Store, actor: Actor, keys: Iterable[str], title: str) -> Job:
    """A job re-indexing the given items ("document:<id>" / "faq:<id>"), queued on commit."""
    return job_create(
        store=store,
        kind=REINDEX_JOB_KIND,
        items=[(key, {"key": key}) for key in keys],
        actor=actor,
        title=title,
    )


def _new_version(
    *, document: KnowledgeDocument, actor: Actor, parsed: ParsedDocument, source_format: str, file_name: str
) -> DocumentVersion:
    sections = _sections_json(parsed)
    text = _as_markdown(sections)
    number = (document.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    version = DocumentVersion.objects.create(
        document=document,
        number=number,
        source_format=source_format,
        file_name=file_name[:255],
        text=text,
        sections=sections,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        created_by=actor.user_or_none,
    )
    document.current_version = version
    document.status = KnowledgeDocument.Status.INDEXING
    document.status_detail = ""
    if not document.language:
        document.language = _language_of(text)
    document.save()
    return version


def _format_of(filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "txt"
    return {"md": "markdown", "markdown": "markdown", "htm": "html", "html": "html", "pdf": "pdf"}.get(
        suffix, "docx" if suffix == "docx" else "text"
    )


@transaction.atomic
def document_create(
    *,
    store: Store,
    actor: Actor,
    data: bytes,
    filename: str,
    content_type: str = "",
    title: str = "",
    language: str = "",
) -> KnowledgeDocument:
    """A document from pasted text (``filename`` "notes.md" says Markdown) or an uploaded file."""
    parsed = _parse(data, filename=filename, content_type=content_type)
    title = clean_text(title or parsed.title or filename)[:200] or "Untitled"
    document = KnowledgeDocument.objects.create(
        store=store, title=title, language=language, created_by=actor.user_or_none
    )
    version = _new_version(
        document=document, actor=actor, parsed=parsed, source_format=_format_of(filename), file_name=filename
    )
    audit_record(
        actor=actor,
        action="support.document_created",
        store=store,
        target=document,
        metadata={"version": version.number},
    )
    reindex_job_create(store=store, actor=actor, keys=[f"document:{document.pk}"], title=f"Index {title}")
    return document


@transaction.atomic
def document_update(
    *,
    document: KnowledgeDocument,
    actor: Actor,
    data: bytes | None = None,
    filename: str = "",
    content_type: str = "",
    title: str | None = None,
    language: str | None = None,
) -> KnowledgeDocument:
    """A new title or language, and a new version when new content comes (re-indexed by a job)."""
    if title is not None:
        document.title = clean_text(title)[:200] or document.title
    if language is not None:
        document.language = language
    document.save()
    if data is not None:
        parsed = _parse(data, filename=filename or "document.txt", content_type=content_type)
        current = document.current_version
        digest = hashlib.sha256(_as_markdown(_sections_json(parsed)).encode()).hexdigest()
        if current is None or current.sha256 != digest:
            version = _new_version(
                document=document,
                actor=actor,
                parsed=parsed,
                source_format=_format_of(filename or "document.txt"),
                file_name=filename,
            )
            audit_record(
                actor=actor,
                action="support.document_updated",
                store=document.store,
                target=document,
                metadata={"version": version.number},
            )
            reindex_job_create(
                store=document.store,
                actor=actor,
                keys=[f"document:{document.pk}"],
                title=f"Index {document.title}",
            )
    return document


@transaction.atomic
def document_delete(*, document: KnowledgeDocument, actor: Actor) -> None:
    store = document.store
    audit_record(
        actor=actor,
        action="support.document_deleted",
        store=store,
        target=document,
        metadata={"title": document.title},
    )
    document.delete()  # its versions and chunks with it
    index_changed(store=store)


def _clean_faq(question: str, answer: str) -> tuple[str, str]:
    question, answer = clean_text(question), clean_text(answer)
    if not question or not answer:
        raise ApplicationError("An FAQ entry needs a question and an answer.", code="invalid_faq")
    if len(question) > 500 or len(answer) > MAX_FAQ_ANSWER:
        raise ApplicationError(
            f"Questions are at most 500 characters, answers at most {MAX_FAQ_ANSWER}.", code="invalid_faq"
        )
    return question, answer


@transaction.atomic
def faq_create(
    *, store: Store, actor: Actor, question: str, answer: str, language: str = "", reindex: bool = True
) -> FaqEntry:
    question, answer = _clean_faq(question, answer)
    entry = FaqEntry.objects.create(
        store=store, question=question, answer=answer, language=language or _language_of(question + answer)
    )
    audit_record(actor=actor, action="support.faq_created", store=store, target=entry)
    if reindex:
        reindex_job_create(store=store, actor=actor, keys=[f"faq:{entry.pk}"], title="Index FAQ entry")
    return entry


@transaction.atomic
def faq_import(*, store: Store, actor: Actor, entries: list[tuple[str, str]]) -> list[FaqEntry]:
    """Several FAQ entries at once (an uploaded FAQ), indexed by one job."""
    created = [
        faq_create(store=store, actor=actor, question=question, answer=answer, reindex=False)
        for question, answer in entries
    ]
    if created:
        reindex_job_create(
            store=store, actor=actor, keys=[f"faq:{entry.pk}" for entry in created], title="Index FAQ"
        )
    return created


@transaction.atomic
def faq_update(
    *, entry: FaqEntry, actor: Actor, question: str | None = None, answer: str | None = None
) -> FaqEntry:
    new_question, new_answer = _clean_faq(
        entry.question if question is None else question, entry.answer if answer is None else answer
    )
    if (new_question, new_answer) != (entry.question, entry.answer):
        entry.question, entry.answer = new_question, new_answer
        entry.version += 1
        entry.save()
        audit_record(actor=actor, action="support.faq_updated", store=entry.store, target=entry)
        reindex_job_create(store=entry.store, actor=actor, keys=[f"faq:{entry.pk}"], title="Index FAQ entry")
    return entry


@transaction.atomic
def faq_delete(*, entry: FaqEntry, actor: Actor) -> None:
    store = entry.store
    audit_record(actor=actor, action="support.faq_deleted", store=store, target=entry)
    entry.delete()
    index_changed(store=store)


def knowledge_reindex_all(*, store: Store, actor: Actor) -> Job:
    """Re-index every document and FAQ entry of the store (after a model change, say)."""
    keys = [
        f"document:{pk}" for pk in KnowledgeDocument.objects.filter(store=store).values_list("pk", flat=True)
    ]
    keys += [f"faq:{pk}" for pk in FaqEntry.objects.filter(store=store).values_list("pk", flat=True)]
    if not keys:
        raise ApplicationError("The knowledge base is empty.", code="empty_knowledge_base")
    Chunk.objects.filter(store=store).exclude(document__isnull=False).exclude(faq__isnull=False).delete()
    with transaction.atomic():
        return reindex_job_create(store=store, actor=actor, keys=keys, title="Re-index the knowledge base")
