"""Dashboard pages of the model loop: datasets, labels, runs with their loss chart, versions."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.actor import Actor
from apps.accounts.dashboard import dashboard_store
from apps.accounts.models import Role
from apps.core.errors import ApplicationError
from apps.reviews.models import Review, Sentiment
from apps.reviews.selectors import review_get

from . import selectors
from .forms import DatasetForm, RunForm
from .models import Kind
from .services import datasets, runs, versions

UNLABELLED_SHOWN = 20


@login_required
def home_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    unlabelled = Review.objects.filter(store=store, human_label__isnull=True).order_by("-reviewed_at", "-id")
    return render(
        request,
        "training/home.html",
        {
            "store": store,
            "membership": membership,
            "in_use": [
                (kind, label, selectors.active_versions(store=store)[kind])
                for kind, label in (
                    (Kind.SENTIMENT, Kind.SENTIMENT.label),
                    (Kind.DESCRIPTION, Kind.DESCRIPTION.label),
                )
            ],
            "datasets": selectors.dataset_list(store=store)[:50],
            "runs": selectors.run_list(store=store)[:50],
            "versions": selectors.version_list(store=store)[:50],
            "dataset_form": DatasetForm(),
            "run_form": RunForm(store=store),
            "unlabelled": unlabelled[:UNLABELLED_SHOWN],
            "sentiments": Sentiment.choices,
        },
    )


@login_required
@require_POST
def dataset_create_action(request: HttpRequest, store_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    form = DatasetForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("The dataset form has errors: %(errors)s") % {"errors": form.errors.as_text()}
        )
        return redirect("training:home", store_id=store.pk)
    try:
        dataset = datasets.dataset_build(
            store=store, actor=Actor.from_request(request), options=form.options()
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("training:home", store_id=store.pk)
    return redirect("training:dataset", store_id=store.pk, dataset_id=dataset.pk)


@login_required
def dataset_page(request: HttpRequest, store_id: int, dataset_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    dataset = selectors.dataset_get(store=store, dataset_id=dataset_id)
    return render(
        request,
        "training/dataset.html",
        {
            "store": store,
            "membership": membership,
            "dataset": dataset,
            "splits": [
                (split, dataset.split_counts.get(split, 0), dataset.label_balance.get(split, {}), rows)
                for split, rows in selectors.dataset_preview(dataset=dataset).items()
            ],
        },
    )


@login_required
@require_POST
def label_action(request: HttpRequest, store_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    label = request.POST.get("label", "")
    if label in Sentiment.values:
        review = review_get(store=store, review_id=request.POST.get("review_id"))
        datasets.review_label_set(store=store, review=review, label=label, actor=Actor.from_request(request))
    return redirect("training:home", store_id=store.pk)


@login_required
@require_POST
def run_start_action(request: HttpRequest, store_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    form = RunForm(request.POST, store=store)
    if not form.is_valid():
        messages.error(request, _("The run form has errors: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("training:home", store_id=store.pk)
    dataset = form.cleaned_data["dataset"]
    try:
        run = runs.run_start(
            store=store,
            actor=Actor.from_request(request),
            dataset=dataset,
            config=form.config(dataset.kind),
            base_version=form.cleaned_data["base_version"],
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("training:home", store_id=store.pk)
    return redirect("training:run", store_id=store.pk, run_id=run.pk)


def loss_chart(history: list[dict[str, Any]]) -> str:
    """The loss chart's data: training loss and validation loss by step."""
    train = [{"x": point["step"], "y": point["loss"]} for point in history if "loss" in point]
    valid = [{"x": point["step"], "y": point["eval_loss"]} for point in history if "eval_loss" in point]
    return json.dumps(
        {
            "series": [
                {"label": _("Training loss"), "data": train},
                {"label": _("Validation loss"), "data": valid},
            ]
        }
    )


@login_required
def run_page(request: HttpRequest, store_id: int, run_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    run = selectors.run_get(store=store, run_id=run_id)
    template = "training/_run_status.html" if request.htmx else "training/run.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {
            "store": store,
            "membership": membership,
            "run": run,
            "version": getattr(run, "version", None),
            "chart": loss_chart(run.history),
            "active": run.status in ("queued", "running", "evaluating"),
        },
    )


@login_required
@require_POST
def run_cancel_action(request: HttpRequest, store_id: int, run_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    run = selectors.run_get(store=store, run_id=run_id)
    try:
        runs.run_cancel(run=run, actor=Actor.from_request(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("training:run", store_id=store.pk, run_id=run.pk)


@login_required
@require_POST
def version_activate_action(request: HttpRequest, store_id: int, version_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OWNER)
    version = selectors.version_get(store=store, version_id=version_id)
    try:
        versions.version_activate(
            store=store, version=version, kind=version.kind, actor=Actor.from_request(request)
        )
        messages.success(request, _("%(key)s now serves this store.") % {"key": version.key})
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("training:home", store_id=store.pk)


@login_required
@require_POST
def rollback_action(request: HttpRequest, store_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OWNER)
    kind = request.POST.get("kind", "")
    try:
        if request.POST.get("to") == "default":
            versions.version_activate(store=store, version=None, kind=kind, actor=Actor.from_request(request))
        else:
            versions.version_rollback(store=store, kind=kind, actor=Actor.from_request(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("training:home", store_id=store.pk)
