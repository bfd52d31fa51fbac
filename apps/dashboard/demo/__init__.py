"""The demo stores' sample data, written by hand in this folder, seeded through the modules' own services.

``demo_store_seed`` adds what a store lacks of the sample (products by SKU, reviews by a hash of their
text, FAQ entries by question, documents by title, orders by number, the campaign by name, the
conversations once), so seeding again adds nothing. Nothing here needs a model: reviews are classified,
and documents and FAQ indexed, by the jobs the services queue.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.catalog.models import Product
from apps.catalog.services.products import product_create
from apps.marketing.models import Campaign
from apps.marketing.services.campaigns import campaign_create
from apps.marketing.services.generation import PromotionInput
from apps.marketing.services.variants import ab_test_create, variant_results_record, variant_review
from apps.marketing.services.written import copy_request_written
from apps.reviews.services.reviews import reviews_write_rows
from apps.support.models import Conversation, FaqEntry, KnowledgeDocument, Order
from apps.support.services.inbox import conversation_start, handoff_create, message_add
from apps.support.services.knowledge import document_create, faq_import
from apps.support.services.orders import order_create

DATA = Path(__file__).resolve().parent
LANGUAGES = ("en", "zh")
REVIEW_SOURCE = "demo"
CONVERSATION_ORIGIN = "demo"


@dataclass
class SeedCounts:
    """What one seeding added (zero everywhere when the store already had the sample)."""

    products: int = 0
    reviews: int = 0
    faq: int = 0
    documents: int = 0
    orders: int = 0
    campaigns: int = 0
    conversations: int = 0

    def as_dict(self) -> dict[str, int]:
        return {field.name: getattr(self, field.name) for field in fields(self)}


def _products(language: str) -> list[dict[str, Any]]:
    return list(json.loads((DATA / f"products_{language}.json").read_text(encoding="utf-8")))


def _store_data(language: str) -> dict[str, Any]:
    return dict(json.loads((DATA / f"store_{language}.json").read_text(encoding="utf-8")))


def _reviews(language: str) -> list[dict[str, Any]]:
    lines = (DATA / f"reviews_{language}.txt").read_text(encoding="utf-8").splitlines()
    rows = csv.reader((line for line in lines if line.strip() and not line.startswith("#")), delimiter="|")
    return [
        {"sku": sku, "rating": int(stars), "days_ago": int(days), "author": author, "text": text}
        for sku, stars, days, author, text in rows
    ]


def _ago(now: datetime, days: float | None, minutes: int = 0) -> datetime | None:
    if days is None:
        return None
    return now - timedelta(days=float(days), minutes=minutes)


def _seed_products(store: Store, actor: Actor, language: str) -> int:
    existing = set(Product.objects.filter(store=store).values_list("sku", flat=True))
    added = 0
    for item in _products(language):
        if item["sku"] in existing:
            continue
        product_create(
            store=store,
            actor=actor,
            sku=item["sku"],
            title=item["title"],
            category=item.get("category", ""),
            brand=item.get("brand", ""),
            price=Decimal(item["price"]),
            language=language,
            status=item.get("status", Product.Status.ACTIVE),
            attributes=item.get("attributes", {}),
        )
        added += 1
    return added


def _seed_reviews(store: Store, language: str, now: datetime) -> int:
    rows = []
    for index, review in enumerate(_reviews(language)):
        key = hashlib.sha256(f"{review['sku']}|{review['text']}".encode()).hexdigest()[:24]
        rows.append(
            {
                "sku": review["sku"],
                "text": review["text"],
                "language": language,
                "rating": review["rating"],
                "author": review["author"],
                # Spread over the day, so reviews of one day are not all at one instant.
                "reviewed_at": _ago(now, review["days_ago"], minutes=(index * 37) % 600),
                "source": REVIEW_SOURCE,
                "external_id": f"demo-{key}",
            }
        )
    created, _skipped = reviews_write_rows(store=store, rows=rows)
    return created


def _seed_support(
    store: Store, actor: Actor, data: dict[str, Any], now: datetime, counts: SeedCounts
) -> None:
    questions = set(FaqEntry.objects.filter(store=store).values_list("question", flat=True))
    missing = [(question, answer) for question, answer in data["faq"] if question not in questions]
    counts.faq = len(faq_import(store=store, actor=actor, entries=missing)) if missing else 0
    titles = set(KnowledgeDocument.objects.filter(store=store).values_list("title", flat=True))
    for document in data["documents"]:
        if document["title"] in titles:
            continue
        document_create(
            store=store,
            actor=actor,
            data=document["text"].encode(),
            filename=document["filename"],
            title=document["title"],
        )
        counts.documents += 1
    numbers = set(Order.objects.filter(store=store).values_list("number", flat=True))
    for order in data["orders"]:
        if order["number"] in numbers:
            continue
        values = {key: value for key, value in order.items() if not key.endswith("_days_ago")}
        for moment in ("placed", "shipped", "delivered"):
            values[f"{moment}_at"] = _ago(now, order.get(f"{moment}_days_ago"))
        order_create(store=store, actor=actor, **values)
        counts.orders += 1
    if not Conversation.objects.filter(store=store, origin=CONVERSATION_ORIGIN).exists():
        for conversation_data in data["conversations"]:
            conversation = conversation_start(
                store=store, origin=CONVERSATION_ORIGIN, language=str(store.default_language)
            )
            for role, text in conversation_data["messages"]:
                message_add(conversation=conversation, role=role, text=text)
            handoff_create(
                conversation=conversation,
                reason=conversation_data["handoff"],
                detail=conversation_data.get("detail", ""),
            )
            counts.conversations += 1


def _seed_campaign(store: Store, actor: Actor, data: dict[str, Any]) -> int:
    if Campaign.objects.filter(store=store, name=data["name"]).exists():
        return 0
    campaign = campaign_create(store=store, actor=actor, name=data["name"], notes=data["notes"])
    product_ids = list(Product.objects.filter(store=store, sku__in=data["skus"]).values_list("pk", flat=True))
    request = copy_request_written(
        campaign=campaign,
        actor=actor,
        channel=data["channel"],
        language=data["language"],
        goal=data["goal"],
        product_ids=product_ids,
        texts=[variant["text"] for variant in data["variants"]],
        promotion=PromotionInput(discount_percent=Decimal(data["discount_percent"])),
    )
    variants = list(request.variants.order_by("position"))
    for variant, wanted in zip(variants, data["variants"], strict=True):
        if wanted["status"] == "approved" and not variant.blocking:
            variant_review(variant=variant, actor=actor, action="approve")
        if wanted["impressions"]:
            variant_results_record(
                variant=variant,
                actor=actor,
                impressions=wanted["impressions"],
                clicks=wanted["clicks"],
                conversions=wanted["conversions"],
            )
    test = data["ab_test"]
    ab_test_create(
        campaign=campaign,
        actor=actor,
        variant_a=variants[test["a"]],
        variant_b=variants[test["b"]],
        name=test["name"],
        metric=test["metric"],
    )
    return 1


@transaction.atomic
def demo_store_seed(*, store: Store, language: str, actor: Actor, now: datetime | None = None) -> SeedCounts:
    """Add the ``language`` sample to ``store``: what it already has is left as it is."""
    if language not in LANGUAGES:
        raise ValueError(f"No demo data in {language!r}; there is {', '.join(LANGUAGES)}.")
    now = now or timezone.now()
    data = _store_data(language)
    counts = SeedCounts()
    counts.products = _seed_products(store, actor, language)
    counts.reviews = _seed_reviews(store, language, now)
    _seed_support(store, actor, data, now, counts)
    counts.campaigns = _seed_campaign(store, actor, data["campaign"])
    return counts


def demo_review_count(language: str) -> int:
    """How many reviews the sample has (for tests and the command's summary)."""
    return len(_reviews(language))


__all__ = ["SeedCounts", "demo_review_count", "demo_store_seed"]
