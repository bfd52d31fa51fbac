"""Copy through the real inference code: a tiny random Gemma 3 model run by transformers through the
local backend (the default generator's code path), and the real packaged weights (``real_model``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apps.accounts.actor import Actor
from apps.catalog.services import products
from apps.core.text import is_chinese
from apps.inference.registry import ModelSpec, register_model, unregister_model
from apps.marketing.copy.pipeline import FACT_CODES
from apps.marketing.models import CopyRequest, Variant
from apps.marketing.services import campaigns, generation, rounds
from apps.marketing.services.generation import PromotionInput

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def tiny_generator(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    from tests.inference.tiny_models import build_causal_lm

    return build_causal_lm(tmp_path_factory.mktemp("marketing_tiny") / "lm")


@pytest.fixture
def tiny_registered(tiny_generator: Path, settings: Any) -> Iterator[ModelSpec]:
    spec = ModelSpec(
        key="tiny-copy",
        task="generate",
        path=str(tiny_generator),
        revision="tiny-1",
        max_length=2048,
        max_batch=8,
    )
    register_model(spec)
    settings.MARKETING_COPY_MODEL = "tiny-copy"
    settings.INFERENCE_IN_PROCESS = True
    settings.INFERENCE_BACKEND = "local"
    yield spec
    unregister_model(spec.key)


def test_a_request_runs_a_real_transformers_model(store: Any, tiny_registered: ModelSpec) -> None:
    product = products.product_create(
        store=store, actor=Actor.system(), sku="T1", title="cotton tee", attributes={"material": "cotton"}
    )
    campaign = campaigns.campaign_create(store=store, actor=Actor.system(), name="Tiny")
    copy_request = generation.copy_request_create(
        campaign=campaign,
        actor=Actor.system(),
        channel="sms",
        language="en",
        product_ids=[product.pk],
        promotion=PromotionInput(code="TINY10"),
        variant_count=3,
    )
    # A random model writes noise: all of it is checked; only what passes every blocking rule is kept.
    assert copy_request.status == CopyRequest.Status.DONE and copy_request.model_key == "tiny-copy"
    assert copy_request.stats["generated"] >= 3 and 1 <= copy_request.stats["rounds"] <= rounds.MAX_ROUNDS
    for variant in Variant.objects.filter(request=copy_request):
        assert variant.measure["fits"] and not variant.blocking


@pytest.mark.real_model
def test_the_default_generator_writes_checked_copy_in_both_languages(store: Any, settings: Any) -> None:
    from apps.inference.registry import get_spec

    spec = get_spec("gemma-3-270m")
    if not spec.is_installed():
        pytest.skip(f"{spec.key} is not in {spec.local_path}; run `python manage.py models install`")
    settings.INFERENCE_IN_PROCESS = True
    settings.INFERENCE_BACKEND = "local"
    shirt = products.product_create(
        store=store,
        actor=Actor.system(),
        sku="R1",
        title="Linen shirt",
        brand="Acme",
        category="Shirts",
        attributes={"material": "linen", "colour": "white"},
    )
    tee = products.product_create(
        store=store,
        actor=Actor.system(),
        sku="R2",
        title="纯棉T恤",
        brand="北原",
        category="T恤",
        language="zh",
        attributes={"材质": "纯棉"},
    )
    campaign = campaigns.campaign_create(store=store, actor=Actor.system(), name="Real")
    kept = 0
    for product, language, channel in ((shirt, "en", "email_subject"), (tee, "zh", "sms")):
        copy_request = generation.copy_request_create(
            campaign=campaign,
            actor=Actor.system(),
            channel=channel,
            language=language,
            product_ids=[product.pk],
            promotion=PromotionInput(discount_percent=20, code="SAVE20"),
            variant_count=3,
        )
        assert copy_request.model_key == spec.key and copy_request.stats["generated"] >= 3
        for variant in Variant.objects.filter(request=copy_request):
            kept += 1
            assert variant.measure["fits"] and not variant.blocking
            assert not {violation["code"] for violation in variant.violations} & FACT_CODES  # none invented
            assert is_chinese(variant.text) == (language == "zh")
    assert kept >= 2
