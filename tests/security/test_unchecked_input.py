"""Input that used to reach the database unchecked and answer 500: each is now a clear 4xx."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from apps.catalog.models import BrandVoice, Product

from .conftest import Catalog, make_catalog

pytestmark = pytest.mark.django_db


def base(store: Any) -> str:
    return f"/api/v1/stores/{store.pk}/catalog"


@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "0", "abc", "1.5", "1e3"])
def test_description_list_refuses_a_product_id_that_is_not_an_id(
    api_client: Any, store: Any, catalog: Catalog, value: str
) -> None:
    response = api_client.get(f"{base(store)}/descriptions/", {"product": value})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and list(error["details"]) == ["product"]


def test_description_list_filters_by_product(
    api_client: Any, store: Any, other_store: Any, catalog: Catalog
) -> None:
    theirs = make_catalog(other_store, sku="T1")
    mine = api_client.get(f"{base(store)}/descriptions/", {"product": catalog.product.pk}).json()
    assert [row["id"] for row in mine["results"]] == [catalog.description.pk]
    # Another store's product id answers like an unknown one.
    assert api_client.get(f"{base(store)}/descriptions/", {"product": theirs.product.pk}).json()["count"] == 0


@pytest.mark.parametrize(
    ("query", "bad"),
    [
        ("from=abc&to=2", ["from"]),
        ("from=1&to=", ["to"]),
        ("to=2", ["from"]),
        ("from=0&to=2", ["from"]),
        ("from=99999999999999999999&to=2", ["from"]),
        ("from=1&to=2.5", ["to"]),
    ],
)
def test_api_diff_refuses_version_numbers_that_are_not_numbers(
    api_client: Any, store: Any, catalog: Catalog, query: str, bad: list[str]
) -> None:
    response = api_client.get(f"{base(store)}/descriptions/{catalog.description.pk}/diff/?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and list(error["details"]) == bad


def test_api_diff_of_real_and_missing_versions(api_client: Any, store: Any, catalog: Catalog) -> None:
    url = f"{base(store)}/descriptions/{catalog.description.pk}/diff/"
    segments = api_client.get(url, {"from": 1, "to": 2}).json()
    assert {"op": "insert", "text": " soft"} in [
        {"op": segment["op"], "text": segment["text"].replace(",", "")} for segment in segments
    ]
    assert api_client.get(url, {"from": 1, "to": 3}).status_code == 404


@pytest.mark.parametrize("query", ["from=abc&to=2", "from=²&to=2", "to=2", "from=1&to=99999999999999"])
def test_dashboard_diff_answers_400_not_500(owner: Any, store: Any, catalog: Catalog, query: str) -> None:
    browser = Client(raise_request_exception=False)
    browser.force_login(owner)
    response = browser.get(f"/s/{store.pk}/catalog/descriptions/{catalog.description.pk}/diff/?{query}")
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_dashboard_diff_of_real_and_missing_versions(owner: Any, store: Any, catalog: Catalog) -> None:
    browser = Client()
    browser.force_login(owner)
    url = f"/s/{store.pk}/catalog/descriptions/{catalog.description.pk}/diff/"
    assert browser.get(url, {"from": 1, "to": 2}).status_code == 200
    assert browser.get(url, {"from": 1, "to": 7}).status_code == 404


def test_renaming_a_brand_voice_to_a_taken_name_is_a_conflict(
    api_client: Any, store: Any, catalog: Catalog
) -> None:
    created = api_client.post(f"{base(store)}/brand-voices/", {"name": "Bold"}, format="json")
    assert created.status_code == 201
    url = f"{base(store)}/brand-voices/{created.json()['id']}/"
    for name in ["Calm", "  Calm "]:
        response = api_client.patch(url, {"name": name}, format="json")
        assert (response.status_code, response.json()["error"]["code"]) == (409, "duplicate_name")
    assert BrandVoice.objects.get(pk=created.json()["id"]).name == "Bold"
    # Keeping its own name, or taking a free one, is fine.
    assert api_client.patch(url, {"name": "Bold", "description": "Loud."}, format="json").status_code == 200
    assert api_client.patch(url, {"name": "Brave"}, format="json").json()["name"] == "Brave"


def test_a_json_body_over_the_limit_answers_413_in_the_error_body(
    api_client: Any, store: Any, settings: Any
) -> None:
    body = {"sku": "BIG", "title": "x", "attributes": {"note": "y" * 900}}
    padding = "z" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = api_client.post(
        f"{base(store)}/products/",
        json.dumps({**body, "padding": padding}),
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "request_too_large"
    assert not Product.objects.filter(sku="BIG").exists()


def test_malformed_json_answers_400_in_the_error_body(api_client: Any, store: Any) -> None:
    response = api_client.post(f"{base(store)}/products/", '{"sku": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_a_token_cannot_be_created_already_expired(api_client: Any) -> None:
    response = api_client.post("/api/v1/tokens/", {"name": "old", "expires_at": "2000-01-01T00:00:00Z"})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"expires_at": ["A token must expire in the future."]}
    assert (
        api_client.post("/api/v1/tokens/", {"name": "new", "expires_at": "2999-01-01T00:00:00Z"}).status_code
        == 201
    )


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("page=0", 400, "page"),
        ("page=abc", 400, "page"),
        ("page=last", 400, "page"),
        ("page_size=0", 400, "page_size"),
        ("page_size=null", 400, "page_size"),
        ("page_size=501", 400, "page_size"),
        ("page=2", 404, None),
    ],
)
def test_pagination_refuses_what_it_cannot_honour(
    api_client: Any, store: Any, catalog: Catalog, query: str, status: int, field: str | None
) -> None:
    response = api_client.get(f"{base(store)}/products/?{query}")
    assert response.status_code == status
    if field:
        assert list(response.json()["error"]["details"]) == [field]
    else:
        assert response.json()["error"] == {"code": "not_found", "message": "Invalid page."}


def test_pagination_serves_pages_and_treats_empty_values_as_not_given(
    api_client: Any, store: Any, catalog: Catalog
) -> None:
    for sku in ("P2", "P3"):
        api_client.post(f"{base(store)}/products/", {"sku": sku, "title": "Mug"}, format="json")
    first = api_client.get(f"{base(store)}/products/?page_size=2&ordering=sku").json()
    assert (first["count"], [row["sku"] for row in first["results"]]) == (3, ["P2", "P3"])
    second = api_client.get(f"{base(store)}/products/?page_size=2&page=2&ordering=sku").json()
    assert [row["sku"] for row in second["results"]] == ["U8"]
    assert api_client.get(f"{base(store)}/products/?page=&page_size=&status=").json()["count"] == 3
