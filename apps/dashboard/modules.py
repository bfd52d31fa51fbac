"""Each module's state on the store home: a few figures, whether it needs attention, and the next step."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.accounts.models import Store
from apps.catalog import selectors as catalog_selectors
from apps.catalog.models import DescriptionStatus
from apps.marketing import selectors as marketing_selectors
from apps.reviews import selectors as review_selectors
from apps.support import selectors as support_selectors
from apps.support.models import ConversationStatus


@dataclass(frozen=True)
class NextStep:
    text: str | Promise
    url: str


@dataclass
class ModuleState:
    """``state``: "empty" (nothing to show yet), "working" (a job is on it), "attention" (something waits
    for a person) or "ok"."""

    key: str
    label: str | Promise
    url: str
    state: str
    figures: list[str] = field(default_factory=list)
    next_step: NextStep | None = None


def _count(text: str, value: int) -> str:
    """``text`` (an ngettext of ``value``) with the count in the language's number format."""
    return text % {"count": number_format(value, force_grouping=True)}


def _url(name: str, store: Store, **kwargs: Any) -> str:
    return reverse(name, kwargs={"store_id": store.pk, **kwargs})


def catalog_state(store: Store) -> ModuleState:
    products = catalog_selectors.product_list(store=store).count()
    state = ModuleState("catalog", _("Catalog & descriptions"), _url("catalog:home", store), "ok")
    if not products:
        state.state = "empty"
        state.next_step = NextStep(
            _("Import your catalog (CSV, XLSX, Shopify, WooCommerce, Taobao)"), _url("catalog:imports", store)
        )
        return state
    counts = catalog_selectors.description_list(store=store).aggregate(
        drafts=Count("pk", filter=Q(status=DescriptionStatus.DRAFT)),
        approved=Count("pk", filter=Q(status__in=[DescriptionStatus.APPROVED, DescriptionStatus.PUBLISHED])),
    )
    state.figures = [
        _count(ngettext("%(count)s product", "%(count)s products", products), products),
        _count(
            ngettext("%(count)s approved description", "%(count)s approved descriptions", counts["approved"]),
            counts["approved"],
        ),
        _count(
            ngettext("%(count)s draft to review", "%(count)s drafts to review", counts["drafts"]),
            counts["drafts"],
        ),
    ]
    if counts["drafts"]:
        state.state = "attention"
        state.next_step = NextStep(
            _("Review the drafts: approve, edit or reject"), _url("catalog:review", store)
        )
    elif counts["approved"] < products:
        state.next_step = NextStep(
            _("Draft descriptions: open a product and press Generate, or select several"),
            _url("catalog:home", store),
        )
    else:
        state.next_step = NextStep(
            _("Export the approved descriptions to your shop"), _url("catalog:home", store)
        )
    return state


def reviews_state(store: Store) -> ModuleState:
    counts = review_selectors.review_list(store=store).aggregate(
        total=Count("pk"),
        waiting=Count("pk", filter=Q(sentiment="")),
        negative=Count("pk", filter=Q(sentiment="negative")),
    )
    alerts = review_selectors.alert_list(store=store, status="open").count()
    state = ModuleState("reviews", _("Reviews & sentiment"), _url("reviews:home", store), "ok")
    if not counts["total"]:
        state.state = "empty"
        state.next_step = NextStep(
            _("Import reviews (CSV or XLSX) or send them through the API"), _url("reviews:imports", store)
        )
        return state
    state.figures = [
        _count(ngettext("%(count)s review", "%(count)s reviews", counts["total"]), counts["total"]),
        _count(ngettext("%(count)s negative", "%(count)s negative", counts["negative"]), counts["negative"]),
        _count(ngettext("%(count)s open alert", "%(count)s open alerts", alerts), alerts),
    ]
    if counts["waiting"]:
        state.state = "working"
        state.figures.append(
            _count(
                ngettext(
                    "%(count)s waiting for classification",
                    "%(count)s waiting for classification",
                    counts["waiting"],
                ),
                counts["waiting"],
            )
        )
        state.next_step = NextStep(
            _("Follow the classification job (it needs a running inference worker)"),
            reverse("jobs:list", kwargs={"store_id": store.pk}),
        )
    elif alerts:
        state.state = "attention"
        state.next_step = NextStep(_("Look into the negative spikes"), _url("reviews:alerts", store))
    else:
        state.next_step = NextStep(
            _("See sentiment over time and by aspect"), _url("reviews:insights", store)
        )
    return state


def support_state(store: Store) -> ModuleState:
    faq = support_selectors.faq_list(store=store).count()
    documents = support_selectors.document_list(store=store).count()
    orders = support_selectors.order_list(store=store).count()
    waiting = support_selectors.conversation_list(store=store, status=ConversationStatus.PENDING).count()
    state = ModuleState("support", _("Customer service"), _url("support:home", store), "ok")
    state.figures = [
        _count(ngettext("%(count)s FAQ entry", "%(count)s FAQ entries", faq), faq),
        _count(ngettext("%(count)s document", "%(count)s documents", documents), documents),
        _count(ngettext("%(count)s order", "%(count)s orders", orders), orders),
        _count(
            ngettext(
                "%(count)s conversation waiting for a person",
                "%(count)s conversations waiting for a person",
                waiting,
            ),
            waiting,
        ),
    ]
    if not faq and not documents:
        state.state = "empty"
        state.figures = []
        state.next_step = NextStep(
            _("Add your FAQ and policies: the assistant answers only from them"),
            _url("support:knowledge", store),
        )
    elif waiting:
        state.state = "attention"
        state.next_step = NextStep(
            _("Answer the conversations waiting for a person"), _url("support:home", store)
        )
    else:
        state.next_step = NextStep(
            _("Try the assistant in the widget preview"), _url("support:widget", store)
        )
    return state


def marketing_state(store: Store) -> ModuleState:
    campaigns = list(marketing_selectors.campaign_list(store=store).order_by("-created_at")[:1])
    total = marketing_selectors.campaign_list(store=store).count()
    state = ModuleState("marketing", _("Marketing copy"), _url("marketing:home", store), "ok")
    if not campaigns:
        state.state = "empty"
        state.next_step = NextStep(_("Create a campaign and ask for copy"), _url("marketing:home", store))
        return state
    approved = marketing_selectors.variant_list(store=store).filter(status="approved").count()
    tests = marketing_selectors.ab_test_list(store=store).count()
    state.figures = [
        _count(ngettext("%(count)s campaign", "%(count)s campaigns", total), total),
        _count(ngettext("%(count)s approved text", "%(count)s approved texts", approved), approved),
        _count(ngettext("%(count)s A/B test", "%(count)s A/B tests", tests), tests),
    ]
    campaign_url = _url("marketing:campaign", store, campaign_id=campaigns[0].pk)
    if tests:
        state.next_step = NextStep(_("See which variant won the A/B test"), campaign_url)
    else:
        state.next_step = NextStep(_("Ask for copy variants for a campaign"), campaign_url)
    return state


def module_states(store: Store) -> list[ModuleState]:
    return [catalog_state(store), reviews_state(store), support_state(store), marketing_state(store)]
