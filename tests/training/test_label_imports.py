"""Labelled reviews imported from a file (the imports app's training.review_labels target): rows
name the store's reviews by id or by SKU and text, bad rows are reported one by one, other stores'
reviews are never found, and the labels feed a dataset built from a person's labels."""

from __future__ import annotations

from typing import Any

import pytest

from apps.accounts.actor import Actor
from apps.imports import services as import_services
from apps.imports.models import DataImport, ImportRowError
from apps.training.models import ReviewLabel
from apps.training.services import datasets
from tests.catalog.helpers import run_job, upload, xlsx_bytes

from .conftest import add_review

pytestmark = pytest.mark.django_db


def _import(store: Any, name: str, data: bytes, mapping: dict[str, str] | None = None) -> DataImport:
    actor = Actor.system()
    data_import = import_services.import_create(
        store=store, target="training.review_labels", upload=upload(name, data), actor=actor
    )
    if mapping is not None:
        data_import = import_services.import_set_options(
            data_import=data_import, mapping=mapping, actor=actor
        )
    data_import = import_services.import_start(data_import=data_import, actor=actor)
    assert data_import.job is not None
    run_job(data_import.job)
    data_import.refresh_from_db()
    return data_import


def _errors(data_import: DataImport) -> dict[int, str]:
    return {
        error.row_number: f"{error.column}: {error.reason}"
        for error in ImportRowError.objects.filter(data_import=data_import)
    }


def _labels(store: Any) -> dict[str, str]:
    return {
        row.review.text: row.label for row in ReviewLabel.objects.filter(store=store).select_related("review")
    }


def test_rows_name_reviews_by_id_or_by_sku_and_text_and_bad_rows_are_reported(
    store: Any, other_store: Any
) -> None:
    soft = add_review(store, "the shirt fits well and the fabric is soft", n=0)
    soft.external_id, soft.source = "r1", "shop"
    soft.save()
    add_review(store, "delivery was late and the box was damaged", n=1)  # SKU-1
    add_review(store, "质量太差，洗一次就掉色", language="zh", n=2)  # SKU-2
    theirs = add_review(other_store, "great price good quality would buy again", n=3)
    theirs.external_id = "r9"
    theirs.save()
    text = (
        "review id,sku,review,label\n"
        "r1,,,positive\n"  # by id
        ",SKU-1,Delivery was late  and the box was DAMAGED,负面\n"  # by SKU and text (spacing, case)
        ",SKU-2,质量太差，洗一次就掉色,Neutral\n"
        "r9,,,positive\n"  # another store's review: not found
        ",SKU-1,a text no review has,negative\n"
        "r1,,,great\n"  # unknown label
        ",SKU-3,,positive\n"  # neither an id nor SKU and text
        "r1,,,negative\n"  # the same review again: a duplicate
    )
    data_import = _import(store, "labels.csv", text.encode())

    assert (data_import.total_rows, data_import.valid_rows, data_import.error_rows) == (8, 3, 5)
    errors = _errors(data_import)
    assert sorted(errors) == [5, 6, 7, 8, 9]
    assert errors[5] == "review id: No review of this store has the id 'r9'."
    assert errors[6] == "review: No review of this store for SKU 'SKU-1' has this text."
    assert errors[7].startswith("label: Unknown label 'great'")
    assert "Give the review id, or its SKU and text." in errors[8]
    assert "Duplicate review '#" in errors[9]
    assert _labels(store) == {
        "the shirt fits well and the fabric is soft": "positive",
        "delivery was late and the box was damaged": "negative",
        "质量太差，洗一次就掉色": "neutral",
    }
    assert data_import.created_count == 3
    assert not ReviewLabel.objects.filter(store=other_store).exists()


