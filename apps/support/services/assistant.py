"""The assistant's turn: a shopper's message in, a cited answer, an order's status or a handoff out.

Order of decisions: a conversation a person already holds gets no assistant answer; a request for a
person or a money / safety / legal complaint hands over at once; a message naming an order goes to the
verified lookup; everything else is answered from the store's chunks, quoting and citing them, or
handed over when no chunk supports an answer. Instructions inside messages or documents change nothing:
answers are built from chunk sentences (or, with a remote model, checked against them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from apps import inference
from apps.core.errors import ApplicationError
from apps.core.text import is_chinese

from .. import replies
from ..knowledge import (
    Answer,
    ChunkId,
    compose_answer,
    find_order_proof,
    looks_like_injection,
    needs_handoff,
    redact_pii,
)
from ..knowledge import Chunk as KnowledgeChunk
from ..models import Chunk, Conversation, ConversationStatus, Handoff, Message, Order
from ..order_questions import read_order_question
from . import inbox, orders, retrieval

logger = logging.getLogger(__name__)
Event = dict[str, Any]
FAILED_ANSWERS_BEFORE_HANDOFF = 2
HANDOFF_REASONS = {
    "human_requested": Handoff.Reason.ASKED_FOR_HUMAN,
    "money_complaint": Handoff.Reason.SENSITIVE,
    "safety_complaint": Handoff.Reason.SENSITIVE,
    "legal_complaint": Handoff.Reason.SENSITIVE,
    "no_supporting_chunk": Handoff.Reason.LOW_CONFIDENCE,
}


class TooManyMessages(ApplicationError):
    code = "too_many_messages"
    status_code = 429


def _language(text: str, conversation: Conversation) -> str:
    if is_chinese(text):
        return "zh"
    if any(char.isalpha() and char.isascii() for char in text):
        return "en"
    return conversation.language or "en"


def message_serialize(message: Message) -> Event:
    return {
        "id": message.pk,
        "role": str(message.role),
        "kind": message.kind,
        "text": message.text,
        "citations": message.citations,
        "created_at": message.created_at.isoformat(),
    }


def shopper_message_receive(*, conversation: Conversation, text: str) -> Message:
    """Validate, rate-limit and store the shopper's message (before any answer is streamed)."""
    cleaned = inbox.clean_message(text)
    key = f"support:messages:{conversation.pk}"
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=60)
        count = 1
    if count > settings.SUPPORT_MESSAGES_PER_MINUTE:
        raise TooManyMessages("Too many messages; wait a minute and try again.")
    if conversation.status == ConversationStatus.RESOLVED:
        inbox.conversation_reopen(conversation=conversation)
    language = _language(cleaned, conversation)
    if language != conversation.language:
        conversation.language = language
        conversation.save(update_fields=["language", "updated_at"])
    logger.info("support: conversation %s: shopper wrote %r", conversation.pk, redact_pii(cleaned)[:200])
    return inbox.message_add(conversation=conversation, role=Message.Role.SHOPPER, text=cleaned)


def _reply(conversation: Conversation, text: str, kind: str, citations: list[Event] | None = None) -> Message:
    return inbox.message_add(
        conversation=conversation, role=Message.Role.ASSISTANT, text=text, kind=kind, citations=citations
    )


def _handoff(conversation: Conversation, reason: str, language: str, detail: str = "") -> Iterator[Event]:
    handoff_reason = HANDOFF_REASONS.get(reason, reason)
    with transaction.atomic():
        inbox.handoff_create(conversation=conversation, reason=handoff_reason, detail=detail)
        text = replies.notice(
            "handoff_no_source" if handoff_reason == Handoff.Reason.LOW_CONFIDENCE else "handoff", language
        )
        message = _reply(conversation, text, "handoff")
    yield {"type": "handoff", "reason": str(handoff_reason)}
    yield {"type": "message", "message": message_serialize(message)}


def _order_facts(order: Order) -> replies.OrderFacts:
    return replies.OrderFacts(
        number=order.number,
        status=order.status,
        carrier=order.carrier,
        tracking_number=order.tracking_number,
        placed_at=order.placed_at,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        items=[(item.quantity, item.title) for item in order.items.all()],
        total=str(order.total_amount) if order.total_amount is not None else "",
        currency=order.currency,
    )


def _order_turn(
    conversation: Conversation, text: str, language: str, ip_address: str | None
) -> Iterator[Event] | None:
    """Events answering an order question, or None when the message is not one (or needs the knowledge)."""
    question = read_order_question(text)
    # A bare "EC-1001 ana@example.com" is an order question right after the assistant asked for one.
    asked = (
        Message.objects.filter(conversation=conversation, role=Message.Role.ASSISTANT)
        .order_by("-id")
        .values_list("kind", flat=True)
        .first()
    )
    if not question.about_order and asked not in ("ask_order_proof", "order_refused"):
        return None
    found_number, proof = find_order_proof(text)
    number = question.number or found_number
    if number and proof:
        lookup = orders.order_lookup(
            conversation=conversation, number=number, proof=proof, ip_address=ip_address
        )
        logger.info("support: conversation %s: order lookup %s", conversation.pk, lookup.outcome)
        if lookup.outcome == "rate_limited":
            return _handoff(conversation, Handoff.Reason.ORDER, language, "order look-ups rate-limited")
        if lookup.outcome == "not_verified" or lookup.order is None:
            return iter(
                [
                    _message_event(
                        _reply(conversation, replies.notice("order_not_verified", language), "order_refused")
                    )
                ]
            )
        summary = replies.order_summary(_order_facts(lookup.order), language)
        return iter([_message_event(_reply(conversation, summary, "order"))])
    if number:
        return iter(
            [
                _message_event(
                    _reply(conversation, replies.notice("ask_order_proof", language), "ask_order_proof")
                )
            ]
        )
    if conversation.verified_order_id and conversation.verified_order is not None:
        summary = replies.order_summary(_order_facts(conversation.verified_order), language)
        return iter([_message_event(_reply(conversation, summary, "order"))])
    return None


