"""Reviews API: create and validate, duplicates, filters, insights, export, aspects, alerts, replies,
settings; another store's ids answer 404 everywhere."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.accounts.models import Role
from apps.reviews.models import AspectMention, CustomAspect, ReplyDraft, Review, SpikeAlert
from apps.reviews.services.classification import CLASSIFY_NEW_TASK

from .helpers import make_review

pytestmark = pytest.mark.django_db


def base(store: Any) -> str:
    return f"/api/v1/stores/{store.pk}/reviews/"


def test_create_detects_language_links_the_product_and_queues_classification(
    api_client: Any, store: Any, sent_tasks: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from apps.catalog.models import Product

    product = Product.objects.create(store=store, sku="TEE-1", title="T-shirt")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            base(store),
            {
                "sku": "TEE-1",
                "text": "面料很舒服，尺码正好",
                "rating": 5,
                "external_id": "x1",
                "source": "tmall",
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["language"], body["product"], body["sentiment"], body["approved_reply"]) == (
        "zh",
        product.pk,
        "",
        None,
    )
    assert sent_tasks == [(CLASSIFY_NEW_TASK, (store.pk,), "default")]

    again = api_client.post(
        base(store), {"sku": "TEE-1", "text": "other", "external_id": "x1", "source": "tmall"}, format="json"
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "duplicate_review"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"sku": "A", "text": ""}, "text"),
        ({"sku": "A", "text": "x" * 100_001}, "text"),
        ({"sku": "A", "text": "ok", "rating": 6}, "rating"),
        ({"sku": "A", "text": "ok", "language": "fr"}, "language"),
    ],
)
def test_bad_input_answers_400(api_client: Any, store: Any, payload: dict[str, Any], field: str) -> None:
    response = api_client.post(base(store), payload, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["details"]


def test_future_and_unknown_language_texts_are_refused(api_client: Any, store: Any) -> None:
    future = (timezone.now() + timedelta(days=3)).isoformat()
    response = api_client.post(
        base(store), {"sku": "A", "text": "fine", "reviewed_at": future}, format="json"
    )
    assert response.status_code == 400 and "future" in response.json()["error"]["message"]
    response = api_client.post(base(store), {"sku": "A", "text": "Это ужасно"}, format="json")
    assert response.status_code == 400 and "language" in response.json()["error"]["message"]


def test_filters_insights_and_export(api_client: Any, store: Any) -> None:
    old = timezone.now() - timedelta(days=40)
    bad = make_review(store, "=cmd|' /C calc'!A0 broke fast", sku="A", sentiment="negative", rating=5)
    make_review(store, "Love it", sku="A", sentiment="positive", rating=5)
    make_review(store, "很好", sku="B", sentiment="positive", rating=4, language="zh", reviewed_at=old)
    AspectMention.objects.create(
        store=store,
        review=bad,
        aspect="quality",
        start=0,
        end=10,
        sentence="broke fast",
        sentiment="negative",
        confidence=0.8,
    )

    listed = api_client.get(base(store), {"language": "zh"}).json()
    assert [r["text"] for r in listed["results"]] == ["很好"]
    mismatched = api_client.get(base(store), {"mismatch": "true"}).json()
    assert [r["id"] for r in mismatched["results"]] == [bad.pk]
    assert api_client.get(base(store), {"date_from": "not-a-date"}).status_code == 400

    data = api_client.get(
        base(store) + "insights/", {"date_from": (timezone.now() - timedelta(days=7)).date()}
    ).json()
    assert data["totals"] == {"total": 2, "classified": 2, "negative": 1, "neutral": 0, "positive": 1}
    assert [p["sku"] for p in data["products"]] == ["A"]
    assert data["top_aspects"]["complained"][0]["aspect"] == "quality"
    assert data["top_aspects"]["complained"][0]["examples"][0]["review"] == bad.pk
    assert data["mismatch_count"] == 1 and data["mismatches"][0]["id"] == bad.pk
    assert sum(period["negative"] for period in data["over_time"]["periods"]) == 1

    # A review mentioning an aspect twice counts once.
    AspectMention.objects.create(
        store=store,
        review=bad,
        aspect="quality",
        start=11,
        end=20,
        sentence="cheap stitching",
        sentiment="negative",
        confidence=0.7,
    )
    by_aspect = api_client.get(base(store) + "insights/", {"aspect": "quality"}).json()
    assert by_aspect["totals"]["total"] == 1 and by_aspect["products"][0]["total"] == 1
    exported = api_client.get(base(store) + "export/csv/", {"sku": "A"})
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 2
    formula = next(row for row in rows if "calc" in row["text"])
    assert formula["text"].startswith("'=") and formula["aspects"] == "quality:negative; quality:negative"
    assert formula["rating_mismatch"] == "yes"


def test_custom_aspects(api_client: Any, store: Any) -> None:
    created = api_client.post(
        base(store) + "aspects/",
        {"name": "battery", "examples": ["battery lasts", "电池耐用"]},
        format="json",
    )
    assert created.status_code == 201
    assert (
        api_client.post(
            base(store) + "aspects/", {"name": "battery", "examples": ["x"]}, format="json"
        ).status_code
        == 409
    )
    assert (
        api_client.post(base(store) + "aspects/", {"name": "x", "examples": []}, format="json").status_code
        == 400
    )
    aspect_id = created.json()["id"]
    renamed = api_client.put(
        base(store) + f"aspects/{aspect_id}/", {"name": "battery life", "examples": ["charge"]}, format="json"
    )
    assert renamed.json()["name"] == "battery life"
    assert api_client.delete(base(store) + f"aspects/{aspect_id}/").status_code == 204


def test_settings_need_the_owner_and_never_show_the_secret(
    api_client: Any, store: Any, member_client: Any
) -> None:
    response = api_client.patch(
        base(store) + "settings/",
        {"policy_text": "Returns within 30 days.", "webhook_url": "https://hooks.example.com/x"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["webhook_secret_set"] is True and "webhook_secret" not in response.json()
    operator = member_client(Role.OPERATOR)
    assert (
        operator.patch(
            base(store) + "settings/", {"policy_text": "Refunds always."}, format="json"
        ).status_code
        == 403
    )
    assert operator.get(base(store) + "settings/").json()["policy_text"] == "Returns within 30 days."


def test_replies_through_the_api_need_approval(api_client: Any, store: Any, fake_inference: Any) -> None:
    review = make_review(store, "Arrived late", sentiment="negative", rating=2)
    fake_inference.writer = lambda prompt, index: " Sorry it arrived late; thank you for telling us."
    drafted = api_client.post(base(store) + f"{review.pk}/replies/")
    assert drafted.status_code == 201 and drafted.json()["status"] == "draft"
    assert api_client.get(base(store) + f"{review.pk}/").json()["approved_reply"] is None
    reply_id = drafted.json()["id"]
    approved = api_client.post(
        base(store) + f"replies/{reply_id}/review/", {"decision": "approved"}, format="json"
    )
    assert approved.json()["status"] == "approved"
    assert api_client.get(base(store) + f"{review.pk}/").json()["approved_reply"] == (
        "Sorry it arrived late; thank you for telling us."
    )


def test_another_stores_ids_answer_404(
    api_client: Any, store: Any, other_store: Any, fake_inference: Any
) -> None:
    foreign = make_review(other_store, "Not yours", sentiment="negative")
    aspect = CustomAspect.objects.create(store=other_store, name="secret", examples=["x"])
    now = timezone.now()
    alert = SpikeAlert.objects.create(
        store=other_store,
        scope="product",
        key="X",
        window_start=now,
        window_end=now,
        window_negative=1,
        window_total=1,
        baseline_negative=0,
        baseline_total=1,
        z_score=1,
        p_value=0.1,
    )
    reply = ReplyDraft.objects.create(store=other_store, review=foreign, language="en", text="hi")
    mine = base(store)
    for method, path in [
        ("get", f"{mine}{foreign.pk}/"),
        ("delete", f"{mine}{foreign.pk}/"),
        ("post", f"{mine}{foreign.pk}/replies/"),
        ("get", f"{mine}aspects/{aspect.pk}/"),
        ("delete", f"{mine}aspects/{aspect.pk}/"),
        ("get", f"{mine}alerts/{alert.pk}/"),
        ("post", f"{mine}alerts/{alert.pk}/acknowledge/"),
        ("get", f"{mine}replies/{reply.pk}/"),
        ("post", f"{mine}replies/{reply.pk}/review/"),
        ("get", f"{base(other_store)}"),
        ("get", f"{base(other_store)}insights/"),
    ]:
        response = getattr(api_client, method)(
            path, {"decision": "approved"} if "review/" in path else None, format="json"
        )
        assert response.status_code == 404, (method, path, response.status_code)
    # Filtering by the other store's ids or SKUs shows nothing of it.
    assert api_client.get(mine, {"sku": foreign.sku}).json()["count"] == 0
    assert Review.objects.filter(pk=foreign.pk).exists() and fake_inference.calls == []
    assert ReplyDraft.objects.get(pk=reply.pk).status == "draft"
    # The classify endpoint ignores ids of another store.
    response = api_client.post(mine + "classify/", {"review_ids": [foreign.pk]}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "nothing_to_classify"


def test_import_through_the_api_reports_row_errors(api_client: Any, store: Any, other_store: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.imports.models import DataImport
    from tests.catalog.helpers import run_job

    data = "sku,rating,review,date\nA1,5,Great,2024-05-01\nA1,0,Bad stars,2024-05-01\nA1,4,,2024-05-02\n"
    created = api_client.post(
        base(store) + "imports/", {"file": SimpleUploadedFile("r.csv", data.encode())}, format="multipart"
    )
    assert created.status_code == 201, created.content
    import_id = created.json()["id"]
    assert created.json()["column_mapping"]["review"] == "text"
    started = api_client.post(base(store) + f"imports/{import_id}/start/", {}, format="json")
    assert started.status_code == 202, started.content
    run_job(DataImport.objects.get(pk=import_id).job)
    errors = api_client.get(base(store) + f"imports/{import_id}/errors/").json()["results"]
    assert [(e["row_number"], e["column"]) for e in errors] == [(3, "rating"), (4, "review")]
    assert Review.objects.filter(store=store).count() == 1
    assert api_client.get(base(other_store) + f"imports/{import_id}/").status_code == 404
