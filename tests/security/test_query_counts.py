"""List pages and API lists issue a constant number of queries whatever the number of rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import AuditEvent, Invitation, Role, Store
from apps.catalog.models import BrandVoice, Description, DescriptionVersion, Product, Variant
from apps.imports.models import DataImport
from apps.jobs.models import Job
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _product(store: Store, n: int) -> None:
    product = Product.objects.create(
        store=store, sku=f"QC{n}", title=f"Scarf {n}", attributes={"material": "wool"}, option_names=["Size"]
    )
    for position, size in enumerate(("S", "M"), start=1):
        Variant.objects.create(
            store=store, product=product, position=position, option_values=[size], sku=f"QC{n}-{size}"
        )


def _description(store: Store, n: int) -> None:
    product = Product.objects.create(store=store, sku=f"QD{n}", title=f"Hat {n}")
    description = Description.objects.create(store=store, product=product, language="en")
    first = DescriptionVersion.objects.create(description=description, number=1, text="A hat.")
    second = DescriptionVersion.objects.create(
        description=description, number=2, text="A warm hat.", parent=first
    )
    description.current_version = second
    description.save()


def _voice(store: Store, n: int) -> None:
    BrandVoice.objects.create(store=store, name=f"Voice {n}", description="Plain.")


def _job(store: Store, n: int) -> None:
    Job.objects.create(store=store, kind="catalog.describe", title=f"Describe {n}")


def _import(store: Store, n: int) -> None:
    DataImport.objects.create(
        store=store,
        target="catalog.products",
        original_name=f"{n}.csv",
        file_format="csv",
        size=1,
        file="x.csv",
    )


def _member(store: Store, n: int) -> None:
    MembershipFactory(store=store, role=Role.VIEWER)


def _invitation(store: Store, n: int) -> None:
    Invitation.objects.create(
        store=store,
        email=f"guest{n}@example.com",
        role=Role.VIEWER,
        token_hash=f"{store.pk:032d}{n:032d}",
        expires_at=timezone.now() + timedelta(days=1),
    )


def _audit(store: Store, n: int) -> None:
    AuditEvent.objects.create(store=store, action="product.updated", object_type="product", object_id=str(n))


def _review(store: Store, n: int) -> None:
    from apps.reviews.models import Review

    Review.objects.create(
        store=store,
        sku=f"QR{n}",
        text=f"The zipper broke on day {n}.",
        text_hash=f"{n:064d}",
        language="en",
        rating=2,
        reviewed_at=timezone.now(),
        sentiment="negative",
        sentiment_confidence=0.9,
    )


def _campaign(store: Store, n: int) -> None:
    from apps.marketing.models import Campaign

    Campaign.objects.create(store=store, name=f"Campaign {n}")


def _order(store: Store, n: int) -> None:
    from apps.accounts.actor import Actor
    from apps.support.services import orders

    orders.order_create(store=store, actor=Actor.system(), number=f"QO-{n}")


def _conversation(store: Store, n: int) -> None:
    from apps.support.services import inbox

    inbox.conversation_start(store=store)


LISTS: list[tuple[str, Callable[[Store, int], None]]] = [
    ("/api/v1/stores/{store}/reviews/", _review),
    ("/api/v1/stores/{store}/marketing/campaigns/", _campaign),
    ("/api/v1/stores/{store}/support/orders/", _order),
    ("/api/v1/stores/{store}/support/conversations/", _conversation),
    ("/s/{store}/reviews/", _review),
    ("/api/v1/stores/{store}/catalog/products/", _product),
    ("/api/v1/stores/{store}/catalog/descriptions/", _description),
    ("/api/v1/stores/{store}/catalog/brand-voices/", _voice),
    ("/api/v1/stores/{store}/catalog/imports/", _import),
    ("/api/v1/stores/{store}/jobs/", _job),
    ("/api/v1/stores/{store}/members/", _member),
    ("/api/v1/stores/{store}/invitations/", _invitation),
    ("/api/v1/stores/{store}/audit-events/", _audit),
    ("/s/{store}/catalog/", _product),
    ("/s/{store}/catalog/review/", _description),
    ("/s/{store}/catalog/brand-voices/", _voice),
    ("/s/{store}/catalog/imports/", _import),
    ("/s/{store}/jobs/", _job),
    ("/s/{store}/members/", _member),
    ("/s/{store}/audit/", _audit),
]


def queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


@pytest.mark.parametrize(("url", "make"), LISTS, ids=[url for url, _make in LISTS])
def test_a_list_costs_the_same_queries_for_2_rows_as_for_12(
    url: str, make: Callable[[Store, int], None], store: Any, owner: Any, api_client: Any
) -> None:
    if url.startswith("/s/"):
        client: Any = Client()
        client.force_login(owner)
    else:
        client = api_client
    url = url.format(store=store.pk)
    for n in range(2):
        make(store, n)
    queries(client, url)  # the first request also authenticates and fills caches
    few = queries(client, url)
    for n in range(2, 12):
        make(store, n)
    many = queries(client, url)
    assert many == few, f"{url}: {few} queries for 2 rows, {many} for 12"
