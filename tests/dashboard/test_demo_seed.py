"""First run: `manage.py demo_seed` fills both demo stores once, each in its own language, and only them."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.catalog.models import Product
from apps.dashboard.demo import demo_review_count, demo_store_seed
from apps.marketing.models import ABTest, Campaign, Variant
from apps.reviews.models import Review
from apps.support.models import Conversation, FaqEntry, KnowledgeDocument, Order

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def _rows(store: Store) -> dict[str, int]:
    return {
        "products": Product.objects.filter(store=store).count(),
        "reviews": Review.objects.filter(store=store).count(),
        "faq": FaqEntry.objects.filter(store=store).count(),
        "documents": KnowledgeDocument.objects.filter(store=store).count(),
        "orders": Order.objects.filter(store=store).count(),
        "campaigns": Campaign.objects.filter(store=store).count(),
        "variants": Variant.objects.filter(store=store).count(),
        "ab_tests": ABTest.objects.filter(store=store).count(),
        "conversations": Conversation.objects.filter(store=store).count(),
    }


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("demo_seed", "--password", "demo-password-1", *args, stdout=out)
    return out.getvalue()


def _demo_stores() -> dict[str, Store]:
    stores = Store.objects.filter(memberships__user__username="demo")
    return {store.default_language: store for store in stores}


def test_seeds_both_stores_with_a_realistic_sample_each_in_its_language(
    sent_tasks: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        output = _seed()
    stores = _demo_stores()
    assert set(stores) == {"en", "zh"}
    for language, store in stores.items():
        rows = _rows(store)
        assert 24 <= rows["products"] <= 40
        assert rows["reviews"] == demo_review_count(language) >= 100
        assert rows["faq"] == 10 and rows["documents"] == 3 and rows["orders"] == 8
        assert rows["campaigns"] == 1 and rows["variants"] == 3 and rows["ab_tests"] == 1
        assert rows["conversations"] == 2
        titles = list(Product.objects.filter(store=store).values_list("title", flat=True))
        chinese = sum(bool(CJK.search(title)) for title in titles)
        assert chinese == (len(titles) if language == "zh" else 0)
        assert set(Review.objects.filter(store=store).values_list("language", flat=True)) == {language}
        # Reviews reach the catalog's products and spread over weeks (for the trends).
        reviews = Review.objects.filter(store=store)
        assert not reviews.filter(product__isnull=True).exists()
        days = {review.reviewed_at.date() for review in reviews}
        assert len(days) > 40
        # Ratings are varied: every star count occurs.
        assert set(reviews.values_list("rating", flat=True)) == {1, 2, 3, 4, 5}
    # No model at seed time: classification and indexing are queued for the workers.
    assert ("reviews.classify_new", (stores["en"].pk,), "default") in sent_tasks
    assert "demo" in output and "password: demo-password-1" in output


def test_seeding_again_adds_nothing(sent_tasks: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _seed()
    stores = _demo_stores()
    before = {language: _rows(store) for language, store in stores.items()}
    assert sent_tasks
    sent_tasks.clear()
    with django_capture_on_commit_callbacks(execute=True):
        output = _seed()
    assert {language: _rows(store) for language, store in stores.items()} == before
    assert output.count("sample already there") == 2
    assert sent_tasks == []


def test_a_store_missing_part_of_the_sample_gets_only_that_part(store: Any, owner: Any) -> None:
    actor = Actor.cli(owner)
    demo_store_seed(store=store, language="en", actor=actor)
    Product.objects.filter(store=store, sku="NW-TEE-ORG").delete()
    Order.objects.filter(store=store, number="NW-10231").delete()
    counts = demo_store_seed(store=store, language="en", actor=actor)
    assert counts.as_dict() == {
        "products": 1,
        "reviews": 0,
        "faq": 0,
        "documents": 0,
        "orders": 1,
        "campaigns": 0,
        "conversations": 0,
    }


def test_seeding_one_store_leaves_every_other_store_alone(store: Any, owner: Any, other_store: Any) -> None:
    empty = _rows(other_store)
    demo_store_seed(store=store, language="zh", actor=Actor.cli(owner))
    assert _rows(other_store) == empty == dict.fromkeys(empty, 0)
    # The other store may hold the same SKUs and order numbers: seeding it too is independent.
    demo_store_seed(store=other_store, language="zh", actor=Actor.system())
    assert _rows(other_store) == _rows(store)


@pytest.mark.parametrize("how", ["flag", "setting"])
def test_no_demo_starts_the_two_stores_empty(how: str, settings: Any) -> None:
    if how == "flag":
        _seed("--no-demo")
    else:
        settings.DEMO_DATA = False
        _seed()
    stores = _demo_stores()
    assert set(stores) == {"en", "zh"}
    for store in stores.values():
        assert set(_rows(store).values()) == {0}


def test_the_home_page_shows_each_module_state_and_next_step(sent_tasks: Any) -> None:
    _seed()
    client = Client()
    client.force_login(_demo_stores()["en"].memberships.get().user)
    store = _demo_stores()["en"]
    page = client.get(reverse("dashboard:store", kwargs={"store_id": store.pk})).content.decode()
    assert "not installed" not in page.lower()
    for module in ("catalog", "reviews", "support", "marketing"):
        assert f"module-{module}" in page
    assert "26 products" in page
    assert f"{demo_review_count('en')} reviews" in page
    assert "2 conversations waiting for a person" in page
    assert reverse("support:home", kwargs={"store_id": store.pk}) in page
    assert "See which variant won the A/B test" in page


def test_an_empty_store_home_says_where_to_start(client: Client, owner: Any, store: Any) -> None:
    client.force_login(owner)
    page = client.get(reverse("dashboard:store", kwargs={"store_id": store.pk})).content.decode()
    assert page.count("Nothing here yet") == 4
    assert reverse("catalog:imports", kwargs={"store_id": store.pk}) in page
    assert reverse("support:knowledge", kwargs={"store_id": store.pk}) in page
