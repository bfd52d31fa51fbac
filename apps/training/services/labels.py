"""Review labels written in bulk (an import of labelled reviews)."""

from __future__ import annotations

from typing import Any

from apps.accounts.models import Store
from apps.reviews.models import Review

from ..models import ReviewLabel


def review_labels_write_rows(*, store: Store, rows: list[dict[str, Any]]) -> tuple[int, int, int]:
    """Sets each row's label on its reviews (the store's only); returns (created, updated, unchanged).

    An upsert: run again on the same block (a worker that died before recording it) it changes nothing.
    """
    wanted: dict[int, str] = {}
    for row in rows:
        for review_id in row["reviews"]:
            wanted[int(review_id)] = str(row["label"])
    # A review deleted (or never the store's) since the file was checked is left out.
    reviews = set(Review.objects.filter(store=store, pk__in=wanted).values_list("pk", flat=True))
    existing = dict(
        ReviewLabel.objects.filter(store=store, review_id__in=reviews).values_list("review_id", "label")
    )
    created = updated = unchanged = 0
    for review_id in sorted(reviews):
        label = wanted[review_id]
        if review_id not in existing:
            ReviewLabel.objects.create(store=store, review_id=review_id, label=label)
            created += 1
        elif existing[review_id] != label:
            ReviewLabel.objects.filter(store=store, review_id=review_id).update(label=label)
            updated += 1
        else:
            unchanged += 1
    return created, updated, unchanged
