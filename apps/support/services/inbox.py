"""Conversations as shoppers and staff see them: start, messages, handoff, assign, reply, note, resolve.

A handoff is a status change everybody sees (the shopper is told, the inbox lists it), never a silent
failure. Staff replies are messages the widget picks up when it polls.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from apps.accounts.actor import Actor
from apps.accounts.models import Membership, Role, Store
from apps.accounts.services import audit_record
from apps.core.errors import ApplicationError
from apps.core.text import clean_text

from ..models import Conversation, ConversationStatus, Handoff, InternalNote, Message

MAX_MESSAGE = 2000


def clean_message(text: str) -> str:
    cleaned = clean_text(text)
    if not cleaned:
        raise ApplicationError("The message is empty.", code="empty_message")
    if len(cleaned) > MAX_MESSAGE:
        raise ApplicationError(f"Messages are at most {MAX_MESSAGE} characters.", code="message_too_long")
    return cleaned


def conversation_start(*, store: Store, origin: str = "", language: str = "") -> Conversation:
    return Conversation.objects.create(
        store=store, origin=origin[:200], language=language[:8], last_message_at=timezone.now()
    )


def message_add(
    *,
    conversation: Conversation,
    role: str,
    text: str,
    kind: str = "",
    citations: list[dict[str, Any]] | None = None,
    author: Any = None,
) -> Message:
    message = Message.objects.create(
        conversation=conversation,
        role=role,
        text=text,
        kind=kind,
        citations=citations or [],
        author=author,
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    conversation.last_message_at = message.created_at
    return message


@transaction.atomic
def handoff_create(*, conversation: Conversation, reason: str, detail: str = "") -> Handoff:
    """The conversation waits for a person; the inbox lists it as pending."""
    handoff = Handoff.objects.create(conversation=conversation, reason=reason, detail=detail[:300])
    conversation.status = ConversationStatus.PENDING
    conversation.save(update_fields=["status", "updated_at"])
    return handoff


def _staff_user(store: Store, user: Any) -> Any:
    if user is None:
        return None
    if not Membership.objects.filter(store=store, user=user).exists():
        raise ApplicationError("That person is not a member of this store.", code="invalid_assignee")
    return user


@transaction.atomic
def conversation_assign(*, conversation: Conversation, actor: Actor, assignee_id: int | None) -> Conversation:
    user = get_user_model().objects.filter(pk=assignee_id).first() if assignee_id else None
    if assignee_id and user is None:
        raise ApplicationError("That person is not a member of this store.", code="invalid_assignee")
    conversation.assignee = _staff_user(conversation.store, user)
    conversation.save(update_fields=["assignee", "updated_at"])
    audit_record(
        actor=actor,
        action="support.conversation_assigned",
        store=conversation.store,
        target=conversation,
        metadata={"assignee": assignee_id},
    )
    return conversation


@transaction.atomic
def agent_reply(*, conversation: Conversation, actor: Actor, text: str) -> Message:
    """A staff reply: the shopper sees it in the widget; the conversation is a person's from now on."""
    message = message_add(
        conversation=conversation,
        role=Message.Role.AGENT,
        text=clean_message(text),
        kind="agent",
        author=actor.user_or_none,
    )
    updates = ["updated_at"]
    if conversation.assignee_id is None and actor.user_or_none is not None:
        conversation.assignee = actor.user_or_none
        updates.append("assignee")
    if conversation.status != ConversationStatus.PENDING:
        conversation.status = ConversationStatus.PENDING
        updates.append("status")
    conversation.save(update_fields=updates)
    audit_record(actor=actor, action="support.agent_replied", store=conversation.store, target=conversation)
    return message


@transaction.atomic
def note_add(*, conversation: Conversation, actor: Actor, text: str) -> InternalNote:
    note = InternalNote.objects.create(
        conversation=conversation, author=actor.user_or_none, text=clean_message(text)
    )
    audit_record(actor=actor, action="support.note_added", store=conversation.store, target=conversation)
    return note


@transaction.atomic
def conversation_resolve(*, conversation: Conversation, actor: Actor) -> Conversation:
    now = timezone.now()
    conversation.status = ConversationStatus.RESOLVED
    conversation.failed_answers = 0
    conversation.save(update_fields=["status", "failed_answers", "updated_at"])
    Handoff.objects.filter(conversation=conversation, resolved_at__isnull=True).update(resolved_at=now)
    message_add(conversation=conversation, role=Message.Role.SYSTEM, text="resolved", kind="resolved")
    audit_record(
        actor=actor, action="support.conversation_resolved", store=conversation.store, target=conversation
    )
    return conversation


@transaction.atomic
def conversation_reopen(*, conversation: Conversation) -> None:
    """A shopper writes again after the conversation was resolved: the assistant answers again."""
    conversation.status = ConversationStatus.OPEN
    conversation.save(update_fields=["status", "updated_at"])


def staff_roles() -> tuple[str, ...]:
    return (Role.OWNER, Role.OPERATOR)
