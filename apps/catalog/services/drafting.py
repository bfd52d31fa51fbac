"""Drafting descriptions: one product (whole, or streamed as it is written), or a selection as a job.

Several candidates are generated in one batch with few-shot examples, scored for grounding,
and the best is kept as a new draft version with the others beside it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import audit_record
from apps.core.errors import ApplicationError
from apps.jobs.models import Job
from apps.jobs.services import job_create

from .. import conf, generation, selectors
from ..models import Description, DescriptionVersion, Product
from ..text.drafts import ScoredDraft, drafts_plan, prompt_flags, version_flags
from ..text.options import BrandVoiceStyle, Format, GenerationOptions, Tone
from ..text.planning import build_planned_prompt, planned_max_new_tokens
from ..text.prompting import Prompt, estimate_tokens
from .descriptions import VersionContent, draft_version_add

DESCRIBE_JOB_KIND = "catalog.describe"
DEFAULT_BATCH_SIZE = 8

logger = logging.getLogger(__name__)


def generation_options_build(
    *,
    store: Store,
    language: str | None = None,
    tone: Tone = "neutral",
    target_length: int = 80,
    format: Format = "paragraph",
    seo_keywords: Sequence[str] = (),
    brand_voice_id: int | None = None,
    candidates: int | None = None,
    seed: int | None = None,
) -> GenerationOptions:
    """Options from an API payload or a form: the store's brand voice resolved, defaults filled in."""
    voice = None
    if brand_voice_id is not None:
        brand_voice = selectors.brand_voice_get(store=store, brand_voice_id=brand_voice_id)
        voice = BrandVoiceStyle(
            id=brand_voice.pk,
            name=brand_voice.name,
            description=brand_voice.description,
            do_words=tuple(brand_voice.do_words),
            dont_words=tuple(brand_voice.dont_words),
            example_texts=tuple(brand_voice.example_texts),
        )
    return GenerationOptions(
        language=language or None,
        tone=tone,
        target_length=target_length,
        format=format,
        seo_keywords=tuple(seo_keywords),
        brand_voice=voice,
        candidates=candidates or conf.describe_candidates(),
        seed=seed,
    )


def description_prompt(*, product: Product, options: GenerationOptions) -> Prompt:
    """The planned prompt for a product: the store's own approved texts first, as many as fit."""
    language = options.language or product.language
    examples = [
        (example_product.facts(), text)
        for example_product, text in selectors.approved_examples(
            store=product.store,
            language=language,
            category=product.category,
            limit=2,
            exclude_product_id=product.pk,
        )
    ]
    budget = generation.model_max_length(store=product.store)
    shots = 3
    prompt = build_planned_prompt(product.facts(), options, store_examples=examples, shots=shots)
    # Fewer examples where the model's context would not hold the prompt and the draft.
    limit = planned_max_new_tokens(prompt.facts, options)
    while budget and shots > 0 and estimate_tokens(prompt.text) + limit > budget:
        shots -= 1
        prompt = build_planned_prompt(product.facts(), options, store_examples=examples, shots=shots)
    return prompt


@transaction.atomic
def description_draft_save(
    *,
    product: Product,
    options: GenerationOptions,
    prompt: Prompt,
    scored: list[ScoredDraft],
    model_key: str,
    model_version: str,
    actor: Actor,
) -> DescriptionVersion:
    """Keep the best draft as a new version of the product's description; the others are kept with it."""
    if not scored:
        raise ApplicationError("The model returned no draft.", code="no_draft")
    best = scored[0]
    content = VersionContent(
        text=best.text,
        report=best.report.to_dict(),
        flags=version_flags(prompt, best),
        spans=best.spans,
        candidates=[draft.to_dict() for draft in scored],
        model_key=model_key,
        model_version=model_version,
        prompt_version=prompt.version,
        options=options.to_dict(),
        created_by=actor.user_or_none,
    )
    version = draft_version_add(
        product=product, language=options.language or product.language, content=content
    )
    audit_record(
        actor=actor,
        action="catalog.description_generated",
        store=product.store,
        target=version.description,
        metadata={"version": version.number, "score": version.score, "job": None},
    )
    return version


def description_generate(*, product: Product, actor: Actor, options: GenerationOptions) -> DescriptionVersion:
    """Several candidates for one product in one batch, reranked by grounding; the best becomes a draft."""
    options = options.for_language(product.language)
    prompt = description_prompt(product=product, options=options)
    batch = generation.drafts_generate(
        prompts=[prompt.text],
        options=options,
        store=product.store,
        max_tokens=[planned_max_new_tokens(prompt.facts, options)],
    )
    scored = drafts_plan(prompt=prompt, options=options, drafts=batch.drafts[0])
    return description_draft_save(
        product=product,
        options=options,
        prompt=prompt,
        scored=scored,
        model_key=batch.model_key,
        model_version=batch.model_version,
        actor=actor,
    )


