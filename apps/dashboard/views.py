"""The store home: where a signed-in user lands, and each store's overview of its modules."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from apps.accounts.dashboard import dashboard_store
from apps.accounts.selectors import store_list_for_user
from apps.accounts.usage import usage_summary
from apps.jobs.selectors import job_list
from apps.reviews.selectors import alert_list

from .modules import module_states


@login_required
def home(request: HttpRequest) -> HttpResponse:
    stores = store_list_for_user(user=request.user)
    current = request.session.get("current_store_id")
    store = stores.filter(pk=current).first() if current else None
    store = store or stores.first()
    if store is None:
        return render(request, "dashboard/no_store.html")
    return redirect("dashboard:store", store_id=store.pk)


@login_required
def store_overview(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    return render(
        request,
        "dashboard/store_overview.html",
        {
            "store": store,
            "membership": membership,
            "recent_jobs": job_list(store=store)[:5],
            "usage": usage_summary(store=store),
            "review_alerts": alert_list(store=store, status="open")[:5],
            "modules": module_states(store),
        },
    )