def _message_event(message: Message) -> Event:
    return {"type": "message", "message": message_serialize(message)}


def _remote_generate(store: Any) -> Callable[[str], str] | None:
    """A writer for compose_answer when a stronger model sits behind the remote backend, else None.

    The prompt is redacted before it leaves: no personal data reaches a remote server.
    """
    if settings.INFERENCE_BACKEND != "openai":
        return None

    def generate(prompt: str) -> str:
        request = inference.GenerationRequest(prompt=redact_pii(prompt), max_new_tokens=200, temperature=0.0)
        return inference.generate([request], store=store)[0].text

    return generate


def _citations(answer: Answer, chunks: dict[int, Chunk]) -> list[Event]:
    cited = []
    for chunk_id in answer.cited_chunk_ids:
        chunk = chunks.get(int(chunk_id))
        if chunk is not None:
            cited.append(
                {"chunk": chunk.pk, "title": chunk.source_title, "heading": chunk.heading, "kind": chunk.kind}
            )
    return cited


def knowledge_answer(*, store: Any, question: str, language: str) -> tuple[Answer, dict[int, Chunk]]:
    """The answer the store's chunks give to ``question`` (or a handoff), and the chunks it may cite."""
    searched = redact_pii(question) if settings.INFERENCE_BACKEND == "openai" else question
    retriever, hits = retrieval.search(store=store, question=searched, k=5)
    supporting = retriever.supporting(hits)
    rows = {
        chunk.pk: chunk
        for chunk in Chunk.objects.filter(
            store=store, pk__in=[hit.chunk_id for hit in supporting]
        ).select_related("document", "faq")
    }
    pieces: dict[ChunkId, KnowledgeChunk] = {
        pk: KnowledgeChunk(
            text=chunk.text,
            heading_path=tuple(chunk.heading_path or []),
            start=0,
            end=len(chunk.text),
            ordinal=chunk.position,
            kind=chunk.kind,
        )
        for pk, chunk in rows.items()
    }
    usable = [hit for hit in supporting if hit.chunk_id in pieces]
    answer = compose_answer(question, usable, pieces, language=language, generate=_remote_generate(store))
    return answer, rows


def assistant_turn(
    *, conversation: Conversation, message: Message, ip_address: str | None
) -> Iterator[Event]:
    """The events of the assistant's reply to ``message``; every message it sends is stored as it goes."""
    text, language = message.text, conversation.language or "en"
    yield {"type": "received", "message": message_serialize(message)}
    if conversation.status == ConversationStatus.PENDING:
        yield {"type": "waiting", "text": replies.notice("waiting", language)}
        return
    reason = needs_handoff(text)
    if reason:
        yield from _handoff(conversation, reason, language)
        return
    order_events = _order_turn(conversation, text, language, ip_address)
    if order_events is not None:
        yield from order_events
        return
    if looks_like_injection(text):
        logger.info("support: conversation %s: instructions in a shopper message ignored", conversation.pk)
    yield {"type": "typing"}
    answer, chunks = knowledge_answer(store=conversation.store, question=text, language=language)
    if answer.handoff:
        question = read_order_question(text)
        if question.about_order:
            yield _message_event(
                _reply(conversation, replies.notice("ask_order_proof", language), "ask_order_proof")
            )
            return
        yield from _handoff(conversation, answer.reason, language)
        return
    citations = _citations(answer, chunks)
    for sentence in answer.sentences:
        yield {"type": "delta", "text": sentence.text + ("" if language == "zh" else " ")}
    stored = _reply(conversation, answer.text, "answer", citations)
    yield _message_event(stored)


def answer_feedback(*, conversation: Conversation, message: Message, helpful: bool) -> Iterator[Event]:
    """The shopper says an answer did (not) help; two unhelpful answers hand the conversation over."""
    if message.role != Message.Role.ASSISTANT or message.kind != "answer":
        raise ApplicationError("Only the assistant's answers take feedback.", code="invalid_feedback")
    if helpful:
        return iter(())
    Conversation.objects.filter(pk=conversation.pk).update(failed_answers=conversation.failed_answers + 1)
    conversation.failed_answers += 1
    if (
        conversation.failed_answers >= FAILED_ANSWERS_BEFORE_HANDOFF
        and conversation.status == ConversationStatus.OPEN
    ):
        return _handoff(conversation, Handoff.Reason.REPEATED_FAILURE, conversation.language or "en")
    return iter(())


def shopper_asks_for_person(*, conversation: Conversation) -> Iterator[Event]:
    """The widget's "talk to a person" button."""
    if conversation.status == ConversationStatus.PENDING:
        return iter([{"type": "waiting", "text": replies.notice("waiting", conversation.language or "en")}])
    return _handoff(conversation, Handoff.Reason.ASKED_FOR_HUMAN, conversation.language or "en")
