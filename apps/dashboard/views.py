"""The store home: where a signed-in user lands, and each store's overview of its modules."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from apps.accounts.dashboard import dashboard_store
from apps.accounts.models import Store
from apps.accounts.selectors import store_list_for_user
from apps.accounts.usage import usage_summary
from apps.core.charts import Chart, Series
from apps.jobs.selectors import job_list
from apps.reviews.insights import sentiment_over_time
from apps.reviews.selectors import alert_list, review_list

from .modules import module_states


def _sentiment_chart(store: Store) -> Chart | None:
    """The store's review sentiment week by week, once some reviews are classified."""
    periods = sentiment_over_time(review_list(store=store), "week")["periods"]
    if not periods:
        return None
    sentiments = (("positive", _("Positive")), ("neutral", _("Neutral")), ("negative", _("Negative")))
    return Chart(
        chart_id="home-sentiment-chart",
        title=_("Review sentiment by week"),
        kind="stacked",
        axis="date",
        labels=[date.fromisoformat(row["period"]) for row in periods],
        series=[Series(key, label, [row[key] for row in periods]) for key, label in sentiments],
        x_title=_("Week"),
        y_title=_("Reviews"),
    )


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
            "sentiment_chart": _sentiment_chart(store),
        },
    )
