"""Review writes: create one (the API), write a block of imported rows, delete; duplicates are skipped."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypedDict, Unpack

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import audit_record
from apps.catalog.selectors import product_list
from apps.core.errors import ApplicationError, ConflictError

from .. import analysis
from ..models import Review
from ..text import fields as review_fields
from .classification import reviews_classify_new


class ReviewDetails(TypedDict, total=False):
    rating: int | None
    title: str
    language: str
    author: str
    reviewed_at: datetime | None
    source: str
    external_id: str


def text_hash(text: str) -> str:
    """The same text however it was spaced or cased: duplicates are compared by this."""
    normalised = re.sub(r"\s+", " ", text).strip().casefold()
    return hashlib.sha256(normalised.encode()).hexdigest()


def review_language(text: str, given: str = "") -> str:
    """The given language, else the detected one; an error when neither English nor Chinese."""
    language = given or analysis.detect_language(text)
    if language not in ("en", "zh"):
        raise ValueError(
            "Cannot tell the review's language; supported: en, zh. Name it in a language column."
        )
    return language


def _product_ids(store: Store, skus: Iterable[str]) -> dict[str, int]:
    return dict(product_list(store=store).filter(sku__in=set(skus)).values_list("sku", "pk"))


@transaction.atomic
def review_create(
    *, store: Store, actor: Actor, sku: str, text: str, **details: Unpack[ReviewDetails]
) -> Review:
    """One review, checked like an imported row; classified automatically once committed."""
    try:
        sku = review_fields.parse_sku(sku)
        text = review_fields.parse_text(text)
        language = review_language(text, review_fields.parse_language(details.get("language") or ""))
    except ValueError as error:
        raise ApplicationError(str(error), code="invalid_review") from None
    rating = details.get("rating")
    if rating is not None and not 1 <= rating <= 5:
        raise ApplicationError("Ratings are whole stars from 1 to 5.", code="invalid_review")
    now = timezone.now()
    reviewed_at = details.get("reviewed_at") or now
    if reviewed_at > now + review_fields.FUTURE_TOLERANCE:
        raise ApplicationError("The review's time is in the future.", code="invalid_review")
    review = Review(
        store=store,
        product_id=_product_ids(store, [sku]).get(sku),
        sku=sku,
        text=text,
        text_hash=text_hash(text),
        language=language,
        rating=rating,
        title=details.get("title", ""),
        author=details.get("author", ""),
        reviewed_at=reviewed_at,
        source=details.get("source", ""),
        external_id=details.get("external_id", ""),
    )
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:
        raise ConflictError(
            "This review is already stored (same source and external id, or same product, text and time).",
            code="duplicate_review",
        ) from None
    audit_record(actor=actor, action="reviews.review_created", store=store, target=review)
    reviews_classify_new(store=store)
    return review


def reviews_write_rows(*, store: Store, rows: list[dict[str, Any]]) -> tuple[int, int]:
    """Insert a block of validated rows; returns (created, skipped as duplicates).

    A duplicate is a review already stored, or earlier in the block, with the same source and
    external id, or the same SKU, text and time. Runs again harmlessly for the same block.
    """
    if not rows:
        return 0, 0
    candidates: list[Review] = []
    for row in rows:
        reviewed_at = row["reviewed_at"]
        if isinstance(reviewed_at, str):
            reviewed_at = datetime.fromisoformat(reviewed_at)
        candidates.append(
            Review(
                store=store,
                sku=row["sku"],
                text=row["text"],
                text_hash=text_hash(row["text"]),
                language=row["language"],
                rating=row.get("rating"),
                title=row.get("title", ""),
                author=row.get("author", ""),
                reviewed_at=reviewed_at,
                source=row.get("source", ""),
                external_id=row.get("external_id", ""),
            )
        )
    stored_ids = set(
        Review.objects.filter(
            store=store, external_id__in={c.external_id for c in candidates if c.external_id}
        ).values_list("source", "external_id")
    )
    stored_texts = set(
        Review.objects.filter(store=store, text_hash__in={c.text_hash for c in candidates}).values_list(
            "sku", "text_hash", "reviewed_at"
        )
    )
    products = _product_ids(store, {c.sku for c in candidates})
    new: list[Review] = []
    for review in candidates:
        id_key = (review.source, review.external_id)
        text_key = (review.sku, review.text_hash, review.reviewed_at)
        if (review.external_id and id_key in stored_ids) or text_key in stored_texts:
            continue
        if review.external_id:
            stored_ids.add(id_key)
        stored_texts.add(text_key)
        review.product_id = products.get(review.sku)
        new.append(review)
    # ignore_conflicts: a concurrent writer of the same review makes this one a no-op, never an error.
    Review.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        reviews_classify_new(store=store)
    return len(new), len(rows) - len(new)


@transaction.atomic
def review_delete(*, review: Review, actor: Actor) -> None:
    audit_record(
        actor=actor,
        action="reviews.review_deleted",
        store=review.store,
        target=review,
        metadata={"sku": review.sku},
    )
    review.delete()
