"""Objects the security tests act on, made through the models and the API (not a module's services),
so the tests hold while the modules' internals move."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from apps.catalog.models import BrandVoice, Description, DescriptionVersion, Product


@dataclass
class Catalog:
    product: Product
    description: Description
    voice: BrandVoice


def make_catalog(store: Any, *, sku: str = "U8") -> Catalog:
    product = Product.objects.create(
        store=store, sku=sku, title="Wool scarf", attributes={"material": "wool"}
    )
    description = Description.objects.create(store=store, product=product, language="en")
    first = DescriptionVersion.objects.create(description=description, number=1, text="A warm wool scarf.")
    DescriptionVersion.objects.create(
        description=description, number=2, text="A warm, soft wool scarf.", parent=first
    )
    description.current_version = description.versions.get(number=2)
    description.save()
    voice = BrandVoice.objects.create(store=store, name="Calm", description="Quiet and plain.")
    return Catalog(product=product, description=description, voice=voice)


@pytest.fixture
def catalog(store: Any) -> Catalog:
    return make_catalog(store)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
