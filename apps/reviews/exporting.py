"""Reviews as CSV: each with its sentiment, aspects and approved reply (drafts never leave the store)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from apps.core.spreadsheets import csv_response, csv_stream

from .models import Review
from .selectors import approved_replies_prefetch

HEADER = [
    "id",
    "sku",
    "rating",
    "title",
    "text",
    "language",
    "author",
    "reviewed_at",
    "source",
    "external_id",
    "sentiment",
    "confidence",
    "rating_mismatch",
    "aspects",
    "approved_reply",
]


def _rows(reviews: QuerySet[Review]) -> Iterator[list[Any]]:
    for review in (
        reviews.prefetch_related("aspects", approved_replies_prefetch())
        .order_by("reviewed_at", "pk")
        .iterator(2000)
    ):
        aspects = "; ".join(f"{m.aspect}:{m.sentiment}" for m in review.aspects.all())
        reply = review.approved_replies[0].text if review.approved_replies else ""  # type: ignore[attr-defined]
        yield [
            review.pk,
            review.sku,
            review.rating,
            review.title,
            review.text,
            review.language,
            review.author,
            review.reviewed_at.isoformat(),
            review.source,
            review.external_id,
            review.sentiment,
            "" if review.sentiment_confidence is None else round(review.sentiment_confidence, 4),
            "yes" if review.rating_mismatch else "",
            aspects,
            reply,
        ]


def reviews_csv(reviews: QuerySet[Review]) -> StreamingHttpResponse:
    return csv_response(csv_stream(HEADER, _rows(reviews)), "reviews.csv")
