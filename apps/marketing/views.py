"""Marketing dashboard pages: campaigns, copy requests and variants, A/B results, settings; thin."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps import inference
from apps.accounts.actor import Actor
from apps.accounts.dashboard import dashboard_store
from apps.accounts.models import Role
from apps.core.charts import Chart, Series
from apps.core.errors import ApplicationError
from apps.core.spreadsheets import csv_response

from . import exporting, selectors
from .copy.compliance import LEGAL_SOURCE
from .forms import (
    CHANNEL_LABELS,
    ABTestForm,
    CampaignForm,
    CopyRequestForm,
    ResultsForm,
    SettingsForm,
    VariantActionForm,
)
from .models import Variant
from .services import campaigns, generation, variants


@login_required
def home_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    form = CampaignForm(request.POST or None)
    if request.method == "POST":
        store, membership = dashboard_store(request, store_id, role=Role.OPERATOR)
        if form.is_valid():
            try:
                campaign = campaigns.campaign_create(
                    store=store, actor=Actor.from_request(request), **form.cleaned_data
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                return redirect("marketing:campaign", store_id=store.pk, campaign_id=campaign.pk)
    return render(
        request,
        "marketing/home.html",
        {
            "store": store,
            "membership": membership,
            "form": form,
            "campaigns": selectors.campaign_list(store=store)[:200],
        },
    )


def _chart(summary: variants.ABSummary) -> Chart:
    """A against B on the test's metric, as shares of impressions."""
    result, test = summary.result, summary.test
    return Chart(
        chart_id=f"ab-chart-{test.pk}",
        title=_("Rates of A and B"),
        kind="bar",
        values="share",
        labels=[test.get_metric_display()],
        series=[
            Series("a", f"A #{test.variant_a_id}", [result.rate_a if result else 0]),
            Series("b", f"B #{test.variant_b_id}", [result.rate_b if result else 0]),
        ],
        x_title=_("Metric"),
    )


