from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from apps.accounts.actor import Actor
from apps.catalog.models import Product
from apps.catalog.services import products
from apps.inference import use_backend
from apps.marketing.services import campaigns
from tests.inference_fake import FakeBackend

from .fakes import copy_writer

XMAS = {"discount_percent": "30", "starts": "2026-12-01", "ends": "2026-12-12", "code": "XMAS30"}


@pytest.fixture
def copy_fake() -> Iterator[FakeBackend]:
    """The suite's fake backend writing marketing copy from each prompt (``fakes.copy_writer``)."""
    backend = FakeBackend(writer=copy_writer)
    with use_backend(backend):
        yield backend


@pytest.fixture
def tee(store: Any) -> Product:
    return products.product_create(
        store=store,
        actor=Actor.system(),
        sku="TEE-1",
        title="纯棉T恤",
        brand="北原",
        category="T恤",
        language="zh",
        attributes={"材质": "纯棉", "领型": "圆领"},
    )


@pytest.fixture
def shirt(store: Any) -> Product:
    return products.product_create(
        store=store,
        actor=Actor.system(),
        sku="SH-1",
        title="Linen shirt",
        brand="Acme",
        category="Shirts",
        attributes={"material": "linen", "colour": "white"},
    )


@pytest.fixture
def campaign(store: Any) -> Any:
    return campaigns.campaign_create(store=store, actor=Actor.system(), name="Double 12")


XMAS_DATES = (date(2026, 12, 1), date(2026, 12, 12))
