"""Variants after generation: edits (checked again), review, results, A/B tests and their verdict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.actor import Actor
from apps.accounts.services import audit_record
from apps.core.errors import ApplicationError, ConflictError
from apps.core.text import clean_text

from ..copy.pipeline import check_text
from ..copy.significance import ABResult, two_proportion_test
from ..models import ABTest, Campaign, Variant
from .generation import copy_context, request_products

MAX_COUNT = 2**31 - 1  # the columns' range


def variant_recheck(*, variant: Variant, text: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The measure and violations of ``text`` as the variant's request would check it."""
    products = [variant.product] if variant.product else request_products(variant.request)
    context = copy_context(copy_request=variant.request, products=products)
    checked = check_text(text, context)
    return checked.measure.to_dict(), [violation.to_dict() for violation in checked.violations]


@transaction.atomic
def variant_edit(*, variant: Variant, actor: Actor, text: str) -> Variant:
    """A reviewer's text: checked like a generated one; an approved variant goes back to draft."""
    text = clean_text(text)
    if not text:
        raise ApplicationError(_("The text is empty."), code="empty_text")
    variant.measure, variant.violations = variant_recheck(variant=variant, text=text)
    variant.text, variant.edited = text, True
    variant.status = Variant.Status.DRAFT
    variant.reviewed_by, variant.reviewed_at = None, None
    variant.save()
    audit_record(actor=actor, action="marketing.variant_edited", store=variant.store, target=variant)
    return variant


@transaction.atomic
def variant_review(
    *, variant: Variant, actor: Actor, action: Literal["approve", "reject", "reopen"]
) -> Variant:
    """Approve (refused while a blocking rule is broken), reject, or reopen a variant."""
    if action == "approve" and variant.blocking:
        raise ConflictError(
            _("This text breaks a blocking rule (limit, banned term or language); edit it first."),
            code="blocking_violations",
            details=[violation for violation in variant.violations_shown if violation.get("blocking", True)],
        )
    variant.status = {"approve": Variant.Status.APPROVED, "reject": Variant.Status.REJECTED}.get(
        action, Variant.Status.DRAFT
    )
    variant.reviewed_by = actor.user_or_none if action != "reopen" else None
    variant.reviewed_at = timezone.now() if action != "reopen" else None
    variant.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
    audit_record(actor=actor, action=f"marketing.variant_{action}", store=variant.store, target=variant)
    return variant


@transaction.atomic
def variant_results_record(
    *, variant: Variant, actor: Actor, impressions: int, clicks: int, conversions: int, add: bool = False
) -> Variant:
    """Results as totals (or added to what is recorded): clicks and conversions never exceed impressions."""
    variant = Variant.objects.select_for_update().get(pk=variant.pk)
    values = [impressions, clicks, conversions]
    if any(value < 0 for value in values):
        raise ApplicationError(_("Results are never negative."), code="invalid_results")
    if add:
        impressions, clicks, conversions = (
            variant.impressions + impressions,
            variant.clicks + clicks,
            variant.conversions + conversions,
        )
    if impressions > MAX_COUNT:
        raise ApplicationError(
            _("At most %(count)s impressions.") % {"count": MAX_COUNT}, code="invalid_results"
        )
    if clicks > impressions or conversions > impressions:
        raise ApplicationError(
            _("Clicks and conversions cannot exceed impressions."),
            code="invalid_results",
            details={"impressions": impressions, "clicks": clicks, "conversions": conversions},
        )
    variant.impressions, variant.clicks, variant.conversions = impressions, clicks, conversions
    variant.save(update_fields=["impressions", "clicks", "conversions", "updated_at"])
    audit_record(
        actor=actor,
        action="marketing.results_recorded",
        store=variant.store,
        target=variant,
        metadata={"impressions": impressions, "clicks": clicks, "conversions": conversions},
    )
    return variant


@transaction.atomic
def ab_test_create(
    *,
    campaign: Campaign,
    actor: Actor,
    variant_a: Variant,
    variant_b: Variant,
    name: str = "",
    metric: str = "conversion",
) -> ABTest:
    if variant_a.pk == variant_b.pk:
        raise ApplicationError(_("An A/B test compares two different variants."), code="same_variant")
    for variant in (variant_a, variant_b):
        if variant.request.campaign_id != campaign.pk:
            raise ApplicationError(_("Both variants must belong to this campaign."), code="other_campaign")
    if metric not in ABTest.Metric.values:
        raise ApplicationError(_("Unknown metric %(metric)r.") % {"metric": metric}, code="unknown_metric")
    test = ABTest.objects.create(
        store=campaign.store,
        campaign=campaign,
        variant_a=variant_a,
        variant_b=variant_b,
        name=clean_text(name)[:200],
        metric=metric,
    )
    audit_record(actor=actor, action="marketing.ab_test_created", store=campaign.store, target=test)
    return test


@dataclass(frozen=True)
class ABSummary:
    test: ABTest
    successes_a: int
    successes_b: int
    result: ABResult | None

    @property
    def winner(self) -> Variant | None:
        if self.result is None or not self.result.winner:
            return None
        return self.test.variant_a if self.result.winner == "A" else self.test.variant_b

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.test.metric,
            "a": {
                "variant": self.test.variant_a_id,
                "impressions": self.test.variant_a.impressions,
                "successes": self.successes_a,
            },
            "b": {
                "variant": self.test.variant_b_id,
                "impressions": self.test.variant_b.impressions,
                "successes": self.successes_b,
            },
            "result": self.result.to_dict() if self.result else None,
            "winner": self.winner.pk if self.winner else None,
        }


def ab_test_summary(*, test: ABTest) -> ABSummary:
    """The test on the recorded results: conversions (or clicks) per impression, A against B."""
    field = "conversions" if test.metric == ABTest.Metric.CONVERSION else "clicks"
    a, b = test.variant_a, test.variant_b
    successes_a, successes_b = getattr(a, field), getattr(b, field)
    result = two_proportion_test(successes_a, a.impressions, successes_b, b.impressions)
    return ABSummary(test=test, successes_a=successes_a, successes_b=successes_b, result=result)