@login_required
def campaign_page(request: HttpRequest, store_id: int, campaign_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    campaign = selectors.campaign_get(store=store, campaign_id=campaign_id)
    requests = list(selectors.copy_request_list(store=store, campaign=campaign).prefetch_related("products"))
    all_variants = list(selectors.variant_list(store=store, campaign=campaign))
    by_request: dict[int, list[Variant]] = {}
    for variant in all_variants:
        by_request.setdefault(variant.request_id, []).append(variant)
    tests = [
        variants.ab_test_summary(test=test) for test in selectors.ab_test_list(store=store, campaign=campaign)
    ]
    return render(
        request,
        "marketing/campaign.html",
        {
            "store": store,
            "membership": membership,
            "campaign": campaign,
            "requests": [
                {
                    "request": r,
                    "channel": CHANNEL_LABELS.get(r.channel, r.channel),
                    "variants": by_request.get(r.pk, []),
                }
                for r in requests
            ],
            "form": CopyRequestForm(
                store=store, initial={"language": store.default_language, "variant_count": 5}
            ),
            "ab_form": ABTestForm(variants=all_variants),
            "results_form": ResultsForm(),
            "tests": [{"summary": summary, "chart": _chart(summary)} for summary in tests],
            "legal_source": LEGAL_SOURCE,
            "approved": sum(1 for variant in all_variants if variant.status == Variant.Status.APPROVED),
        },
    )


def _back(store_id: int, campaign_id: int, anchor: str = "") -> HttpResponse:
    response = redirect("marketing:campaign", store_id=store_id, campaign_id=campaign_id)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@login_required
@require_POST
def request_create_action(request: HttpRequest, store_id: int, campaign_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    campaign = selectors.campaign_get(store=store, campaign_id=campaign_id)
    form = CopyRequestForm(request.POST, store=store)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return _back(store.pk, campaign.pk)
    try:
        copy_request = generation.copy_request_create(
            campaign=campaign, actor=Actor.from_request(request), **form.options()
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return _back(store.pk, campaign.pk)
    except inference.InferenceError as error:
        messages.error(request, inference.public_error(error).message)
        return _back(store.pk, campaign.pk)
    if copy_request.job_id:
        messages.success(
            request, _("Copy for every product of the category is being written; follow the job.")
        )
        return redirect("jobs:detail", store_id=store.pk, job_id=copy_request.job_id)
    kept = copy_request.variants.count()
    messages.success(request, _("%(count)s variants written and checked.") % {"count": kept})
    return _back(store.pk, campaign.pk, f"request-{copy_request.pk}")


@login_required
@require_POST
def variant_action(request: HttpRequest, store_id: int, variant_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    variant = selectors.variant_get(store=store, variant_id=variant_id)
    form = VariantActionForm(request.POST)
    actor = Actor.from_request(request)
    if form.is_valid():
        action, text = form.cleaned_data["action"], form.cleaned_data.get("text") or ""
        try:
            if text.strip() and text.strip() != variant.text.strip():
                variant = variants.variant_edit(variant=variant, actor=actor, text=text)
            if action != "save":
                variant = variants.variant_review(variant=variant, actor=actor, action=action)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Variant #%(id)s is %(status)s.")
                % {"id": variant.pk, "status": variant.get_status_display()},
            )
    else:
        messages.error(request, form.errors.as_text())
    return _back(store.pk, variant.request.campaign_id, f"variant-{variant.pk}")


@login_required
@require_POST
def variant_results_action(request: HttpRequest, store_id: int, variant_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    variant = selectors.variant_get(store=store, variant_id=variant_id)
    form = ResultsForm(request.POST)
    if form.is_valid():
        try:
            variants.variant_results_record(
                variant=variant, actor=Actor.from_request(request), **form.cleaned_data
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Results recorded."))
    else:
        messages.error(request, form.errors.as_text())
    return _back(store.pk, variant.request.campaign_id, "ab-tests")


@login_required
@require_POST
def ab_test_create_action(request: HttpRequest, store_id: int, campaign_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    campaign = selectors.campaign_get(store=store, campaign_id=campaign_id)
    form = ABTestForm(request.POST, variants=list(selectors.variant_list(store=store, campaign=campaign)))
    if form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        try:
            variants.ab_test_create(
                campaign=campaign,
                actor=Actor.from_request(request),
                metric=data["metric"],
                variant_a=selectors.variant_get(store=store, variant_id=data["variant_a"]),
                variant_b=selectors.variant_get(store=store, variant_id=data["variant_b"]),
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("A/B test created."))
    else:
        messages.error(request, form.errors.as_text())
    return _back(store.pk, campaign.pk, "ab-tests")


@login_required
def export_download(request: HttpRequest, store_id: int, campaign_id: int) -> StreamingHttpResponse:
    store, _membership = dashboard_store(request, store_id)
    campaign = selectors.campaign_get(store=store, campaign_id=campaign_id)
    status = "" if request.GET.get("status") == "all" else Variant.Status.APPROVED
    return csv_response(
        exporting.campaign_csv(campaign=campaign, status=status), f"campaign-{campaign.pk}.csv"
    )


@login_required
def settings_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    rules = selectors.marketing_settings_get(store=store)
    initial = {
        "banned_words": "\n".join(rules.banned_words),
        "sms_opt_out_en": rules.sms_opt_out_en,
        "sms_opt_out_zh": rules.sms_opt_out_zh,
        "sms_sender": rules.sms_sender,
    }
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST":
        store, membership = dashboard_store(request, store_id, role=Role.OWNER)
        if form.is_valid():
            campaigns.marketing_settings_update(
                store=store, actor=Actor.from_request(request), **form.values()
            )
            messages.success(request, _("Marketing rules saved."))
            return redirect("marketing:settings", store_id=store.pk)
    return render(
        request,
        "marketing/settings.html",
        {"store": store, "membership": membership, "form": form, "legal_source": LEGAL_SOURCE},
    )
