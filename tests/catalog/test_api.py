"""Catalog API: products, imports, exports, descriptions and brand voices, scoped to the caller's stores."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from apps.accounts.actor import Actor
from apps.accounts.models import Role
from apps.catalog.models import BrandVoice, Description, Product
from apps.catalog.services import brand_voices, descriptions, drafting, products
from apps.imports import services as import_services
from apps.imports.models import DataImport
from apps.jobs.models import Job

from .helpers import describe_options, generator_spec, run_job, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"


def base(store: Any) -> str:
    return f"/api/v1/stores/{store.pk}/catalog"


def make(store: Any, sku: str, **fields: Any) -> Product:
    fields.setdefault("title", f"Product {sku}")
    return products.product_create(store=store, actor=Actor.system(), sku=sku, **fields)


def test_product_crud(api_client: Any, store: Any) -> None:
    response = api_client.post(
        f"{base(store)}/products/",
        {
            "sku": "A-1",
            "title": "Wool scarf",
            "price": "29.90",
            "attributes": {"material": "wool"},
            "image_urls": ["https://cdn.example.com/a.jpg"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["sku"], body["price"], body["currency"], body["language"]) == ("A-1", "29.90", "USD", "en")
    product_id = body["id"]

    response = api_client.patch(f"{base(store)}/products/{product_id}/", {"title": "羊毛围巾"}, format="json")
    assert response.json()["title"] == "羊毛围巾"
    duplicate = api_client.post(f"{base(store)}/products/", {"sku": "A-1", "title": "x"}, format="json")
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "duplicate_sku"
    invalid = api_client.post(
        f"{base(store)}/products/", {"sku": "", "title": "x", "price": "-1"}, format="json"
    )
    assert invalid.status_code == 400 and set(invalid.json()["error"]["details"]) == {"sku", "price"}
    assert api_client.delete(f"{base(store)}/products/{product_id}/").status_code == 204
    assert not Product.objects.filter(pk=product_id).exists()


def test_product_filters_and_search(api_client: Any, store: Any) -> None:
    make(store, "S1", title="Linen shirt", category="Apparel", brand="Acme", price=Decimal("10"))
    make(store, "S2", title="Mug", category="Kitchen", brand="Kiln", price=Decimal("5"), status="draft")
    make(store, "S3", title="纯棉T恤", category="Apparel", brand="北原", price=Decimal("59"))

    def skus(query: str) -> list[str]:
        return [row["sku"] for row in api_client.get(f"{base(store)}/products/?{query}").json()["results"]]

    assert skus("category=Apparel") == ["S1", "S3"]
    assert skus("status=draft") == ["S2"]
    assert skus("search=shirt") == ["S1"]
    assert skus("search=纯棉") == ["S3"]
    assert skus("price_min=6&ordering=-price") == ["S3", "S1"]
    assert skus("language=zh") == ["S3"]


def test_every_catalog_endpoint_answers_404_for_another_stores_ids(
    api_client: Any, store: Any, other_store: Any, catalog_fake: Any
) -> None:
    product = make(other_store, "X1")
    version = drafting.description_generate(
        product=product, actor=Actor.system(), options=describe_options(other_store)
    )
    voice = brand_voices.brand_voice_create(store=other_store, actor=Actor.system(), name="Calm")
    catalog_import = import_services.import_create(
        store=other_store,
        target="catalog.products",
        upload=upload("a.csv", "SKU,Title\nA,B\n"),
        actor=Actor.system(),
    )
    mine = base(store)
    theirs = base(other_store)
    description_id = version.description_id
    gets = [
        f"{theirs}/products/",
        f"{theirs}/imports/",
        f"{theirs}/export/csv/",
        f"{theirs}/descriptions/",
        f"{mine}/products/{product.pk}/",
        f"{mine}/imports/{catalog_import.pk}/",
        f"{mine}/imports/{catalog_import.pk}/errors/",
        f"{mine}/imports/{catalog_import.pk}/errors/download/",
        f"{mine}/descriptions/{description_id}/",
        f"{mine}/descriptions/{description_id}/versions/",
        f"{mine}/descriptions/{description_id}/diff/?from=1&to=1",
        f"{mine}/brand-voices/{voice.pk}/",
    ]
    for url in gets:
        assert api_client.get(url).status_code == 404, url
    posts = [
        (f"{mine}/products/{product.pk}/describe/", {}),
        (f"{mine}/imports/{catalog_import.pk}/start/", {}),
        (f"{mine}/descriptions/{description_id}/review/", {"action": "approve"}),
        (f"{theirs}/descriptions/generate/", {}),
    ]
    for url, payload in posts:
        assert api_client.post(url, payload, format="json").status_code == 404, url
    assert (
        api_client.patch(f"{mine}/products/{product.pk}/", {"title": "x"}, format="json").status_code == 404
    )
    assert api_client.delete(f"{mine}/brand-voices/{voice.pk}/").status_code == 404
    # Products of another store are never picked up by a bulk selection either.
    response = api_client.post(f"{mine}/descriptions/generate/", {"product_ids": [product.pk]}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "empty_selection"
    assert Description.objects.get(pk=description_id).status == "draft"


def test_viewers_read_but_cannot_write(member_client: Any, store: Any) -> None:
    viewer = member_client(Role.VIEWER)
    make(store, "V1")
    assert viewer.get(f"{base(store)}/products/").status_code == 200
    assert (
        viewer.post(f"{base(store)}/products/", {"sku": "V2", "title": "x"}, format="json").status_code == 403
    )
    assert viewer.post(f"{base(store)}/imports/", {}, format="multipart").status_code == 403


def test_import_through_the_api_with_mapping_override_errors_and_error_file(
    api_client: Any, store: Any
) -> None:
    data = "商品编码,商品名称,售价,规格\nC1,陶瓷杯,￥25,350ml\nC2,,10,\nC1,重复,3,\n".encode("gbk")
    response = api_client.post(
        f"{base(store)}/imports/", {"file": upload("目录.csv", data)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["encoding"] == "gbk"
    assert body["headers"] == ["商品编码", "商品名称", "售价", "规格"]
    assert body["column_mapping"] == {
        "商品编码": "sku",
        "商品名称": "title",
        "售价": "price",
        "规格": "attribute:规格",
    }
    assert body["preview_rows"][0] == ["C1", "陶瓷杯", "￥25", "350ml"]
    url = f"{base(store)}/imports/{body['id']}/"
    mapping = {**body["column_mapping"], "规格": "attribute:容量"}
    assert api_client.patch(url, {"column_mapping": mapping}, format="json").status_code == 200

    started = api_client.post(f"{url}start/", {}, format="json")
    assert started.status_code == 202
    run_job(started.json()["job"])
    body = api_client.get(url).json()
    assert (body["status"], body["valid_rows"], body["error_rows"], body["created_count"]) == (
        "finished",
        1,
        2,
        1,
    )
    assert Product.objects.get(store=store, sku="C1").attributes == {"容量": "350ml"}
    errors = api_client.get(f"{url}errors/").json()["results"]
    assert [(e["row_number"], e["column"]) for e in errors] == [(3, "商品名称"), (4, "商品编码")]
    download = api_client.get(f"{url}errors/download/")
    assert download["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["row", "column", "reason", "商品编码", "商品名称", "售价", "规格"]
    assert rows[1][:2] == ["3", "商品名称"] and rows[1][3] == "C2"


def test_upload_errors_are_clear(api_client: Any, store: Any, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 1024
    response = api_client.post(
        f"{base(store)}/imports/", {"file": upload("big.csv", "a,b\n" * 1000)}, format="multipart"
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    response = api_client.post(
        f"{base(store)}/imports/", {"file": upload("x.xls", b"\xd0\xcf\x11\xe0")}, format="multipart"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "unsupported_format"
    bad_mapping = api_client.post(
        f"{base(store)}/imports/", {"file": upload("a.csv", "a,b\n1,2\n")}, format="multipart"
    ).json()
    response = api_client.post(f"{base(store)}/imports/{bad_mapping['id']}/start/", {}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_mapping"
    assert DataImport.objects.get(pk=bad_mapping["id"]).status == "uploaded"


def _approve(store: Any, product: Product, text: str) -> None:
    version = drafting.description_generate(
        product=product, actor=Actor.system(), options=describe_options(store)
    )
    descriptions.description_review(
        description=version.description,
        actor=Actor.system(),
        action="approve",
        text=text,
        confirm_invented=True,
    )


def test_exports_carry_only_approved_text_and_neutralise_formulas(
    api_client: Any, store: Any, catalog_fake: Any
) -> None:
    approved = make(
        store, "E1", title='=HYPERLINK("http://evil")', attributes={"note": "@SUM(A1)", "size": "M"}
    )
    drafted = make(store, "E2", title="+1 trick", brand="-2")
    _approve(store, approved, "-Approved text")
    drafting.description_generate(product=drafted, actor=Actor.system(), options=describe_options(store))

    response = api_client.get(f"{base(store)}/export/csv/")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = {row["sku"]: row for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    assert rows["E1"]["title"] == '\'=HYPERLINK("http://evil")'
    assert rows["E1"]["attributes"] == "note: @SUM(A1); size: M"
    assert rows["E1"]["description_en"] == "'-Approved text"
    assert rows["E2"]["title"] == "'+1 trick" and rows["E2"]["brand"] == "'-2"
    assert rows["E2"]["description_en"] == ""  # a draft is never exported

    response = api_client.get(f"{base(store)}/export/xlsx/?search=E1")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    values = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert values[0][:2] == ("sku", "title") and len(values) == 2
    assert values[1][1] == '\'=HYPERLINK("http://evil")'
    assert values[1][10] == "'-Approved text"


def test_describe_review_diff_and_versions_over_the_api(
    api_client: Any, store: Any, catalog_fake: Any
) -> None:
    product = make(store, "D1", title="Linen shirt", brand="Acme", attributes={"material": "linen"})
    response = api_client.post(
        f"{base(store)}/products/{product.pk}/describe/",
        {"candidates": 3, "target_length": 20, "seo_keywords": ["linen"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    version = response.json()
    assert version["number"] == 1 and len(version["candidates"]) == 4  # the kept text, then the 3 written
    assert version["spans"] == []  # the kept text is made of clean sentences only
    assert version["model_key"] == generator_spec(store).key
    assert version["options"]["seo_keywords"] == ["linen"]
    description = Description.objects.get(product=product)
    url = f"{base(store)}/descriptions/{description.pk}/"

    queue = api_client.get(f"{base(store)}/descriptions/?status=draft").json()["results"]
    assert [row["product_sku"] for row in queue] == ["D1"]
    edit = {"action": "approve", "text": version["text"] + " Hand-edited."}
    unconfirmed = api_client.post(f"{url}review/", edit, format="json")
    assert unconfirmed.status_code == 409 and unconfirmed.json()["error"]["code"] == "invented_unconfirmed"
    approved = api_client.post(f"{url}review/", {**edit, "confirm_invented": True}, format="json").json()
    start = len(version["text"]) + 1
    assert approved["spans"] == [
        {
            "start": start,
            "end": start + len("Hand-edited"),
            "text": "Hand-edited",
            "kind": "invented",
            "reason": "“Hand-edited” is not in the product's facts.",
        }
    ]
    assert (approved["number"], approved["origin"], approved["parent_version"], approved["status"]) == (
        2,
        "edited",
        1,
        "approved",
    )
    assert approved["reviewed_by"] is not None
    again = api_client.post(f"{url}review/", {"action": "approve"}, format="json")
    assert again.status_code == 409
    assert (
        api_client.post(f"{url}review/", {"action": "publish"}, format="json").json()["status"] == "published"
    )
    versions = api_client.get(f"{url}versions/").json()["results"]
    assert [(v["number"], v["status"]) for v in versions] == [(2, "published"), (1, "draft")]
    diff = api_client.get(f"{url}diff/?from=1&to=2").json()
    assert diff == [{"op": "equal", "text": version["text"]}, {"op": "insert", "text": " Hand-edited."}]


def test_streamed_describe_sends_ndjson(api_client: Any, store: Any, catalog_fake: Any) -> None:
    product = make(store, "ST1", title="Mug", attributes={"capacity": "350 ml"})
    response = api_client.post(
        f"{base(store)}/products/{product.pk}/describe/?stream=1", {"target_length": 20}, format="json"
    )
    assert response["Content-Type"] == "application/x-ndjson", response.content
    events = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert events[0]["delta"]
    assert events[-1]["version"] == 1


def test_bulk_generate_over_the_api_is_a_job(api_client: Any, store: Any, catalog_fake: Any) -> None:
    for i in range(3):
        make(store, f"B{i}", category="Apparel" if i < 2 else "Kitchen")
    response = api_client.post(
        f"{base(store)}/descriptions/generate/",
        {"category": "Apparel", "batch_size": 4, "language": "zh"},
        format="json",
    )
    assert response.status_code == 202, response.content
    job = response.json()
    assert (job["kind"], job["total"]) == ("catalog.describe", 1)
    run_job(job["id"])
    progress = api_client.get(f"/api/v1/stores/{store.pk}/jobs/{job['id']}/").json()
    assert progress["status"] == "succeeded" and progress["progress"]["percent"] == 100.0
    assert set(Description.objects.filter(store=store).values_list("product__sku", "language")) == {
        ("B0", "zh"),
        ("B1", "zh"),
    }


def test_brand_voices_shape_the_prompt(api_client: Any, store: Any, catalog_fake: Any) -> None:
    response = api_client.post(
        f"{base(store)}/brand-voices/",
        {
            "name": "Calm",
            "description": "Quiet, plain words.",
            "do_words": ["simple"],
            "dont_words": ["amazing"],
            "example_texts": ["A simple mug for slow mornings."],
        },
        format="json",
    )
    assert response.status_code == 201
    voice = BrandVoice.objects.get(store=store)
    product = make(store, "BV1", title="Mug")
    api_client.post(
        f"{base(store)}/products/{product.pk}/describe/", {"brand_voice": voice.pk}, format="json"
    )
    prompt = catalog_fake.requests[-1][0].prompt
    assert "Voice: Quiet, plain words.; use: simple; avoid: amazing" in prompt
    assert "Style sample: A simple mug for slow mornings." in prompt


def test_schema_documents_the_catalog(api_client: Any) -> None:
    schema = api_client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert "/api/v1/stores/{store_id}/catalog/imports/{import_id}/start/" in paths
    assert "/api/v1/stores/{store_id}/catalog/descriptions/{description_id}/review/" in paths


def test_description_and_version_lists_do_not_query_per_row(
    api_client: Any, store: Any, catalog_fake: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api_client.get(url).status_code == 200
        return len(captured)

    def described(sku: str) -> Description:
        product = make(store, sku, attributes={"colour": "red"})
        version = drafting.description_generate(
            product=product, actor=Actor.system(), options=describe_options(store)
        )
        descriptions.description_review(
            description=version.description,
            actor=Actor.system(),
            action="approve",
            text="Edited text.",
            confirm_invented=True,
        )
        return version.description

    first = described("Q1")
    queries(f"{base(store)}/descriptions/")  # the first request also authenticates and caches
    few = queries(f"{base(store)}/descriptions/")
    few_versions = queries(f"{base(store)}/descriptions/{first.pk}/versions/")
    for n in range(2, 6):
        described(f"Q{n}")
    for n in range(3):  # more versions of the first description, each edited from its parent
        drafting.description_generate(
            product=first.product, actor=Actor.system(), options=describe_options(store)
        )
        descriptions.description_review(
            description=first, actor=Actor.system(), action="reject", text=f"Rejected {n}."
        )
    assert queries(f"{base(store)}/descriptions/") == few
    assert queries(f"{base(store)}/descriptions/{first.pk}/versions/") == few_versions


def test_the_description_product_filter_does_not_tell_another_stores_product_ids(
    api_client: Any, store: Any, other_store: Any, catalog_fake: Any
) -> None:
    ours = make(store, "F1", attributes={"colour": "red"})
    drafting.description_generate(product=ours, actor=Actor.system(), options=describe_options(store))
    theirs = products.product_create(store=other_store, actor=Actor.system(), sku="F2", title="Theirs")
    url = f"{base(store)}/descriptions/"
    ours_listed = api_client.get(f"{url}?product={ours.pk}").json()["results"]
    assert [row["product_sku"] for row in ours_listed] == ["F1"]
    for product_id in (theirs.pk, theirs.pk + 10_000):
        response = api_client.get(f"{url}?product={product_id}")
        assert (response.status_code, response.json()["results"]) == (200, [])


def test_describe_answers_503_when_the_inference_worker_was_killed(
    api_client: Any, store: Any, monkeypatch: Any, settings: Any
) -> None:
    from tests.inference.queue_failures import lose_workers

    settings.INFERENCE_BACKEND, settings.INFERENCE_IN_PROCESS = "local", False  # the web sends to the queue
    lose_workers(monkeypatch)
    product = make(store, "W1", title="Linen shirt")
    response = api_client.post(f"{base(store)}/products/{product.pk}/describe/", {}, format="json")
    assert response.status_code == 503, response.content
    assert response.json() == {
        "error": {
            "code": "inference_unavailable",
            "message": "The model is unavailable for the moment; try again shortly.",
        }
    }
    assert response["Retry-After"] == "30"
    assert not Description.objects.filter(product=product).exists()


def test_describe_answers_503_when_the_model_is_not_installed(
    api_client: Any, store: Any, settings: Any, tmp_path: Any
) -> None:
    from apps.inference.engine.loading import model_cache

    model_cache().clear()
    settings.INFERENCE_BACKEND, settings.INFERENCE_IN_PROCESS = "local", True
    settings.MODELS_CACHE = tmp_path  # nothing installed here: the real loader refuses
    product = make(store, "N1", title="Linen shirt")
    response = api_client.post(f"{base(store)}/products/{product.pk}/describe/", {}, format="json")
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "model_not_installed"
    assert str(tmp_path) not in response.content.decode()  # server paths stay in the log
    assert not Description.objects.filter(product=product).exists()


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        ("InvalidRequest", 400, "invalid_inference_request"),
        ("ModelNotFound", 400, "model_not_found"),
        ("BackendError", 502, "inference_backend_error"),
        ("InferenceError", 500, "inference_error"),
    ],
)
def test_permanent_inference_errors_get_the_error_body(error: str, status: int, code: str) -> None:
    from apps.core.api_errors import api_exception_handler
    from apps.inference import errors

    response = api_exception_handler(getattr(errors, error)("Prompt of 5000 tokens exceeds 4096."), {})
    assert response is not None
    assert response.status_code == status
    assert response.data["error"]["code"] == code
    # Client mistakes say what was wrong; server-side failures do not pass their detail on.
    assert ("5000 tokens" in response.data["error"]["message"]) == (status == 400)


def test_streamed_describe_ends_with_a_coded_error_that_keeps_server_details_out(
    api_client: Any, store: Any, settings: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    from apps.inference.engine.loading import model_cache
    from tests.inference.queue_failures import lose_workers

    model_cache().clear()
    settings.INFERENCE_BACKEND, settings.INFERENCE_IN_PROCESS = "local", True
    settings.MODELS_CACHE = tmp_path  # nothing installed: the real loader refuses
    product = make(store, "SE1", title="Mug")
    url = f"{base(store)}/products/{product.pk}/describe/?stream=1"

    def last_event() -> dict[str, Any]:
        response = api_client.post(url, {}, format="json")
        return json.loads(b"".join(response.streaming_content).decode().splitlines()[-1])  # type: ignore[no-any-return]

    event = last_event()
    assert event["code"] == "model_not_installed"
    assert str(tmp_path) not in event["error"]

    settings.INFERENCE_IN_PROCESS = False  # the web sends to the queue, whose worker dies
    lose_workers(monkeypatch)
    event = last_event()
    assert event["code"] == "inference_unavailable"
    assert "Worker" not in event["error"]
    assert not Description.objects.filter(product=product).exists()


def test_inference_error_messages_are_translated() -> None:
    from django.utils import translation

    from apps.inference import ModelNotInstalled, TransientInferenceError, public_error

    with translation.override("zh-hans"):
        assert public_error(TransientInferenceError("worker lost")).message == "模型暂时不可用，请稍后再试。"
        assert (
            public_error(ModelNotInstalled("/srv/models")).message == "此服务器未安装该模型，请联系管理员。"
        )


def test_bulk_generate_over_the_api_can_skip_products_with_approved_text(
    api_client: Any, store: Any, owner: Any, catalog_fake: Any
) -> None:
    done, todo = make(store, "OM1", category="Apparel"), make(store, "OM2", category="Apparel")
    actor = Actor(user=owner, source="api")
    version = drafting.description_generate(product=done, actor=actor, options=describe_options(store))
    descriptions.description_review(
        description=version.description,
        actor=actor,
        action="approve",
        text=None,
        note="",
        version_number=None,
    )
    response = api_client.post(
        f"{base(store)}/descriptions/generate/",
        {"category": "Apparel", "only_missing": True, "batch_size": 1},
        format="json",
    )
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert [item.payload["products"] for item in job.items.all()] == [[todo.pk]]
    assert job.params["batch_size"] == 1
    assert "only_missing" not in job.params["options"] and "batch_size" not in job.params["options"]
