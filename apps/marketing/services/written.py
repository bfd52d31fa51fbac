"""Copy a person wrote, saved as a request's variants and checked like generated copy."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.actor import Actor
from apps.accounts.services import audit_record
from apps.catalog import selectors as catalog_selectors
from apps.core.errors import ApplicationError
from apps.core.text import clean_text

from ..copy.pipeline import check_text
from ..models import Campaign, CopyRequest, Variant
from .generation import PromotionInput, _validate, copy_context


def copy_request_written(
    *,
    campaign: Campaign,
    actor: Actor,
    channel: str,
    language: str,
    texts: Sequence[str],
    goal: str = "sales",
    product_ids: Sequence[int] = (),
    promotion: PromotionInput | None = None,
) -> CopyRequest:
    """Copy a person wrote (a line already running, an agency's draft) as a request's variants.

    Each text is checked like a generated one (limits, banned claims, facts), so it is reviewed,
    recorded and A/B-tested beside generated copy. Nothing is generated.
    """
    store = campaign.store
    promotion = promotion or PromotionInput()
    cleaned = [clean_text(text) for text in texts if clean_text(text)]
    _validate(
        channel=channel, goal=goal, language=language, promotion=promotion, variant_count=len(cleaned) or 1
    )
    if not cleaned:
        raise ApplicationError(_("Give at least one text."), code="empty_text")
    products = [
        catalog_selectors.product_get(store=store, product_id=pk) for pk in dict.fromkeys(product_ids)
    ]
    with transaction.atomic():
        copy_request = CopyRequest.objects.create(
            store=store,
            campaign=campaign,
            channel=channel,
            goal=goal,
            language=language,
            discount_percent=promotion.discount_percent,
            discount_amount=promotion.discount_amount,
            promotion_starts=promotion.starts,
            promotion_ends=promotion.ends,
            promotion_code=promotion.code.strip(),
            variant_count=len(cleaned),
            status=CopyRequest.Status.DONE,
            created_by=actor.user_or_none,
        )
        copy_request.products.set(products)
        context = copy_context(copy_request=copy_request, products=products)
        variants = []
        for position, text in enumerate(cleaned):
            checked = check_text(text, context)
            variants.append(
                Variant(
                    store=store,
                    request=copy_request,
                    position=position,
                    text=text,
                    measure=checked.measure.to_dict(),
                    violations=[violation.to_dict() for violation in checked.violations],
                    edited=True,
                )
            )
        Variant.objects.bulk_create(variants)
        audit_record(
            actor=actor,
            action="marketing.copy_written",
            store=store,
            target=copy_request,
            metadata={"channel": channel, "language": language, "variants": len(variants)},
        )
    return copy_request
