"""Copy requests: validated, saved, their variants generated in rounds (``rounds.run_rounds``) and
saved best first; bulk requests (every product of a category) as a job."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

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
from ..copy.pipeline import CopyContext, VariantOutcome
from ..copy.prompting import GOALS, PROMPT_VERSION, build_prompt
from ..models import Campaign, CopyRequest, Variant
from .rounds import PromptJob, ranked, run_rounds

BULK_JOB_KIND = "marketing.copy_bulk"
BULK_BATCH_SIZE = 4
MAX_VARIANTS = 10
MAX_PRODUCTS = 5  # in one request's prompt; more is a bulk request
# Stored in English; shown in the reader's language (CopyRequest.error_shown).
NO_VARIANT_KEPT = gettext_noop("No variant passed the checks; try again or change the request.")


@dataclass(frozen=True)
class PromotionInput:
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None
    starts: date | None = None
    ends: date | None = None
    code: str = ""


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
        raise ApplicationError(
            _("Unknown channel %(channel)r.") % {"channel": channel}, code="unknown_channel"
        )
    if goal not in GOALS:
        raise ApplicationError(_("Unknown goal %(goal)r.") % {"goal": goal}, code="unknown_goal")
    if language not in ("en", "zh"):
        raise ApplicationError(_("The language must be en or zh."), code="unknown_language")
    if not 1 <= variant_count <= MAX_VARIANTS:
        raise ApplicationError(
            _("Ask for 1 to %(count)s variants.") % {"count": MAX_VARIANTS}, code="variant_count"
        )
    if promotion.discount_percent is not None and not 0 < promotion.discount_percent < 100:
        raise ApplicationError(_("A percentage discount is between 0 and 100."), code="discount_percent")
    if promotion.discount_amount is not None and promotion.discount_amount <= 0:
        raise ApplicationError(_("A discount amount is more than 0."), code="discount_amount")
    if promotion.starts and promotion.ends and promotion.ends < promotion.starts:
        raise ApplicationError(_("The promotion ends before it starts."), code="promotion_dates")


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
            _("Bulk copy is for every product of a category: choose one."), code="category_required"
        )
    if category and not catalog_selectors.product_list(store=store, filters={"category": category}).exists():
        raise ApplicationError(
            _("No product is in the category %(category)r.") % {"category": category},
            code="empty_category",
        )
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
    job = PromptJob(prompt=prompt.text, context=context, want=copy_request.variant_count, leads=prompt.leads)
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
            error="" if variants else NO_VARIANT_KEPT,
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
        raise ApplicationError(_("No active product is in this category."), code="empty_category")
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
