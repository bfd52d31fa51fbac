"""Bulk copy: one job item is a batch of products, each with its own prompt, all in one batched call."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.catalog.models import Product
from apps.jobs.models import Job

from ..copy.pipeline import VariantOutcome
from ..copy.prompting import build_prompt
from ..models import CopyRequest, Variant
from .generation import brand_voice_line, copy_context
from .rounds import PromptJob, ranked, run_rounds


def bulk_batch_generate(*, copy_request: CopyRequest, product_ids: list[int]) -> dict[str, Any]:
    """One job item: variants for each product of the batch, all prompts in one call; saves nothing."""
    products = list(Product.objects.filter(store=copy_request.store, pk__in=product_ids).order_by("pk"))
    jobs = []
    for product in products:
        context = copy_context(copy_request=copy_request, products=[product])
        prompt = build_prompt(
            channel=copy_request.channel,
            language=copy_request.language,
            goal=copy_request.goal,
            products=[product.facts()],
            promotion=context.promotion,
            voice=brand_voice_line(copy_request),
        )
        jobs.append(
            PromptJob(
                prompt=prompt.text, context=context, want=copy_request.variant_count, leads=prompt.leads
            )
        )
    stats, model = run_rounds(
        jobs,
        channel=copy_request.channel,
        language=copy_request.language,
        store=copy_request.store,
        seed=copy_request.pk * 7919 + product_ids[0],
    )
    return {
        "model": model,
        "stats": stats.to_dict(),
        "products": [
            {
                "product": product.pk,
                "variants": [_outcome_dict(raw, outcome) for raw, outcome in ranked(job.kept)],
            }
            for product, job in zip(products, jobs, strict=True)
        ],
    }


def _outcome_dict(raw: str, outcome: VariantOutcome) -> dict[str, Any]:
    return {
        "text": outcome.final.text,
        "generated_text": raw,
        "measure": outcome.final.measure.to_dict(),
        "violations": [violation.to_dict() for violation in outcome.final.violations],
        "repair": outcome.repair,
    }


@transaction.atomic
def bulk_batch_save(*, job: Job, result: dict[str, Any]) -> None:
    """Keep a job item's variants. Runs once per item, in the transaction that records it."""
    copy_request = CopyRequest.objects.select_for_update().get(pk=job.params["request"], store=job.store)
    products = {
        p.pk: p
        for p in Product.objects.filter(store=job.store, pk__in=[e["product"] for e in result["products"]])
    }
    variants = [
        Variant(
            store=job.store,
            request=copy_request,
            product=products[entry["product"]],
            position=index,
            **values,
        )
        for entry in result["products"]
        if entry["product"] in products
        for index, values in enumerate(entry["variants"])
    ]
    Variant.objects.bulk_create(variants)
    totals = dict(copy_request.stats)
    for key, value in result["stats"].items():
        totals[key] = totals.get(key, 0) + value if key != "rounds" else max(totals.get(key, 0), value)
    copy_request.stats = totals
    copy_request.model_key = result["model"] or copy_request.model_key
    copy_request.save(update_fields=["stats", "model_key", "updated_at"])


def bulk_finish(*, job: Job) -> None:
    """The bulk request is done once its job is (whatever items failed: the job lists them)."""
    CopyRequest.objects.filter(pk=job.params["request"], store=job.store).update(
        status=CopyRequest.Status.DONE if job.done_count else CopyRequest.Status.FAILED,
        updated_at=timezone.now(),
    )
