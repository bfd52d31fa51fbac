"""Descriptions through the real inference client: its fake backend, and a tiny Gemma 3 model run by
transformers through the local backend (the code path the default generator takes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apps.accounts.actor import Actor
from apps.catalog.models import Description, DescriptionVersion, Product
from apps.catalog.services import drafting, drafting_stream, products
from apps.catalog.text.grounding import text_length
from apps.core.text import is_chinese
from apps.inference.registry import ModelSpec, register_model, resolve_model, unregister_model
from apps.jobs.models import Job

from .helpers import describe_options, run_job

pytestmark = pytest.mark.django_db


def test_generation_goes_through_the_inference_client(store: Any, fake_inference: Any) -> None:
    fake_inference.replies["Product: Linen shirt"] = " The Acme linen shirt in white.\nIt has a relaxed fit."
    product = products.product_create(
        store=store,
        actor=Actor.system(),
        sku="L1",
        title="Linen shirt",
        brand="Acme",
        attributes={"material": "linen", "colour": "white"},
    )
    version = drafting.description_generate(
        product=product, actor=Actor.system(), options=describe_options(store, candidates=3, target_length=12)
    )
    spec = resolve_model(None, task="generate", store=store)
    assert fake_inference.calls == [("generate", spec.key, 1)]
    assert (version.model_key, version.model_version) == (spec.key, spec.revision)
    # The sentence that adds a fit the facts do not give is left out of the kept text.
    assert version.text == "The Acme linen shirt in white."
    assert version.coverage == 1.0 and version.flags == [] and version.spans == []
    rejected = version.candidates[0]["rejected_sentences"]
    assert [(item["text"], [span["text"] for span in item["spans"]]) for item in rejected] == [
        ("It has a relaxed fit.", ["relaxed"])
    ]


@pytest.fixture(scope="module")
def tiny_generator(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    from tests.inference.tiny_models import build_causal_lm

    return build_causal_lm(tmp_path_factory.mktemp("catalog_tiny") / "lm")


@pytest.fixture
def tiny_registered(tiny_generator: Path, settings: Any) -> Iterator[ModelSpec]:
    spec = ModelSpec(
        key="tiny-describe",
        task="generate",
        path=str(tiny_generator),
        revision="tiny-1",
        max_length=256,
        max_batch=8,
    )
    register_model(spec)
    settings.CATALOG_DESCRIBE_MODEL = "tiny-describe"
    settings.INFERENCE_IN_PROCESS = True
    settings.INFERENCE_BACKEND = "local"
    yield spec
    unregister_model(spec.key)


def test_bulk_job_runs_a_real_transformers_model(store: Any, tiny_registered: ModelSpec) -> None:
    for index, title in enumerate(["cotton blue summer dress", "纯棉T恤", "red leather bag"]):
        products.product_create(
            store=store, actor=Actor.system(), sku=f"T{index}", title=title, attributes={"size": "medium"}
        )
    job = drafting.descriptions_generate_bulk(
        store=store,
        actor=Actor.system(),
        options=describe_options(store, candidates=2, target_length=20, seed=7),
        products=Product.objects.filter(store=store),
        batch_size=3,
    )
    job = run_job(job)
    assert (job.status, job.done_count) == (Job.Status.SUCCEEDED, 1)
    versions = DescriptionVersion.objects.filter(description__store=store)
    assert versions.count() == 3
    for version in versions:
        assert (version.model_key, version.model_version) == ("tiny-describe", "tiny-1")
        # The kept (planned) text first, then each non-empty candidate as the model wrote it.
        assert version.candidates[0]["text"] == version.text and 1 <= len(version.candidates) <= 3
        assert version.score is not None
    assert set(Description.objects.filter(store=store).values_list("language", flat=True)) == {"en", "zh"}


def test_streamed_generation_with_a_real_model(store: Any, tiny_registered: ModelSpec) -> None:
    product = products.product_create(store=store, actor=Actor.system(), sku="S1", title="blue dress")
    events = list(
        drafting_stream.description_generate_stream(
            product=product,
            actor=Actor.system(),
            options=describe_options(store, candidates=2, target_length=20, seed=3),
        )
    )
    assert "error" not in events[-1], events[-1]
    assert events[-1]["version"] == 1
    assert DescriptionVersion.objects.get(description__product=product).model_key == "tiny-describe"


@pytest.mark.real_model
def test_the_default_generator_drafts_grounded_text_in_both_languages(store: Any, settings: Any) -> None:
    from apps.inference.registry import get_spec

    spec = get_spec("gemma-3-270m")
    if not spec.is_installed():
        pytest.skip(f"{spec.key} is not in {spec.local_path}; run `python manage.py models install`")
    settings.INFERENCE_IN_PROCESS = True
    settings.INFERENCE_BACKEND = "local"
    backpack = products.product_create(
        store=store,
        actor=Actor.system(),
        sku="R1",
        title="Backpack",
        brand="Atlas",
        category="Bags",
        attributes={"material": "nylon", "volume": "20 l", "colour": "black"},
    )
    bottle = products.product_create(
        store=store,
        actor=Actor.system(),
        sku="R2",
        title="保温杯",
        brand="途伴",
        category="户外",
        attributes={"材质": "不锈钢", "容量": "750ml"},
    )
    # A catalog imported with English columns, described in Chinese: no raw key in the text.
    shirt = products.product_create(
        store=store,
        actor=Actor.system(),
        sku="R3",
        title="亚麻衬衫",
        brand="素野",
        category="男装",
        attributes={"material": "亚麻", "fit": "宽松", "colour": "白色"},
    )
    for product in (backpack, bottle, shirt):
        version = drafting.description_generate(
            product=product,
            actor=Actor.system(),
            options=describe_options(store, candidates=2, target_length=30, seed=11),
        )
        assert (version.model_key, version.model_version) == (spec.key, spec.revision)
        assert version.text and 2 <= len(version.candidates) <= 3  # the planned text, then what was written
        assert is_chinese(version.text) == (product.language == "zh")
        # Planned from clean sentences and the facts' own: every fact said, nothing invented.
        assert version.coverage == 1.0 and version.invented_spans == []
        # Two or three facts hold fewer than 30 words: all are said, the draft is flagged short, not padded.
        length = text_length(version.text, product.language)
        assert length <= 1.3 * 30
        assert length >= 0.7 * 30 or "too_short" in {flag["code"] for flag in version.flags}
    assert not any(key in version.text for key in ("material", "fit", "colour"))
    assert "材质" in version.text or "亚麻" in version.text
