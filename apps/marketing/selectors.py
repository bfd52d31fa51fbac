"""Marketing reads, always filtered by the store."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.accounts.models import Store
from apps.core.selectors import get_or_not_found

from .models import ABTest, Campaign, CopyRequest, MarketingSettings, Variant


def marketing_settings_get(*, store: Store) -> MarketingSettings:
    """The store's rules; defaults until the store saves its own."""
    found = MarketingSettings.objects.filter(store=store).first()
    return found or MarketingSettings(store=store)


def campaign_list(*, store: Store) -> QuerySet[Campaign]:
    return Campaign.objects.filter(store=store)


def campaign_get(*, store: Store, campaign_id: Any) -> Campaign:
    return get_or_not_found(campaign_list(store=store), pk=campaign_id)


def copy_request_list(*, store: Store, campaign: Campaign | None = None) -> QuerySet[CopyRequest]:
    requests = CopyRequest.objects.filter(store=store).select_related("campaign", "job", "brand_voice")
    return requests.filter(campaign=campaign) if campaign is not None else requests


def copy_request_get(*, store: Store, request_id: Any) -> CopyRequest:
    return get_or_not_found(copy_request_list(store=store), pk=request_id)


def variant_list(
    *,
    store: Store,
    campaign: Campaign | None = None,
    copy_request: CopyRequest | None = None,
    status: str = "",
) -> QuerySet[Variant]:
    variants = Variant.objects.filter(store=store).select_related("request", "product")
    if campaign is not None:
        variants = variants.filter(request__campaign=campaign)
    if copy_request is not None:
        variants = variants.filter(request=copy_request)
    if status:
        variants = variants.filter(status=status)
    return variants


def variant_get(*, store: Store, variant_id: Any) -> Variant:
    return get_or_not_found(variant_list(store=store), pk=variant_id)


def ab_test_list(*, store: Store, campaign: Campaign | None = None) -> QuerySet[ABTest]:
    tests = ABTest.objects.filter(store=store).select_related("variant_a", "variant_b", "campaign")
    return tests.filter(campaign=campaign) if campaign is not None else tests


def ab_test_get(*, store: Store, ab_test_id: Any) -> ABTest:
    return get_or_not_found(ab_test_list(store=store), pk=ab_test_id)
