"""What the insights page and API show: sentiment over time, by product and by aspect, the most praised
and most complained aspects with example reviews, and rating-vs-sentiment mismatches. Reads only."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek

from .models import AspectMention, Review, Sentiment
from .selectors import MISMATCH

SENTIMENTS = [Sentiment.NEGATIVE, Sentiment.NEUTRAL, Sentiment.POSITIVE]
EXAMPLES_PER_ASPECT = 3
_TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def _sentiment_counts() -> dict[str, Count]:
    return {str(value): Count("pk", filter=Q(sentiment=value)) for value in SENTIMENTS}


def _bucket(reviews: QuerySet[Review]) -> str:
    first, last = (
        reviews.order_by("reviewed_at").values_list("reviewed_at", flat=True).first(),
        (reviews.order_by("-reviewed_at").values_list("reviewed_at", flat=True).first()),
    )
    if first is None or last is None:
        return "day"
    days = (last - first).days
    return "day" if days <= 62 else "week" if days <= 400 else "month"


def sentiment_over_time(reviews: QuerySet[Review], bucket: str = "") -> dict[str, Any]:
    bucket = bucket if bucket in _TRUNC else _bucket(reviews)
    rows = (
        reviews.exclude(sentiment="")
        .annotate(period=_TRUNC[bucket]("reviewed_at"))
        .values("period")
        .annotate(**_sentiment_counts())
        .order_by("period")
    )
    return {
        "bucket": bucket,
        "periods": [
            {"period": row["period"].date().isoformat(), **{str(s): row[str(s)] for s in SENTIMENTS}}
            for row in rows
        ],
    }


def by_product(reviews: QuerySet[Review], limit: int = 50) -> list[dict[str, Any]]:
    rows = (
        reviews.exclude(sentiment="")
        .values("sku")
        .annotate(total=Count("pk"), average_rating=Avg("rating"), **_sentiment_counts())
        .order_by("-total", "sku")[:limit]
    )
    return [
        {
            **row,
            "average_rating": round(row["average_rating"], 2) if row["average_rating"] is not None else None,
            "negative_share": round(row["negative"] / row["total"], 4) if row["total"] else 0.0,
        }
        for row in rows
    ]


def by_aspect(reviews: QuerySet[Review]) -> list[dict[str, Any]]:
    rows = (
        AspectMention.objects.filter(review__in=reviews.values("pk"))
        .values("aspect")
        .annotate(total=Count("pk"), **_sentiment_counts())
        .order_by("-total", "aspect")
    )
    return [
        {**row, "negative_share": round(row["negative"] / row["total"], 4) if row["total"] else 0.0}
        for row in rows
    ]


def _examples(reviews: QuerySet[Review], aspect: str, sentiment: str) -> list[dict[str, Any]]:
    mentions = (
        AspectMention.objects.filter(review__in=reviews.values("pk"), aspect=aspect, sentiment=sentiment)
        .select_related("review")
        .order_by("-confidence", "-review__reviewed_at")[:EXAMPLES_PER_ASPECT]
    )
    return [
        {"review": m.review_id, "sku": m.review.sku, "sentence": m.sentence, "rating": m.review.rating}
        for m in mentions
    ]


def top_aspects(reviews: QuerySet[Review], aspects: list[dict[str, Any]], limit: int = 3) -> dict[str, Any]:
    """The most praised and most complained aspects (by mention count), each with example reviews."""
    praised = sorted((a for a in aspects if a["positive"]), key=lambda a: (-a["positive"], a["aspect"]))[
        :limit
    ]
    complained = sorted((a for a in aspects if a["negative"]), key=lambda a: (-a["negative"], a["aspect"]))[
        :limit
    ]
    return {
        "praised": [{**a, "examples": _examples(reviews, a["aspect"], Sentiment.POSITIVE)} for a in praised],
        "complained": [
            {**a, "examples": _examples(reviews, a["aspect"], Sentiment.NEGATIVE)} for a in complained
        ],
    }


def mismatches(reviews: QuerySet[Review], limit: int = 20) -> list[Review]:
    return list(reviews.filter(MISMATCH).order_by("-reviewed_at")[:limit])


def insights(reviews: QuerySet[Review], *, bucket: str = "") -> dict[str, Any]:
    totals = reviews.aggregate(
        total=Count("pk"), classified=Count("pk", filter=~Q(sentiment="")), **_sentiment_counts()
    )
    aspects = by_aspect(reviews)
    return {
        "totals": totals,
        "over_time": sentiment_over_time(reviews, bucket),
        "products": by_product(reviews),
        "aspects": aspects,
        "top_aspects": top_aspects(reviews, aspects),
        "mismatches": mismatches(reviews),
        "mismatch_count": reviews.filter(MISMATCH).count(),
    }
