"""Customer-service reads, always filtered by the store (or, for shoppers, by the widget key and token)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext

from apps.accounts.models import Membership, Store
from apps.core.errors import NotFound
from apps.core.selectors import NOT_FOUND, get_or_not_found

from .models import (
    Chunk,
    Conversation,
    FaqEntry,
    InternalNote,
    KnowledgeDocument,
    Message,
    Order,
    SupportSettings,
)


def document_list(*, store: Store) -> QuerySet[KnowledgeDocument]:
    return (
        KnowledgeDocument.objects.filter(store=store)
        .select_related("current_version")
        .annotate(chunk_count=Count("chunks"))
        .order_by("title", "id")
    )


def document_get(*, store: Store, document_id: Any) -> KnowledgeDocument:
    return get_or_not_found(
        KnowledgeDocument.objects.filter(store=store).select_related("current_version"), pk=document_id
    )


def faq_list(*, store: Store) -> QuerySet[FaqEntry]:
    return FaqEntry.objects.filter(store=store)


def faq_get(*, store: Store, faq_id: Any) -> FaqEntry:
    return get_or_not_found(faq_list(store=store), pk=faq_id)


def chunk_list(*, store: Store) -> QuerySet[Chunk]:
    return Chunk.objects.filter(store=store).select_related("document", "faq")


def chunk_get(*, store: Store, chunk_id: Any) -> Chunk:
    return get_or_not_found(chunk_list(store=store), pk=chunk_id)


def order_list(*, store: Store, search: str = "") -> QuerySet[Order]:
    orders = Order.objects.filter(store=store).prefetch_related("items")
    if search:
        orders = orders.filter(
            Q(number__icontains=search)
            | Q(customer_email__icontains=search)
            | Q(customer_name__icontains=search)
        )
    return orders


def order_get(*, store: Store, order_id: Any) -> Order:
    return get_or_not_found(order_list(store=store), pk=order_id)


def conversation_list(*, store: Store, status: str = "", assignee: Any = None) -> QuerySet[Conversation]:
    conversations = Conversation.objects.filter(store=store).select_related("assignee")
    if status:
        conversations = conversations.filter(status=status)
    if assignee is not None:
        conversations = conversations.filter(assignee=assignee)
    return conversations


def conversation_get(*, store: Store, conversation_id: Any) -> Conversation:
    return get_or_not_found(conversation_list(store=store), pk=conversation_id)


def conversation_messages(*, conversation: Conversation, after: Any = None) -> QuerySet[Message]:
    messages = Message.objects.filter(conversation=conversation).select_related("author")
    if after not in (None, ""):
        try:
            messages = messages.filter(pk__gt=int(str(after)))
        except ValueError:
            raise NotFound(gettext(NOT_FOUND)) from None
    return messages.order_by("id")


def conversation_notes(*, conversation: Conversation) -> QuerySet[InternalNote]:
    return InternalNote.objects.filter(conversation=conversation).select_related("author")


def widget_settings_by_key(*, widget_key: str) -> SupportSettings:
    """The store behind a public widget key; an unknown key is not found."""
    return get_or_not_found(SupportSettings.objects.select_related("store"), widget_key=str(widget_key)[:40])


def shopper_conversation_get(*, settings: SupportSettings, token: str) -> Conversation:
    """A shopper's own conversation: its secret token within the widget's store, else not found."""
    return get_or_not_found(Conversation.objects.filter(store_id=settings.store_id), token=str(token)[:64])


def store_staff(*, store: Store) -> QuerySet[Membership]:
    return Membership.objects.filter(store=store).select_related("user").order_by("user__username")
