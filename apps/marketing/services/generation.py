"""Copy generation: a request's variants in one batched call, checked, repaired, topped up; bulk as a job.

Each round asks the model for every missing variant at once (``n`` candidates of one prompt, or one
prompt per product in bulk). A variant that breaks a blocking rule after repair is not kept; the
next round asks again with another seed, at most ``MAX_ROUNDS`` rounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps import inference
from apps.accounts.actor import Actor
from apps.accounts.services import audit_record
from apps.catalog import selectors as catalog_selectors
from apps.catalog.models import Product
from apps.core.errors import ApplicationError
from apps.jobs.services import job_create

from .. import selectors
from ..copy.channels import CHANNELS
from ..copy.facts import PromotionTerms
from ..copy.pipeline import CopyContext, VariantOutcome, finish
from ..copy.prompting import GOALS, PROMPT_VERSION, build_prompt, clean_output, max_new_tokens, stop_strings
from ..models import Campaign, CopyRequest, Variant

BULK_JOB_KIND = "marketing.copy_bulk"
BULK_BATCH_SIZE = 4
MAX_ROUNDS = 3
MAX_VARIANTS = 10
MAX_PRODUCTS = 5  # in one request's prompt; more is a bulk request
TEMPERATURE = 0.9
TOP_P = 0.95


@dataclass(frozen=True)
class PromotionInput:
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None
    starts: date | None = None
    ends: date | None = None
    code: str = ""


@dataclass
class RoundStats:
    generated: int = 0
    first_try_ok: int = 0
    kept: int = 0
    repaired: int = 0
    rounds: int = 0
    facts_ok: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class PromptJob:
    """One prompt and what its variants are checked against; ``kept`` fills up round by round."""

    prompt: str
    context: CopyContext
    want: int
    kept: list[tuple[str, VariantOutcome]] = field(default_factory=list)
    seen: list[VariantOutcome] = field(default_factory=list)  # every candidate, kept or not


def promotion_terms(copy_request: CopyRequest) -> PromotionTerms | None:
    if not copy_request.has_promotion:
        return None

    def number(value: Decimal | None) -> float | None:
        return float(value) if value is not None else None

    return PromotionTerms(
        discount_percent=number(copy_request.discount_percent),
        discount_amount=number(copy_request.discount_amount),
        currency=copy_request.store.currency,
        starts=copy_request.promotion_starts,
        ends=copy_request.promotion_ends,
        code=copy_request.promotion_code,
    )


def brand_voice_line(copy_request: CopyRequest) -> str:
    voice = copy_request.brand_voice
    if voice is None:
        return ""
    words = ", ".join(str(word) for word in voice.do_words[:10])
    return "; ".join(part for part in (voice.description, words) if part)


def copy_context(*, copy_request: CopyRequest, products: Sequence[Product]) -> CopyContext:
    rules = selectors.marketing_settings_get(store=copy_request.store)
    voice = copy_request.brand_voice
    tags = [word for product in products[:2] for word in (product.category, product.brand) if word]
    return CopyContext(
        channel=copy_request.channel,
        language=copy_request.language,
        products=[product.facts() for product in products],
        promotion=promotion_terms(copy_request),
        store_banned=tuple(rules.banned_words),
        brand_voice_avoid=tuple(voice.dont_words) if voice else (),
        opt_out_text=rules.opt_out(copy_request.language),
        sender=rules.sms_sender,
        fallback_hashtags=tags or ([copy_request.category] if copy_request.category else []),
    )


def _validate(
    *, channel: str, goal: str, language: str, promotion: PromotionInput, variant_count: int
) -> None:
    if channel not in CHANNELS:
        raise ApplicationError(f"Unknown channel {channel!r}.", code="unknown_channel")
    if goal not in GOALS:
        raise ApplicationError(f"Unknown goal {goal!r}.", code="unknown_goal")
    if language not in ("en", "zh"):
        raise ApplicationError("The language must be en or zh.", code="unknown_language")
    if not 1 <= variant_count <= MAX_VARIANTS:
        raise ApplicationError(f"Ask for 1 to {MAX_VARIANTS} variants.", code="variant_count")
    if promotion.discount_percent is not None and not 0 < promotion.discount_percent < 100:
        raise ApplicationError("A percentage discount is between 0 and 100.", code="discount_percent")
    if promotion.discount_amount is not None and promotion.discount_amount <= 0:
        raise ApplicationError("A discount amount is more than 0.", code="discount_amount")
    if promotion.starts and promotion.ends and promotion.ends < promotion.starts:
        raise ApplicationError("The promotion ends before it starts.", code="promotion_dates")


def request_products(copy_request: CopyRequest) -> list[Product]:
    chosen = list(copy_request.products.order_by("pk")[:MAX_PRODUCTS])
    if chosen or not copy_request.category:
        return chosen
    return list(
        catalog_selectors.product_list(store=copy_request.store, filters={"category": copy_request.category})
        .filter(status=Product.Status.ACTIVE)
        .order_by("pk")[:MAX_PRODUCTS]
    )


def copy_request_create(
    *,
    campaign: Campaign,
    actor: Actor,
    channel: str,
    language: str,
    goal: str = "sales",
    product_ids: Sequence[int] = (),
    category: str = "",
    per_product: bool = False,
    brand_voice_id: int | None = None,
    promotion: PromotionInput | None = None,
    variant_count: int = 5,
) -> CopyRequest:
    """Save the request and generate its variants now, or start a job for every product of a category."""
    store = campaign.store
    promotion = promotion or PromotionInput()
    _validate(channel=channel, goal=goal, language=language, promotion=promotion, variant_count=variant_count)
    products = [
        catalog_selectors.product_get(store=store, product_id=pk) for pk in dict.fromkeys(product_ids)
    ]
    voice = (
        catalog_selectors.brand_voice_get(store=store, brand_voice_id=brand_voice_id)
        if brand_voice_id
        else None
    )
    category = category.strip()
    if per_product and not category:
        raise ApplicationError(
            "Bulk copy is for every product of a category: choose one.", code="category_required"
        )
    if category and not catalog_selectors.product_list(store=store, filters={"category": category}).exists():
        raise ApplicationError(f"No product is in the category {category!r}.", code="empty_category")
    with transaction.atomic():
        copy_request = CopyRequest.objects.create(
            store=store,
            campaign=campaign,
            channel=channel,
            goal=goal,
            language=language,
            category=category,
            per_product=per_product,
            brand_voice=voice,
            discount_percent=promotion.discount_percent,
            discount_amount=promotion.discount_amount,
            promotion_starts=promotion.starts,
            promotion_ends=promotion.ends,
            promotion_code=promotion.code.strip(),
            variant_count=variant_count,
            created_by=actor.user_or_none,
            prompt_version=PROMPT_VERSION,
        )
        copy_request.products.set(products)
        audit_record(
            actor=actor,
            action="marketing.copy_requested",
            store=store,
            target=copy_request,
            metadata={"channel": channel, "language": language, "bulk": per_product},
        )
        if per_product:
            return _bulk_start(copy_request=copy_request, actor=actor)
    variants_generate(copy_request=copy_request, actor=actor)
    copy_request.refresh_from_db()
    return copy_request


def run_rounds(
    jobs: Sequence[PromptJob], *, channel: str, language: str, store: Any, seed: int
) -> tuple[RoundStats, str]:
    """Generate until every prompt has its variants (or the rounds run out); one batched call a round."""
    stats, model = RoundStats(), ""
    for round_number in range(MAX_ROUNDS):
        open_jobs = [job for job in jobs if len(job.kept) < job.want]
        if not open_jobs:
            break
        stats.rounds += 1
        requests = [
            inference.GenerationRequest(
                prompt=job.prompt,
                max_new_tokens=max_new_tokens(channel, language),
                temperature=TEMPERATURE,
                top_p=TOP_P,
                stop=stop_strings(language),
                n=job.want - len(job.kept) + (1 if round_number else 0),
                seed=seed + 1000 * round_number,
            )
            for job in open_jobs
        ]
        generations = inference.generate(requests, model=settings.MARKETING_COPY_MODEL or None, store=store)
        model = generations[0].model if generations else model
        for job, generation in zip(open_jobs, generations, strict=True):
            for choice in generation.choices:
                raw = clean_output(choice.text, channel=channel)
                outcome = finish(raw, job.context)
                job.seen.append(outcome)
                stats.generated += 1
                stats.first_try_ok += not outcome.first.blocking
                if not outcome.kept or len(job.kept) >= job.want:
                    continue
                if any(outcome.final.text == text for text, _o in job.kept):
                    continue  # the same text twice is one variant
                job.kept.append((raw, outcome))
                stats.kept += 1
                stats.repaired += bool(outcome.repair)
                stats.facts_ok += outcome.final.facts_ok
    return stats, model


def ranked(kept: list[tuple[str, VariantOutcome]]) -> list[tuple[str, VariantOutcome]]:
    return sorted(kept, key=lambda pair: (not pair[1].final.facts_ok, len(pair[1].final.violations)))


def _variant(
    copy_request: CopyRequest, product: Product | None, position: int, raw: str, outcome: VariantOutcome
) -> Variant:
    return Variant(
        store=copy_request.store,
        request=copy_request,
        product=product,
        position=position,
        text=outcome.final.text,
        generated_text=raw,
        measure=outcome.final.measure.to_dict(),
        violations=[violation.to_dict() for violation in outcome.final.violations],
        repair=outcome.repair,
    )


def variants_generate(*, copy_request: CopyRequest, actor: Actor) -> list[Variant]:
    """The request's variants, generated in one batch (topped up where some were not kept), saved."""
    products = request_products(copy_request)
    context = copy_context(copy_request=copy_request, products=products)
    prompt = build_prompt(
        channel=copy_request.channel,
        language=copy_request.language,
        goal=copy_request.goal,
        products=[product.facts() for product in products],
        promotion=context.promotion,
        category=copy_request.category,
        voice=brand_voice_line(copy_request),
    )
    job = PromptJob(prompt=prompt.text, context=context, want=copy_request.variant_count)
    CopyRequest.objects.filter(pk=copy_request.pk).update(status=CopyRequest.Status.RUNNING)
    try:
        stats, model = run_rounds(
            [job],
            channel=copy_request.channel,
            language=copy_request.language,
            store=copy_request.store,
            seed=copy_request.pk * 7919,
        )
    except inference.InferenceError as error:
        CopyRequest.objects.filter(pk=copy_request.pk).update(
            status=CopyRequest.Status.FAILED, error=str(error)[:2000]
        )
        raise
    with transaction.atomic():
        variants = Variant.objects.bulk_create(
            [
                _variant(copy_request, None, index, raw, outcome)
                for index, (raw, outcome) in enumerate(ranked(job.kept))
            ]
        )
        CopyRequest.objects.filter(pk=copy_request.pk).update(
            status=CopyRequest.Status.DONE,
            stats=stats.to_dict(),
            model_key=model,
            updated_at=timezone.now(),
            error="" if variants else "No variant passed the checks; try again or change the request.",
        )
        audit_record(
            actor=actor,
            action="marketing.variants_generated",
            store=copy_request.store,
            target=copy_request,
            metadata=stats.to_dict(),
        )
    return variants


def _bulk_start(*, copy_request: CopyRequest, actor: Actor) -> CopyRequest:
    product_ids = list(
        catalog_selectors.product_list(store=copy_request.store, filters={"category": copy_request.category})
        .filter(status=Product.Status.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not product_ids:
        raise ApplicationError("No active product is in this category.", code="empty_category")
    batches = [
        product_ids[start : start + BULK_BATCH_SIZE] for start in range(0, len(product_ids), BULK_BATCH_SIZE)
    ]
    job = job_create(
        store=copy_request.store,
        kind=BULK_JOB_KIND,
        actor=actor,
        params={"request": copy_request.pk},
        title=f"{CHANNELS[copy_request.channel].label} copy for {len(product_ids)} products",
        items=((f"products {batch[0]}-{batch[-1]}", {"products": batch}) for batch in batches),
    )
    copy_request.job = job
    copy_request.status = CopyRequest.Status.RUNNING
    copy_request.save(update_fields=["job", "status", "updated_at"])
    return copy_request
