"""``get_or_not_found``: how every selector turns an id from a URL into one object of the caller's store."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404

from apps.accounts.actor import Actor
from apps.catalog import selectors
from apps.catalog.models import Product
from apps.catalog.services.products import product_create
from apps.core.errors import ApplicationError, NotFound
from apps.core.selectors import get_or_not_found

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(store: Any, other_store: Any) -> tuple[Product, Product]:
    ours = product_create(store=store, actor=Actor.system(), sku="OURS", title="Ours")
    theirs = product_create(store=other_store, actor=Actor.system(), sku="THEIRS", title="Theirs")
    return ours, theirs


def test_an_id_of_the_store_finds_its_object_as_a_number_or_a_string(
    store: Any, products: tuple[Product, Product]
) -> None:
    ours, _theirs = products
    scoped = Product.objects.filter(store=store)
    assert get_or_not_found(scoped, pk=ours.pk) == ours
    assert get_or_not_found(scoped, pk=str(ours.pk)) == ours
    assert selectors.product_get(store=store, product_id=str(ours.pk)) == ours


@pytest.mark.parametrize(
    "bad_id",
    ["abc", "99999999999999999999999", 0, "0", -1, "-1", "", None, "1.5", "²", str(2**63)],
)
def test_ids_that_are_not_whole_numbers_in_range_are_not_found(
    store: Any, products: tuple[Product, Product], bad_id: Any
) -> None:
    with pytest.raises(NotFound) as raised:
        get_or_not_found(Product.objects.filter(store=store), pk=bad_id)
    assert (raised.value.status_code, raised.value.code) == (404, "not_found")


def test_another_stores_id_is_not_found(store: Any, products: tuple[Product, Product]) -> None:
    _ours, theirs = products
    with pytest.raises(NotFound):
        get_or_not_found(Product.objects.filter(store=store), pk=theirs.pk)
    with pytest.raises(NotFound):
        selectors.product_get(store=store, product_id=theirs.pk)


def test_the_largest_id_is_looked_up_not_refused_by_the_database(store: Any) -> None:
    with pytest.raises(NotFound):
        get_or_not_found(Product.objects.filter(store=store), pk=2**63 - 1)


def test_not_found_is_a_domain_error_not_an_http_one() -> None:
    # The read layer knows nothing of HTTP: the API handler and the page middleware map it to 404.
    assert issubclass(NotFound, ApplicationError)
    assert not issubclass(NotFound, Http404)