def descriptions_generate_bulk(
    *,
    store: Store,
    actor: Actor,
    options: GenerationOptions,
    products: QuerySet[Product],
    batch_size: int = DEFAULT_BATCH_SIZE,
    only_missing: bool = False,
) -> Job:
    """A job on the inference queue: one item per batch of products, generated in one batched call."""
    if only_missing:
        # Skip products that already have an approved text in the language this run writes.
        approved = Description.objects.filter(product=OuterRef("pk"), approved_version__isnull=False)
        approved = (
            approved.filter(language=options.language)
            if options.language
            else approved.filter(language=OuterRef("language"))
        )
        products = products.exclude(Exists(approved))
    product_ids = list(products.order_by("pk").values_list("pk", flat=True))
    if not product_ids:
        raise ApplicationError("No products match this selection.", code="empty_selection")
    batches = [product_ids[start : start + batch_size] for start in range(0, len(product_ids), batch_size)]
    return job_create(
        store=store,
        kind=DESCRIBE_JOB_KIND,
        actor=actor,
        params={"options": options.to_dict(), "batch_size": batch_size},
        title=f"Descriptions for {len(product_ids)} products",
        items=((f"products {batch[0]}-{batch[-1]}", {"products": batch}) for batch in batches),
        # Several items in flight: their rows join the running batch as others finish (continuous batching).
        parallelism=conf.describe_parallelism(),
    )


def descriptions_generate_batch(
    *, store: Store, product_ids: list[int], options: GenerationOptions
) -> dict[str, Any]:
    """Drafts for a batch of products in one call (a job item); returns the scored drafts, saves nothing."""
    products = {
        product.pk: product
        for product in Product.objects.filter(store=store, pk__in=product_ids).prefetch_related("variants")
    }
    prompts: list[tuple[Product, GenerationOptions, Prompt]] = []
    for product_id in product_ids:
        product = products.get(product_id)
        if product is not None:
            resolved = options.for_language(product.language)
            prompts.append((product, resolved, description_prompt(product=product, options=resolved)))
    results: list[dict[str, Any]] = []
    # One generate() call per language, since options (stop strings, lengths) differ by language.
    for language in sorted({str(resolved.language) for _p, resolved, _prompt in prompts}):
        group = [entry for entry in prompts if entry[1].language == language]
        batch = generation.drafts_generate(
            prompts=[prompt.text for _p, _o, prompt in group],
            options=group[0][1],
            store=store,
            max_tokens=[planned_max_new_tokens(prompt.facts, resolved) for _p, resolved, prompt in group],
        )
        for (product, resolved, prompt), drafts in zip(group, batch.drafts, strict=True):
            scored = drafts_plan(prompt=prompt, options=resolved, drafts=drafts)
            results.append(
                {
                    "product": product.pk,
                    "options": resolved.to_dict(),
                    "prompt_version": prompt.version,
                    "prompt_flags": prompt_flags(prompt),
                    "flags": version_flags(prompt, scored[0]),
                    "model_key": batch.model_key,
                    "model_version": batch.model_version,
                    "candidates": [draft.to_dict() for draft in scored],
                }
            )
    return {"products": results, "missing": [pk for pk in product_ids if pk not in products]}


@transaction.atomic
def descriptions_batch_save(*, job: Job, result: dict[str, Any]) -> None:
    """Keep a job item's drafts as new versions. Runs once per item, in the transaction that records it."""
    products = {
        product.pk: product
        for product in Product.objects.filter(
            store=job.store, pk__in=[entry["product"] for entry in result["products"]]
        ).prefetch_related("variants")
    }
    for entry in result["products"]:
        product = products.get(entry["product"])
        if product is None or not entry["candidates"]:
            continue
        best = entry["candidates"][0]
        content = VersionContent(
            text=best["text"],
            report=best,
            flags=entry.get("flags", entry["prompt_flags"] + best["flags"]),
            spans=best.get("spans", []),
            candidates=entry["candidates"],
            model_key=entry["model_key"],
            model_version=entry["model_version"],
            prompt_version=entry["prompt_version"],
            options=entry["options"],
            job=job,
            created_by=job.created_by,
        )
        draft_version_add(product=product, language=entry["options"]["language"], content=content)
    audit_record(
        actor=Actor(user=job.created_by, source="system"),
        action="catalog.descriptions_generated",
        store=job.store,
        target=job,
        metadata={"products": len(result["products"])},
    )
