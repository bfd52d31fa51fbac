"""Datasets built from a store's own data, through the service and the API."""

from __future__ import annotations

from typing import Any

import pytest

from apps.accounts.actor import Actor
from apps.core.errors import ApplicationError
from apps.training.models import DatasetExample, ReviewLabel
from apps.training.services.datasets import DatasetOptions, dataset_build, review_label_set

from .conftest import add_descriptions, add_review, add_reviews

pytestmark = pytest.mark.django_db


def test_star_ratings_become_labels_only_when_chosen_and_the_snapshot_is_reproducible(store: Any) -> None:
    add_reviews(store)
    add_review(store, "Email me at a.b@example.com: the strap broke on day two", rating=2, n=50)
    with pytest.raises(ApplicationError) as error:
        dataset_build(store=store, actor=Actor.system(), options=DatasetOptions(kind="sentiment"))
    assert error.value.code == "label_source_required"

    options = DatasetOptions(kind="sentiment", label_source="stars", name="Stars")
    dataset = dataset_build(store=store, actor=Actor.system(), options=options)
    assert dataset.report["source_rows"] == 13
    assert dataset.report["redacted"] == {"email": 1}
    assert dataset.size == dataset.report["kept"] == 13
    assert sum(dataset.label_balance["train"].values()) == dataset.split_counts["train"]
    totals: dict[str, int] = {}
    for balance in dataset.label_balance.values():
        for label, count in balance.items():
            totals[label] = totals.get(label, 0) + count
    assert totals == {"negative": 6, "neutral": 2, "positive": 5}
    redacted = DatasetExample.objects.get(
        dataset=dataset, source__startswith="review:", text__contains="strap"
    )
    assert redacted.text == "Email me at [EMAIL]: the strap broke on day two"

    again = dataset_build(store=store, actor=Actor.system(), options=options)
    assert again.content_sha256 == dataset.content_sha256 and again.pk != dataset.pk
    reseeded = dataset_build(
        store=store,
        actor=Actor.system(),
        options=DatasetOptions(kind="sentiment", label_source="stars", seed=99),
    )
    assert reseeded.content_sha256 != dataset.content_sha256


def test_a_persons_labels_win_over_nothing_and_other_stores_reviews_are_never_read(
    store: Any, other_store: Any
) -> None:
    reviews = add_reviews(store)
    theirs = add_reviews(other_store)
    for review in reviews[:4]:
        review_label_set(store=store, review=review, label="positive", actor=Actor.system())
    with pytest.raises(ApplicationError):
        review_label_set(store=store, review=theirs[0], label="negative", actor=Actor.system())
    ReviewLabel.objects.create(store=other_store, review=theirs[1], label="negative")
    dataset = dataset_build(
        store=store, actor=Actor.system(), options=DatasetOptions(kind="sentiment", label_source="human")
    )
    assert dataset.size == 4
    assert set(DatasetExample.objects.filter(dataset=dataset).values_list("label", flat=True)) == {"positive"}


def test_description_examples_are_prompt_and_approved_text_split_by_product(store: Any) -> None:
    add_descriptions(store)
    dataset = dataset_build(store=store, actor=Actor.system(), options=DatasetOptions(kind="description"))
    assert dataset.size == 6 and dataset.split_counts == {"train": 4, "valid": 1, "test": 1}
    example = DatasetExample.objects.filter(dataset=dataset).get(
        target=" A grey wool scarf that keeps you warm."
    )
    # The facts as the product stores them (PostgreSQL's jsonb orders the keys), the target's length.
    assert example.text.startswith(
        "Product descriptions written only from the listed facts.\n\nProduct: wool scarf"
    )
    assert example.text.endswith("Style: clear and factual, one paragraph, ~10 words\nDescription:")
    assert "- material: wool\n" in example.text and "- colour: grey\n" in example.text
    assert example.meta["facts"]["attributes"] == {"material": "wool", "colour": "grey"}


def test_too_few_examples_is_refused_with_the_counts(store: Any) -> None:
    add_review(store, "ok", rating=5)
    with pytest.raises(ApplicationError) as error:
        dataset_build(
            store=store, actor=Actor.system(), options=DatasetOptions(kind="sentiment", label_source="stars")
        )
    assert error.value.code == "too_few_examples"
    assert error.value.details["report"]["too_short"] == 1


def test_the_api_builds_a_dataset_and_shows_its_preview(store: Any, api_client: Any) -> None:
    add_reviews(store)
    url = f"/api/v1/stores/{store.pk}/training/datasets/"
    response = api_client.post(url, {"kind": "sentiment", "label_source": "stars"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["size"] == 12 and len(body["content_sha256"]) == 64
    assert [len(body["preview"][split]) for split in ("train", "valid", "test")] == [
        body["split_counts"]["train"],
        body["split_counts"]["valid"],
        body["split_counts"]["test"],
    ]
    detail = api_client.get(f"{url}{body['id']}/").json()
    assert detail["report"]["kept"] == 12
    assert api_client.get(url).json()["count"] == 1
    review = add_review(store, "the zipper broke", rating=None, n=40)
    labelled = api_client.post(
        f"/api/v1/stores/{store.pk}/training/labels/",
        {"review_id": review.pk, "label": "negative"},
        format="json",
    )
    assert labelled.status_code == 200 and ReviewLabel.objects.get(review=review).label == "negative"
