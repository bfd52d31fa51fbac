"""Review reads, always filtered by the store; a missing or foreign id is NotFound."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from apps.accounts.models import Store
from apps.core.selectors import get_or_not_found

from .models import (
    AspectMention,
    CustomAspect,
    ReplyDraft,
    ReplyStatus,
    Review,
    ReviewSettings,
    Sentiment,
    SpikeAlert,
    WebhookDelivery,
)

MISMATCH = Q(rating__gte=4, sentiment=Sentiment.NEGATIVE) | Q(rating__lte=2, sentiment=Sentiment.POSITIVE)


@dataclass(frozen=True)
class ReviewFilters:
    """What the insights page, the list and the exports narrow reviews by."""

    date_from: date | None = None
    date_to: date | None = None
    sku: str = ""
    language: str = ""
    sentiment: str = ""
    aspect: str = ""
    mismatch: bool = False
    search: str = ""

    def as_query(self) -> dict[str, str]:
        values = {
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "sku": self.sku,
            "language": self.language,
            "sentiment": self.sentiment,
            "aspect": self.aspect,
            "mismatch": "1" if self.mismatch else "",
            "search": self.search,
        }
        return {key: value for key, value in values.items() if value}


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def review_list(*, store: Store, filters: ReviewFilters | None = None) -> QuerySet[Review]:
    reviews = Review.objects.filter(store=store).select_related("product")
    filters = filters or ReviewFilters()
    if filters.date_from:
        reviews = reviews.filter(reviewed_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        reviews = reviews.filter(reviewed_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.sku:
        reviews = reviews.filter(sku=filters.sku)
    if filters.language:
        reviews = reviews.filter(language=filters.language)
    if filters.sentiment:
        reviews = reviews.filter(sentiment=filters.sentiment)
    if filters.aspect:
        # A subquery, not a join: a review mentioning the aspect twice still counts once in the insights.
        mentions = AspectMention.objects.filter(store=store, aspect=filters.aspect)
        reviews = reviews.filter(pk__in=mentions.values("review_id"))
    if filters.mismatch:
        reviews = reviews.filter(MISMATCH)
    if filters.search:
        reviews = reviews.filter(Q(text__icontains=filters.search) | Q(title__icontains=filters.search))
    return reviews


def review_get(*, store: Store, review_id: Any) -> Review:
    return get_or_not_found(review_list(store=store), pk=review_id)


def review_skus(*, store: Store) -> list[str]:
    return list(
        Review.objects.filter(store=store).order_by("sku").values_list("sku", flat=True).distinct()[:1000]
    )


def custom_aspect_list(*, store: Store) -> QuerySet[CustomAspect]:
    return CustomAspect.objects.filter(store=store)


def custom_aspect_get(*, store: Store, aspect_id: Any) -> CustomAspect:
    return get_or_not_found(custom_aspect_list(store=store), pk=aspect_id)


def alert_list(*, store: Store, status: str = "") -> QuerySet[SpikeAlert]:
    alerts = SpikeAlert.objects.filter(store=store)
    return alerts.filter(status=status) if status else alerts


def alert_get(*, store: Store, alert_id: Any) -> SpikeAlert:
    return get_or_not_found(alert_list(store=store), pk=alert_id)


def delivery_list(*, store: Store, alert: SpikeAlert | None = None) -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.filter(store=store)
    return deliveries.filter(alert=alert) if alert is not None else deliveries


def reply_list(*, store: Store, status: str = "") -> QuerySet[ReplyDraft]:
    replies = ReplyDraft.objects.filter(store=store).select_related("review", "reviewed_by")
    return replies.filter(status=status) if status else replies


def reply_get(*, store: Store, reply_id: Any) -> ReplyDraft:
    return get_or_not_found(reply_list(store=store), pk=reply_id)


def approved_replies_prefetch() -> Prefetch:
    """Each review's approved reply (at most one) as ``review.approved_replies``."""
    return Prefetch(
        "replies", queryset=ReplyDraft.objects.filter(status=ReplyStatus.APPROVED), to_attr="approved_replies"
    )


def approved_reply(*, review: Review) -> ReplyDraft | None:
    return (
        ReplyDraft.objects.filter(review=review, status=ReplyStatus.APPROVED).order_by("-reviewed_at").first()
    )


def review_settings_get(*, store: Store) -> ReviewSettings:
    """The store's review settings; unsaved defaults until someone saves them (a read writes nothing)."""
    return ReviewSettings.objects.filter(store=store).first() or ReviewSettings(store=store)
