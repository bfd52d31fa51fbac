"""Jobs pages: list and detail with live progress (htmx polls a fragment while a job is active)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.actor import Actor
from apps.accounts.dashboard import dashboard_store
from apps.accounts.models import Role, Store
from apps.core.charts import Chart, Series
from apps.core.errors import ApplicationError
from apps.core.selectors import queue_statuses

from . import selectors, services
from .models import Job, JobItem

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
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "jobs/_job_rows.html", {"store": store, "rows": rows})
    return render(
        request,
        "jobs/list.html",
        {
            "store": store,
            "membership": membership,
            "rows": rows,
            "status": status,
            "throughput": _throughput_chart(store),
        },
    )


def _throughput_chart(store: Store) -> Chart:
    throughput = selectors.job_throughput(store=store)
    return Chart(
        chart_id="throughput-chart",
        title=_("Items finished per hour") if throughput.bucket == "hour" else _("Items finished per day"),
        kind="stacked",
        axis="datetime" if throughput.bucket == "hour" else "date",
        labels=[
            timezone.localtime(period) if throughput.bucket == "hour" else timezone.localtime(period).date()
            for period in throughput.periods
        ],
        series=[
            Series("succeeded", _("Succeeded"), throughput.succeeded),
            Series("failed", _("Failed"), throughput.failed),
        ],
        x_title=_("Period"),
        y_title=_("Items"),
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
    progress = selectors.job_progress(job=job)
    response = render(request, "jobs/_progress.html", {"store": store, "job": job, "progress": progress})
    if not job.is_active:
        # The page was polling while the job ran: the last answer says how it ended, as a toast.
        response["HX-Trigger"] = json.dumps({"toast": _finished_toast(job, progress)}, ensure_ascii=False)
    return response


def _finished_toast(job: Job, progress: selectors.JobProgress) -> dict[str, str]:
    title = job.title or job.kind
    if job.status == Job.Status.SUCCEEDED and not progress.failed:
        message = _("%(job)s finished: %(done)s of %(total)s done.")
        level = "success"
    elif job.status == Job.Status.CANCELLED:
        message = _("%(job)s was cancelled after %(done)s of %(total)s.")
        level = "warning"
    else:
        message = _("%(job)s finished with %(failed)s failed of %(total)s: read the errors, then retry them.")
        level = "error"
    values = {"job": title, "done": progress.done, "total": progress.total, "failed": progress.failed}
    return {"message": message % values, "level": level}


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
