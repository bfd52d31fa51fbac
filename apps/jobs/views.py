"""Jobs pages: list and detail with live progress (htmx polls a fragment while a job is active)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.actor import Actor
from apps.accounts.dashboard import dashboard_store
from apps.accounts.models import Role
from apps.core.errors import ApplicationError
from apps.core.selectors import queue_statuses

from . import selectors, services
from .models import JobItem

PAGE_SIZE = 50


@login_required
def job_list_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    jobs = selectors.job_list(store=store)
    status = request.GET.get("status")
    if status:
        jobs = jobs.filter(status=status)
    statuses = queue_statuses()
    rows = [
        (job, selectors.job_progress(job=job), selectors.job_queue_status(job=job, statuses=statuses))
        for job in jobs[:PAGE_SIZE]
    ]
    template = "jobs/_job_rows.html" if request.htmx else "jobs/list.html"  # type: ignore[attr-defined]
    return render(
        request, template, {"store": store, "membership": membership, "rows": rows, "status": status}
    )


@login_required
def job_detail_page(request: HttpRequest, store_id: int, job_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    job = selectors.job_get(store=store, job_id=job_id)
    failed_items = selectors.job_item_list(job=job).filter(status=JobItem.Status.FAILED)[:200]
    return render(
        request,
        "jobs/detail.html",
        {
            "store": store,
            "membership": membership,
            "job": job,
            "progress": selectors.job_progress(job=job),
            "failed_items": failed_items,
        },
    )


@login_required
def job_progress_fragment(request: HttpRequest, store_id: int, job_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id)
    job = selectors.job_get(store=store, job_id=job_id)
    return render(
        request,
        "jobs/_progress.html",
        {"store": store, "job": job, "progress": selectors.job_progress(job=job)},
    )


def _act(request: HttpRequest, store_id: int, job_id: int, action: str) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    job = selectors.job_get(store=store, job_id=job_id)
    try:
        if action == "cancel":
            services.job_cancel(job=job, actor=Actor.from_request(request))
        else:
            services.job_retry(job=job, actor=Actor.from_request(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("jobs:detail", store_id=store.pk, job_id=job.pk)


@login_required
@require_POST
def job_cancel_action(request: HttpRequest, store_id: int, job_id: int) -> HttpResponse:
    return _act(request, store_id, job_id, "cancel")


@login_required
@require_POST
def job_retry_action(request: HttpRequest, store_id: int, job_id: int) -> HttpResponse:
    return _act(request, store_id, job_id, "retry")
