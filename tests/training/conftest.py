"""Store data to build datasets from, and tiny base models standing in for the default ones."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from apps.catalog.models import Description, DescriptionVersion, Product
from apps.reviews.models import Review
from tests.inference.tiny_models import build_causal_lm, build_encoder

POSITIVE = [
    "great price good quality would buy again",
    "customer service answered quickly and kindly",
    "the shirt fits well and the fabric is soft",
    "质量很好，穿着舒服，会回购",
    "物流很快，包装完好，非常满意",
]
NEGATIVE = [
    "delivery was late and the box was damaged",
    "colour faded after one wash very disappointed",
    "the shoes are too small please send a bigger size",
    "质量太差，洗一次就掉色",
    "发货太慢，客服也不回复",
]
NEUTRAL = [
    "product description cotton blue summer dress size medium",
    "write a short title for a red leather bag",
]


def add_review(
    store: Any, text: str, *, rating: int | None = None, language: str = "en", n: int = 0
) -> Review:
    return Review.objects.create(
        store=store,
        sku=f"SKU-{n % 4}",
        text=text,
        text_hash=hashlib.sha256(text.encode()).hexdigest(),
        language=language,
        rating=rating,
        reviewed_at=timezone.now() - timedelta(days=n),
    )


def add_reviews(store: Any, copies: int = 1) -> list[Review]:
    """Each text ``copies`` times with a different ending (not near-duplicates: a new clause each)."""
    endings = ["", " and I told my sister about it", " 第三次购买了", " which I did not expect at all"]
    made = []
    n = 0
    for copy in range(copies):
        for texts, rating in ((POSITIVE, 5), (NEGATIVE, 1), (NEUTRAL, 3)):
            for text in texts:
                language = "zh" if any("\u4e00" <= c <= "\u9fff" for c in text) else "en"
                made.append(
                    add_review(
                        store, text + endings[copy % len(endings)], rating=rating, language=language, n=n
                    )
                )
                n += 1
    return made


def add_approved_description(
    store: Any, sku: str, title: str, attributes: dict[str, str], text: str
) -> Description:
    product = Product.objects.create(store=store, sku=sku, title=title, attributes=attributes)
    description = Description.objects.create(store=store, product=product, language="en", status="approved")
    version = DescriptionVersion.objects.create(
        description=description, number=1, text=text, status="approved"
    )
    description.current_version = description.approved_version = version
    description.save()
    return description


PRODUCTS = [
    ("red leather bag", {"material": "leather", "colour": "red"}, "A red leather bag with a soft finish."),
    ("blue summer dress", {"material": "cotton", "colour": "blue"}, "A blue cotton dress for summer days."),
    ("wool scarf", {"material": "wool", "colour": "grey"}, "A grey wool scarf that keeps you warm."),
    ("linen shirt", {"material": "linen", "colour": "white"}, "A white linen shirt that fits well."),
    ("canvas shoes", {"material": "canvas", "colour": "black"}, "Black canvas shoes for every day."),
    ("silk tie", {"material": "silk", "colour": "navy"}, "A navy silk tie with a quiet shine."),
]


def add_descriptions(store: Any) -> list[Description]:
    return [
        add_approved_description(store, f"P{n}", title, attributes, text)
        for n, (title, attributes, text) in enumerate(PRODUCTS)
    ]


@pytest.fixture
def tiny_cache(tmp_path: Path, settings: Any) -> Path:
    """MODELS_CACHE with tiny random stand-ins for the default classifier and generator."""
    settings.MODELS_CACHE = tmp_path / "models"
    build_encoder(tmp_path / "models" / "sentiment-zh-en", classifier=True)
    build_causal_lm(tmp_path / "models" / "gemma-3-270m")
    return tmp_path / "models"
