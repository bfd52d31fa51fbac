"""Text edge cases through the API, the dashboard, imports and exports (apps/core/text.py underneath)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from apps.catalog.models import Description, DescriptionVersion, Product
from apps.jobs.models import Job
from apps.jobs.services import job_process_chunk

pytestmark = pytest.mark.django_db


def base(store: Any) -> str:
    return f"/api/v1/stores/{store.pk}/catalog"


def run_job(job_id: int) -> Job:
    for _ in range(100):
        job = Job.objects.get(pk=job_id)
        if not job.is_active:
            return job
        job_process_chunk(job_id=job_id)
    raise AssertionError("the job did not finish")


def import_csv(api_client: Any, store: Any, text: str) -> dict[str, Any]:
    upload = SimpleUploadedFile("catalog.csv", text.encode("utf-8"))
    created = api_client.post(f"{base(store)}/imports/", {"file": upload}, format="multipart")
    assert created.status_code == 201, created.content
    url = f"{base(store)}/imports/{created.json()['id']}/"
    started = api_client.post(f"{url}start/", {}, format="json")
    assert started.status_code == 202, started.content
    run_job(started.json()["job"])
    return dict(api_client.get(url).json())


@pytest.mark.parametrize("look_alike", ["U\u200b8", "\ufeffU8", "U\u20608", "Ｕ８", " U8\u200e"])
def test_a_sku_with_invisible_or_full_width_characters_is_the_same_sku(
    api_client: Any, store: Any, look_alike: str
) -> None:
    first = api_client.post(f"{base(store)}/products/", {"sku": "U8", "title": "Mug"}, format="json")
    assert first.status_code == 201
    second = api_client.post(f"{base(store)}/products/", {"sku": look_alike, "title": "Mug"}, format="json")
    assert (second.status_code, second.json()["error"]["code"]) == (409, "duplicate_sku")
    assert list(Product.objects.filter(store=store).values_list("sku", flat=True)) == ["U8"]


def test_a_look_alike_sku_in_an_import_updates_the_product(api_client: Any, store: Any) -> None:
    Product.objects.create(store=store, sku="U8", title="Mug")
    body = import_csv(api_client, store, "sku,title\nU\u200b8,Stoneware mug\n\ufeffＵ９,Teapot\n")
    assert (body["status"], body["created_count"], body["updated_count"]) == ("finished", 1, 1)
    assert dict(Product.objects.filter(store=store).values_list("sku", "title")) == {
        "U8": "Stoneware mug",
        "U9": "Teapot",
    }


def test_bidi_overrides_are_removed_from_titles_and_attributes(api_client: Any, store: Any) -> None:
    response = api_client.post(
        f"{base(store)}/products/",
        {"sku": "B1", "title": "Invoice\u202egpj.exe", "attributes": {"col\u2066our": "bl\u202eue"}},
        format="json",
    )
    assert response.status_code == 201
    assert (response.json()["title"], response.json()["attributes"]) == ("Invoicegpj.exe", {"colour": "blue"})
    body = import_csv(api_client, store, "sku,title,material\nB2,Scarf\u202e,wo\u2067ol\n")
    assert body["created_count"] == 1
    product = Product.objects.get(store=store, sku="B2")
    assert (product.title, product.attributes) == ("Scarf", {"material": "wool"})


def test_nul_is_refused_alike_in_titles_and_attribute_names_through_the_api(
    api_client: Any, store: Any
) -> None:
    in_title = api_client.post(f"{base(store)}/products/", {"sku": "N1", "title": "a\x00b"}, format="json")
    in_key = api_client.post(
        f"{base(store)}/products/", {"sku": "N2", "title": "ok", "attributes": {"a\x00b": "x"}}, format="json"
    )
    in_value = api_client.post(
        f"{base(store)}/products/", {"sku": "N3", "title": "ok", "attributes": {"ab": "x\x00"}}, format="json"
    )
    for response, field in [(in_title, "title"), (in_key, "attributes"), (in_value, "attributes")]:
        assert response.status_code == 400
        assert list(response.json()["error"]["details"]) == [field]
    assert not Product.objects.filter(store=store).exists()


def test_nul_is_refused_alike_in_the_dashboard_form(owner: Any, store: Any) -> None:
    browser = Client()
    browser.force_login(owner)
    url = f"/s/{store.pk}/catalog/products/new/"
    form = {"sku": "N1", "title": "ok", "language": "en", "status": "active", "attributes": "colour: red"}
    for field, value in [("title", "a\x00b"), ("attributes", "col\x00our: red")]:
        page = browser.post(url, {**form, field: value}).content.decode()
        assert "Null characters are not allowed." in page, field
    assert not Product.objects.filter(store=store).exists()


def test_nul_is_dropped_alike_from_titles_and_attribute_names_in_an_import(
    api_client: Any, store: Any
) -> None:
    body = import_csv(api_client, store, "sku,title,attributes\nN1,Tea\x00pot,col\x00our: red\n")
    assert (body["status"], body["created_count"], body["error_rows"]) == ("finished", 1, 0)
    product = Product.objects.get(store=store, sku="N1")
    assert (product.title, product.attributes) == ("Teapot", {"colour": "red"})


def test_exports_neutralise_formulas_behind_invisible_characters(api_client: Any, store: Any) -> None:
    # Stored before cleaning existed, or through a path that does not clean: the export is the last guard.
    product = Product.objects.create(
        store=store, sku="F1", title='\ufeff=HYPERLINK("http://evil.example")', brand="\u200b\u200b+cmd"
    )
    description = Description.objects.create(store=store, product=product, language="en", status="approved")
    version = DescriptionVersion.objects.create(
        description=description, number=1, text="\u202e@SUM(1+1)", status="approved"
    )
    description.approved_version = version
    description.save()

    exported = api_client.get(f"{base(store)}/export/csv/")
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    assert rows[0]["title"] == '\'\ufeff=HYPERLINK("http://evil.example")'
    assert rows[0]["brand"] == "'\u200b\u200b+cmd"
    assert rows[0]["description_en"] == "'\u202e@SUM(1+1)"

    workbook = load_workbook(
        io.BytesIO(b"".join(api_client.get(f"{base(store)}/export/xlsx/").streaming_content))
    )
    sheet = workbook.active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    cells = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert cells["title"] == '\'\ufeff=HYPERLINK("http://evil.example")'
    assert cells["description_en"] == "'\u202e@SUM(1+1)"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
