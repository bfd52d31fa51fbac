"""A domain NotFound raised under a dashboard page answers the site's 404 page (NotFoundMiddleware)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.actor import Actor
from apps.catalog.services.products import product_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(owner: Any) -> Client:
    client = Client()
    client.force_login(owner)
    return client


def _is_the_404_page(response: Any) -> bool:
    return (
        response.status_code == 404
        and response["Content-Type"].startswith("text/html")
        and b"Page not found" in response.content
    )


def test_another_stores_overview_is_the_404_page(browser: Client, other_store: Any) -> None:
    response = browser.get(reverse("dashboard:store", kwargs={"store_id": other_store.pk}))
    assert _is_the_404_page(response)


def test_a_selector_raising_not_found_under_a_page_answers_404_html(
    browser: Client, store: Any, other_store: Any
) -> None:
    theirs = product_create(store=other_store, actor=Actor.system(), sku="T1", title="Theirs")
    response = browser.get(f"/s/{store.pk}/catalog/products/{theirs.pk}/")
    assert _is_the_404_page(response)
    response = browser.get(f"/s/{store.pk}/catalog/products/{2**63}/")  # past the id range
    assert _is_the_404_page(response)


def test_the_api_answers_the_same_not_found_as_its_error_body(
    api_client: Any, store: Any, other_store: Any
) -> None:
    theirs = product_create(store=other_store, actor=Actor.system(), sku="T2", title="Theirs")
    response = api_client.get(f"/api/v1/stores/{store.pk}/catalog/products/{theirs.pk}/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_the_middleware_maps_only_not_found(rf: Any) -> None:
    from django.http import HttpResponse

    from apps.core.errors import ApplicationError, NotFound
    from apps.core.middleware import NotFoundMiddleware

    middleware = NotFoundMiddleware(lambda request: HttpResponse())
    response = middleware.process_exception(rf.get("/s/1/catalog/"), NotFound("Not found."))
    assert response is not None and _is_the_404_page(response)
    assert middleware.process_exception(rf.get("/s/1/catalog/"), ApplicationError("other")) is None
