"""Reviews dashboard pages: reviews, replies, insights, alerts, settings; thin over the services."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.actor import Actor
from apps.accounts.dashboard import dashboard_store
from apps.accounts.models import Role
from apps.core.charts import Chart, Series
from apps.core.errors import ApplicationError
from apps.inference import InferenceError, public_error
from apps.jobs.models import Job

from . import exporting, insights, selectors
from .forms import CustomAspectForm, FilterForm, ReplyEditForm, ReviewSettingsForm
from .models import Review, SpikeAlert
from .services import alerts, aspects, classification, replies

PAGE_SIZE = 50


def _common(store: Any) -> dict[str, Any]:
    return {
        "open_alerts": selectors.alert_list(store=store, status=SpikeAlert.Status.OPEN).count(),
        "classify_jobs": Job.objects.filter(
            store=store, kind=classification.CLASSIFY_JOB_KIND, status__in=Job.ACTIVE_STATUSES
        ),
    }


@login_required
def review_list_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    form = FilterForm(request.GET)
    filters = form.filters()
    reviews = selectors.review_list(store=store, filters=filters).prefetch_related("aspects")
    page = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/review_list.html",
        {
            "store": store,
            "membership": membership,
            "form": form,
            "page": page,
            "query": filters.as_query(),
            "query_string": urlencode(filters.as_query()),
            "unclassified": Review.objects.filter(store=store, sentiment="").count(),
            **_common(store),
        },
    )


@login_required
@require_POST
def classify_action(request: HttpRequest, store_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    filters = FilterForm(request.POST).filters()
    reviews = selectors.review_list(store=store, filters=filters)
    if request.POST.get("scope") == "unclassified":
        reviews = reviews.filter(sentiment="")
    try:
        job = classification.reviews_classify_start(
            store=store, actor=Actor.from_request(request), reviews=reviews
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("reviews:home", store_id=store.pk)
    return redirect("jobs:detail", store_id=store.pk, job_id=job.pk)


@login_required
def review_detail_page(request: HttpRequest, store_id: int, review_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    review = selectors.review_get(store=store, review_id=review_id)
    return render(
        request,
        "reviews/review_detail.html",
        {
            "store": store,
            "membership": membership,
            "review": review,
            "mentions": review.aspects.all(),
            "replies": [
                (reply, ReplyEditForm(initial={"text": reply.text})) for reply in review.replies.all()
            ],
        },
    )


@login_required
@require_POST
def reply_generate_action(request: HttpRequest, store_id: int, review_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    review = selectors.review_get(store=store, review_id=review_id)
    try:
        replies.reply_draft_generate(review=review, actor=Actor.from_request(request))
    except InferenceError as error:
        messages.error(request, public_error(error).message)
    return redirect("reviews:review", store_id=store.pk, review_id=review.pk)


@login_required
@require_POST
def reply_review_action(request: HttpRequest, store_id: int, reply_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    reply = selectors.reply_get(store=store, reply_id=reply_id)
    actor = Actor.from_request(request)
    action = request.POST.get("action", "")
    try:
        if action == "save":
            form = ReplyEditForm(request.POST)
            if form.is_valid():
                replies.reply_edit(reply=reply, actor=actor, text=form.cleaned_data["text"])
                messages.success(request, _("Reply saved; approve it when it is ready."))
        elif action in ("approved", "rejected"):
            replies.reply_review(reply=reply, actor=actor, decision=action)
            messages.success(request, _("Reply approved.") if action == "approved" else _("Reply rejected."))
    except ApplicationError as error:
        messages.error(request, error.message)
    target = request.POST.get("next", "")
    if target == "queue":
        return redirect("reviews:replies", store_id=store.pk)
    return redirect("reviews:review", store_id=store.pk, review_id=reply.review_id)


@login_required
def reply_queue_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    drafts = selectors.reply_list(store=store, status="draft")[:100]
    return render(
        request,
        "reviews/replies.html",
        {
            "store": store,
            "membership": membership,
            "replies": [(reply, ReplyEditForm(initial={"text": reply.text})) for reply in drafts],
        },
    )


def _charts(data: dict[str, Any]) -> list[Chart]:
    """Sentiment over time (stacked by period) and by aspect (the ten most mentioned)."""
    periods = data["over_time"]["periods"]
    sentiments = (("positive", _("Positive")), ("neutral", _("Neutral")), ("negative", _("Negative")))
    aspects = sorted(data["aspects"], key=lambda row: -row["total"])[:10]
    return [
        Chart(
            chart_id="sentiment-chart",
            title=_("Sentiment over time"),
            kind="stacked",
            axis="date",
            labels=[date.fromisoformat(row["period"]) for row in periods],
            series=[Series(key, label, [row[key] for row in periods]) for key, label in sentiments],
            y_title=_("Reviews"),
        ),
        Chart(
            chart_id="aspect-chart",
            title=_("Sentiment by aspect"),
            kind="stacked-horizontal",
            labels=[row["aspect"] for row in aspects],
            series=[Series(key, label, [row[key] for row in aspects]) for key, label in sentiments],
            x_title=_("Aspect"),
            y_title=_("Mentions"),
        ),
    ]


@login_required
def insights_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    form = FilterForm(request.GET)
    filters = form.filters()
    data = insights.insights(selectors.review_list(store=store, filters=filters))
    return render(
        request,
        "reviews/insights.html",
        {
            "store": store,
            "membership": membership,
            "form": form,
            "data": data,
            "charts": _charts(data),
            "query": filters.as_query(),
            "query_string": urlencode(filters.as_query()),
            "skus": selectors.review_skus(store=store),
            "alerts": selectors.alert_list(store=store).exclude(status=SpikeAlert.Status.RESOLVED)[:10],
            **_common(store),
        },
    )


@login_required
def export_download(request: HttpRequest, store_id: int) -> StreamingHttpResponse:
    store, _membership = dashboard_store(request, store_id)
    return exporting.reviews_csv(
        selectors.review_list(store=store, filters=FilterForm(request.GET).filters())
    )


@login_required
def alert_list_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    return render(
        request,
        "reviews/alerts.html",
        {
            "store": store,
            "membership": membership,
            "alerts": selectors.alert_list(store=store)[:100],
            "deliveries": selectors.delivery_list(store=store).select_related("alert")[:50],
            "settings": selectors.review_settings_get(store=store),
        },
    )


@login_required
@require_POST
def alert_detect_action(request: HttpRequest, store_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    raised = alerts.alerts_detect(store=store)
    messages.info(request, _("New alerts: %(count)d.") % {"count": len(raised)})
    return redirect("reviews:alerts", store_id=store.pk)


@login_required
@require_POST
def alert_acknowledge_action(request: HttpRequest, store_id: int, alert_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    alert = selectors.alert_get(store=store, alert_id=alert_id)
    try:
        alerts.alert_acknowledge(alert=alert, actor=Actor.from_request(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("reviews:alerts", store_id=store.pk)


@login_required
def settings_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    current = selectors.review_settings_get(store=store)
    settings_form = ReviewSettingsForm(instance=current)
    aspect_form = CustomAspectForm()
    if request.method == "POST":
        actor = Actor.from_request(request)
        if request.POST.get("form") == "aspect":
            dashboard_store(request, store_id, role=Role.OPERATOR)
            aspect_form = CustomAspectForm(request.POST)
            if aspect_form.is_valid():
                try:
                    aspects.custom_aspect_create(
                        store=store,
                        actor=actor,
                        name=aspect_form.cleaned_data["name"],
                        examples=aspect_form.example_list(),
                    )
                except ApplicationError as error:
                    aspect_form.add_error(None, error.message)
                else:
                    messages.success(request, _("Aspect added; reviews classified from now on look for it."))
                    return redirect("reviews:settings", store_id=store.pk)
        else:
            dashboard_store(request, store_id, role=Role.OWNER)
            settings_form = ReviewSettingsForm(
                request.POST, instance=selectors.review_settings_get(store=store)
            )
            if settings_form.is_valid():
                data = settings_form.cleaned_data
                try:
                    replies.review_settings_update(
                        store=store,
                        actor=actor,
                        **{k: v for k, v in data.items() if k != "webhook_secret"},
                        webhook_secret=data.get("webhook_secret") or None,
                    )
                except ApplicationError as error:
                    settings_form.add_error(None, error.message)
                else:
                    messages.success(request, _("Settings saved."))
                    return redirect("reviews:settings", store_id=store.pk)
    return render(
        request,
        "reviews/settings.html",
        {
            "store": store,
            "membership": membership,
            "settings_form": settings_form,
            "aspect_form": aspect_form,
            "custom_aspects": selectors.custom_aspect_list(store=store),
            "default_aspects": aspects.aspect_names(store=store),
            "secret_set": bool(current.webhook_secret),
        },
    )


@login_required
@require_POST
def aspect_delete_action(request: HttpRequest, store_id: int, aspect_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    aspect = selectors.custom_aspect_get(store=store, aspect_id=aspect_id)
    aspects.custom_aspect_delete(aspect=aspect, actor=Actor.from_request(request))
    return redirect("reviews:settings", store_id=store.pk)
