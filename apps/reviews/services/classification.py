"""Sentiment and aspects for reviews, in batches as a Job; new reviews are classified automatically.

New reviews (from the API or an import block) queue ``reviews.classify_new``: it gathers the store's
reviews that are neither classified nor taken by a job into one classification job, under a lock on
the store's settings row, so bursts of writes make few jobs and no review is in two of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Field, QuerySet
from django.utils import timezone

from apps import inference
from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.core.errors import ApplicationError
from apps.core.tasks import enqueue_on_commit
from apps.jobs.models import Job
from apps.jobs.services import job_create

from .. import conf
from ..models import AspectMention, Review, ReviewSettings
from .aspects import aspect_mentions_find

CLASSIFY_JOB_KIND = "reviews.classify"
CLASSIFY_NEW_TASK = "reviews.classify_new"
DETECT_SPIKES_TASK = "reviews.detect_spikes"
MAX_REVIEWS_PER_JOB = 200_000
CLASSIFICATION_FIELDS = [
    "sentiment",
    "sentiment_confidence",
    "sentiment_scores",
    "model_key",
    "classified_at",
]


def reviews_classify_new(*, store: Store) -> None:
    """Queue the classification of the store's new reviews once the current transaction commits."""
    enqueue_on_commit(CLASSIFY_NEW_TASK, args=(store.pk,), queue="default")


def review_settings_lock(store: Store) -> ReviewSettings:
    ReviewSettings.objects.get_or_create(store=store)
    return ReviewSettings.objects.select_for_update().get(store=store)


def _batches(ids: Sequence[int]) -> list[tuple[str, dict[str, Any]]]:
    size = max(1, conf.classify_batch())
    return [
        (f"reviews {chunk[0]}-{chunk[-1]}", {"reviews": list(chunk)})
        for chunk in (ids[start : start + size] for start in range(0, len(ids), size))
    ]


def _classify_job(*, store: Store, actor: Actor, reviews: QuerySet[Review], title: str) -> Job | None:
    ids = list(reviews.order_by("pk").values_list("pk", flat=True)[:MAX_REVIEWS_PER_JOB])
    if not ids:
        return None
    job = job_create(
        store=store,
        kind=CLASSIFY_JOB_KIND,
        actor=actor,
        title=title,
        params={"reviews": len(ids)},
        items=_batches(ids),
    )
    Review.objects.filter(pk__in=ids).update(classify_job=job)
    return job


@transaction.atomic
def reviews_classify_pending(*, store: Store, actor: Actor | None = None) -> Job | None:
    """One job for the store's reviews that no job has taken and that have no sentiment yet."""
    review_settings_lock(store)
    pending = Review.objects.filter(store=store, sentiment="", classify_job__isnull=True)
    return _classify_job(
        store=store, actor=actor or Actor.system(), reviews=pending, title="Classify new reviews"
    )


@transaction.atomic
def reviews_classify_start(*, store: Store, actor: Actor, reviews: QuerySet[Review]) -> Job:
    """Classify (again) a selection of the store's reviews, e.g. after switching to a fine-tuned model."""
    review_settings_lock(store)
    job = _classify_job(
        store=store, actor=actor, reviews=reviews.filter(store=store), title="Classify reviews"
    )
    if job is None:
        raise ApplicationError("No reviews match this selection.", code="nothing_to_classify")
    return job


def reviews_classify_batch(*, store: Store, review_ids: list[int]) -> dict[str, Any]:
    """Sentiment of each review and its aspect mentions, computed outside any transaction."""
    reviews = list(Review.objects.filter(store=store, pk__in=review_ids).order_by("pk"))
    if not reviews:
        return {"reviews": {}}
    texts = [_classified_text(review) for review in reviews]
    classifier = inference.resolve_model(conf.sentiment_model(), task="classify", store=store)
    results = inference.classify(texts, model=classifier, store=store)
    mentions = aspect_mentions_find(
        store=store, texts=[review.text for review in reviews], classifier=classifier
    )
    return {
        "reviews": {
            str(review.pk): {
                "label": result.label,
                "confidence": result.score,
                "scores": result.scores,
                "model": result.model,
                "aspects": review_mentions,
            }
            for review, result, review_mentions in zip(reviews, results, mentions, strict=True)
        }
    }


def _classified_text(review: Review) -> str:
    """The title carries sentiment too ("Broke in a week"): it is read with the text."""
    return f"{review.title}. {review.text}" if review.title else review.text


def reviews_classification_save(*, store: Store, result: dict[str, Any]) -> int:
    """Write a batch's sentiments and replace its reviews' aspect mentions; in the caller's transaction.

    A fixed number of queries for the whole batch: the reviews that still exist are locked (one
    deleted meanwhile is skipped, and none can go before the transaction ends), updated by one
    statement run for each of them, their old mentions deleted in one and the new ones inserted in one.
    """
    outcomes = {int(review_id): outcome for review_id, outcome in result["reviews"].items()}
    if not outcomes:
        return 0
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        saved = list(
            Review.objects.select_for_update()
            .filter(store=store, pk__in=outcomes)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not saved:
            return 0
        _sentiments_write(
            store,
            [
                (review_id, outcome["label"], outcome["confidence"], outcome["scores"], outcome["model"], now)
                for review_id in saved
                for outcome in [outcomes[review_id]]
            ],
        )
        AspectMention.objects.filter(review_id__in=saved).delete()
        AspectMention.objects.bulk_create(
            AspectMention(store=store, review_id=review_id, **mention)
            for review_id in saved
            for mention in outcomes[review_id]["aspects"]
        )
    return len(saved)


def _sentiments_write(store: Store, rows: list[tuple[int, str, float, dict[str, float], str, Any]]) -> None:
    """UPDATE each review's CLASSIFICATION_FIELDS to its row's values, as one statement run many times.

    ``bulk_update`` would build a CASE expression per row and field: for a batch of 32 that took longer
    than the three queries per review it replaced. One parameterised statement costs nearly nothing.
    """
    fields = [cast("Field[Any, Any]", Review._meta.get_field(name)) for name in CLASSIFICATION_FIELDS]
    key, owner = (cast("Field[Any, Any]", Review._meta.get_field(name)) for name in ("id", "store"))
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    # Only the model's own table and column names are formatted in; every value is a parameter.
    sql = (
        f"UPDATE {quote(Review._meta.db_table)} SET {assignments} "  # noqa: S608
        f"WHERE {quote(key.column)} = %s AND {quote(owner.column)} = %s"
    )
    parameters = [
        [field.get_db_prep_save(value, connection) for field, value in zip(fields, values, strict=True)]
        + [review_id, store.pk]
        for review_id, *values in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, parameters)


def reviews_classification_finished(*, job: Job) -> None:
    """After a classification job: look for spikes in what it classified."""
    enqueue_on_commit(DETECT_SPIKES_TASK, args=(job.store_id,), queue="default")
