"""Abuse limits: monthly quotas on generated tokens per store, and a rate limit per store."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.actor import Actor
from apps.accounts.models import Role, StoreUsage
from apps.accounts.services import api_token_create
from apps.accounts.throttling import StoreRateThrottle
from apps.accounts.usage import StoreQuotaMeter, current_month, next_month, usage_summary
from apps.catalog.models import Product
from apps.catalog.services import drafting
from apps.jobs.models import Job, JobItem
from tests.catalog.helpers import describe_options, run_job
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(store: Any) -> Product:
    return Product.objects.create(store=store, sku="Q1", title="Wool scarf", attributes={"material": "wool"})


def describe(api_client: APIClient, store: Any, product: Product) -> Any:
    return api_client.post(
        f"/api/v1/stores/{store.pk}/catalog/products/{product.pk}/describe/", {"candidates": 1}, format="json"
    )


def usage(api_client: APIClient, store: Any) -> dict[str, Any]:
    response = api_client.get(f"/api/v1/stores/{store.pk}/usage/")
    assert response.status_code == 200, response.content
    return dict(response.json())


def test_generated_tokens_are_counted_per_store_and_month(
    api_client: APIClient, store: Any, other_store: Any, product: Product, fake_inference: Any
) -> None:
    assert usage(api_client, store)["generated_tokens"] == 0
    assert describe(api_client, store, product).status_code == 201
    counted = usage(api_client, store)
    assert counted["requests"] == 1 and counted["generated_tokens"] > 0 and counted["prompt_tokens"] > 0
    assert counted["quota"] == 10_000_000 and counted["remaining"] == 10_000_000 - counted["generated_tokens"]
    assert not StoreUsage.objects.filter(store=other_store).exists()


def test_over_the_quota_generation_answers_429_and_says_when_it_renews(
    api_client: APIClient, store: Any, product: Product, fake_inference: Any, settings: Any
) -> None:
    settings.STORE_MONTHLY_TOKEN_QUOTA = 1
    assert describe(api_client, store, product).status_code == 201  # started under the quota: finishes
    refused = describe(api_client, store, product)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "quota_exceeded"
    assert next_month(current_month()).isoformat() in error["message"]
    assert len(fake_inference.requests) == 1  # the refused call never reached a model
    assert usage(api_client, store)["remaining"] == 0


def test_a_stores_own_quota_overrides_the_servers_and_zero_is_no_limit(
    store: Any, product: Product, settings: Any
) -> None:
    settings.STORE_MONTHLY_TOKEN_QUOTA = 1
    StoreUsage.objects.create(store=store, month=current_month(), generated_tokens=5)
    meter = StoreQuotaMeter()
    assert meter.refusal(store)
    store.monthly_token_quota = 0
    assert meter.refusal(store) is None and usage_summary(store=store).remaining is None
    store.monthly_token_quota = 6
    assert meter.refusal(store) is None
    # Last month's usage does not count against this month.
    StoreUsage.objects.filter(store=store).update(month=dt.date(2000, 1, 1))
    store.monthly_token_quota = 1
    assert meter.refusal(store) is None


def test_a_bulk_job_over_the_quota_fails_its_items_with_the_reason(
    store: Any, product: Product, fake_inference: Any, settings: Any
) -> None:
    settings.STORE_MONTHLY_TOKEN_QUOTA = 1
    StoreUsage.objects.create(store=store, month=current_month(), generated_tokens=1)
    job = drafting.descriptions_generate_bulk(
        store=store, actor=Actor.system(), options=describe_options(store), products=Product.objects.all()
    )
    job = run_job(job)
    assert job.status == Job.Status.FAILED
    assert "generated tokens for this month" in JobItem.objects.get(job=job).error
    assert fake_inference.requests == []


def test_the_store_home_shows_the_usage(store: Any, owner: Any, settings: Any) -> None:
    settings.STORE_MONTHLY_TOKEN_QUOTA = 1000
    StoreUsage.objects.create(store=store, month=current_month(), generated_tokens=250, requests=3)
    client = Client()
    client.force_login(owner)
    page = client.get(f"/s/{store.pk}/").content.decode()
    assert "250 tokens generated in 3 calls" in page
    assert "25% of the monthly quota of 1,000" in page
    zh = client.get(f"/s/{store.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "本月模型用量" in zh


def _member_client(store: Any, role: str = Role.OPERATOR) -> APIClient:
    membership = MembershipFactory(store=store, role=role)
    _token, secret = api_token_create(user=membership.user, name="rate", actor=Actor.system())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_a_store_has_one_rate_budget_for_all_its_members(
    store: Any, other_store: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(StoreRateThrottle, "THROTTLE_RATES", {"store": "3/hour"})
    outsider = _member_client(other_store)
    url = f"/api/v1/stores/{store.pk}/catalog/products/"
    # Another tenant's calls answer 404 and spend nothing of this store's budget.
    assert [outsider.get(url).status_code for _ in range(5)] == [404] * 5
    first, second = _member_client(store), _member_client(store)
    answers = [first.get(url).status_code, second.get(url).status_code, first.get(url).status_code]
    assert answers == [200, 200, 200]
    limited = second.get(url)
    assert limited.status_code == 429 and "Retry-After" in limited
    # Other stores keep their own budget.
    assert outsider.get(f"/api/v1/stores/{other_store.pk}/catalog/products/").status_code == 200