def test_an_xlsx_file_changes_labels_and_a_second_import_changes_nothing(store: Any) -> None:
    review = add_review(store, "colour faded after one wash very disappointed", n=1)
    ReviewLabel.objects.create(store=store, review=review, label="neutral")
    add_review(store, "great price good quality would buy again", n=2)
    rows = [
        ["SKU", "评价内容", "情感"],
        ["SKU-1", "colour faded after one wash very disappointed", "差评"],
        ["SKU-2", "great price good quality would buy again", "好评"],
    ]
    first = _import(store, "labels.xlsx", xlsx_bytes(rows))
    assert (first.created_count, first.updated_count, first.skipped_count, first.error_rows) == (1, 1, 0, 0)
    again = _import(store, "labels.xlsx", xlsx_bytes(rows))
    assert (again.created_count, again.updated_count, again.skipped_count) == (0, 0, 2)
    assert _labels(store) == {
        "colour faded after one wash very disappointed": "negative",
        "great price good quality would buy again": "positive",
    }


def test_a_mapping_without_a_way_to_find_the_review_is_refused(store: Any) -> None:
    from apps.core.errors import ApplicationError

    data_import = import_services.import_create(
        store=store,
        target="training.review_labels",
        upload=upload("labels.csv", b"sku,label\nSKU-1,positive\n"),
        actor=Actor.system(),
    )
    with pytest.raises(ApplicationError, match="review id column, or both a SKU and a review text"):
        import_services.import_set_options(
            data_import=data_import, mapping={"sku": "sku", "label": "label"}, actor=Actor.system()
        )


def test_imported_labels_build_a_person_labelled_dataset(store: Any) -> None:
    made = [
        add_review(store, f"review number {word} about the shirt and its fabric", n=i)
        for i, word in enumerate(
            [
                "one",
                "two",
                "three",
                "four",
                "five",
                "six",
                "seven",
                "eight",
                "nine",
                "ten",
                "eleven",
                "twelve",
            ]
        )
    ]
    lines = ["sku,text,label"] + [
        f"{review.sku},{review.text},{('positive', 'negative', 'neutral')[index % 3]}"
        for index, review in enumerate(made)
    ]
    data_import = _import(store, "labels.csv", "\n".join(lines).encode())
    assert data_import.created_count == 12
    examples = {
        example.text: example.label
        for example in datasets.sentiment_examples(store=store, label_source="human")
    }
    assert len(examples) == 12
    assert [examples[review.text] for review in made[:3]] == ["positive", "negative", "neutral"]


def test_the_api_and_pages_import_labels_within_the_store(
    api_client: Any, store: Any, other_store: Any, owner: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    web = Client()
    web.force_login(owner)

    add_review(store, "the shirt fits well and the fabric is soft", n=0)
    base = f"/api/v1/stores/{store.pk}/training/labels/"
    data = (
        "sku,review,sentiment\n"
        "SKU-0,the shirt fits well and the fabric is soft,positive\n"
        "SKU-0,unknown,positive\n"
    )
    created = api_client.post(
        base + "imports/", {"file": SimpleUploadedFile("l.csv", data.encode())}, format="multipart"
    )
    assert created.status_code == 201, created.content
    import_id = created.json()["id"]
    assert created.json()["column_mapping"] == {"sku": "sku", "review": "text", "sentiment": "label"}
    assert api_client.post(base + f"imports/{import_id}/start/", {}, format="json").status_code == 202
    run_job(DataImport.objects.get(pk=import_id).job)
    errors = api_client.get(base + f"imports/{import_id}/errors/").json()["results"]
    assert [(e["row_number"], e["column"]) for e in errors] == [(3, "review")]
    assert list(_labels(store).values()) == ["positive"]
    other = f"/api/v1/stores/{other_store.pk}/training/labels/imports/{import_id}/"
    assert api_client.get(other).status_code == 404
    page = web.get(f"/s/{store.pk}/training/labels/imports/{import_id}/")
    assert page.status_code == 200 and "l.csv" in page.content.decode()
    assert f"/s/{store.pk}/training/labels/imports/" in web.get(f"/s/{store.pk}/training/").content.decode()
