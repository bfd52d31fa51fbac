"""Copy a person wrote: saved as variants, checked like generated copy, with no model called."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from apps.accounts.actor import Actor
from apps.core.errors import ApplicationError, ConflictError
from apps.marketing.models import CopyRequest
from apps.marketing.services.campaigns import campaign_create
from apps.marketing.services.generation import PromotionInput
from apps.marketing.services.variants import variant_review
from apps.marketing.services.written import copy_request_written

pytestmark = pytest.mark.django_db


def test_written_texts_are_checked_and_a_banned_claim_blocks_approval(
    store: Any, tee: Any, fake_inference: Any
) -> None:
    actor = Actor.system()
    campaign = campaign_create(store=store, actor=actor, name="双十二")
    request = copy_request_written(
        campaign=campaign,
        actor=actor,
        channel="push_title",
        language="zh",
        product_ids=[tee.pk],
        texts=["纯棉圆领T恤，双十二9折", "  ", "史上最低价，全网第一"],
        promotion=PromotionInput(discount_percent=Decimal("10")),
    )
    assert request.status == CopyRequest.Status.DONE and request.variant_count == 2
    clean, banned = request.variants.order_by("position")
    assert clean.violations == [] and clean.measure["unit"] == "width"
    assert {(v["code"], v["found"]) for v in banned.violations} >= {
        ("ad_law", "全网第一"),
        ("ad_law", "最低"),
    }
    assert variant_review(variant=clean, actor=actor, action="approve").status == "approved"
    with pytest.raises(ConflictError):
        variant_review(variant=banned, actor=actor, action="approve")
    assert fake_inference.calls == []


def test_nothing_to_save_is_refused(store: Any) -> None:
    campaign = campaign_create(store=store, actor=Actor.system(), name="Empty")
    with pytest.raises(ApplicationError):
        copy_request_written(
            campaign=campaign, actor=Actor.system(), channel="sms", language="en", texts=[" "]
        )
    with pytest.raises(ApplicationError):
        copy_request_written(
            campaign=campaign, actor=Actor.system(), channel="fax", language="en", texts=["Hi"]
        )
