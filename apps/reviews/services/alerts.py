"""Spike alerts: the negative share of each product and aspect in a recent window against its own
trailing baseline (text/spikes.py), raised once per spike, resolved when the share is back to normal,
and posted to the store's webhook."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import audit_record
from apps.core.errors import ApplicationError
from apps.core.tasks import enqueue_on_commit

from ..models import AspectMention, Review, ReviewSettings, Sentiment, SpikeAlert, WebhookDelivery
from ..text.spikes import Counts, SpikeTest, spike_test
from .webhooks import DELIVER_TASK

LIVE = (SpikeAlert.Status.OPEN, SpikeAlert.Status.ACKNOWLEDGED)


def _counts(rows: list[dict[str, object]], key: str) -> dict[str, tuple[Counts, Counts]]:
    return {
        str(row[key]): (
            Counts(int(row["window_negative"]), int(row["window_total"])),  # type: ignore[call-overload]
            Counts(int(row["baseline_negative"]), int(row["baseline_total"])),  # type: ignore[call-overload]
        )
        for row in rows
    }


def _aggregates(
    field: str, window_start: datetime, baseline_start: datetime, end: datetime
) -> dict[str, Count]:
    in_window = Q(**{f"{field}__gte": window_start, f"{field}__lt": end})
    in_baseline = Q(**{f"{field}__gte": baseline_start, f"{field}__lt": window_start})
    negative = Q(sentiment=Sentiment.NEGATIVE)
    return {
        "window_total": Count("pk", filter=in_window),
        "window_negative": Count("pk", filter=in_window & negative),
        "baseline_total": Count("pk", filter=in_baseline),
        "baseline_negative": Count("pk", filter=in_baseline & negative),
    }


def spike_counts(
    *, store: Store, now: datetime, settings: ReviewSettings, scope: str, exclude_skus: Iterable[str] = ()
) -> dict[str, tuple[Counts, Counts, datetime, datetime]]:
    """key -> (window counts, baseline counts, window start, window end) of one scope; classified reviews.

    Aspects are counted without the reviews of ``exclude_skus``: the products already alerted on.
    """
    window_start = now - timedelta(days=settings.spike_window_days)
    baseline_start = window_start - timedelta(days=settings.spike_baseline_days)
    rows: QuerySet[Any, dict[str, Any]]
    if scope == SpikeAlert.Scope.PRODUCT:
        rows = (
            Review.objects.filter(store=store, reviewed_at__gte=baseline_start, reviewed_at__lt=now)
            .exclude(sentiment="")
            .values("sku")
            .annotate(**_aggregates("reviewed_at", window_start, baseline_start, now))
        )
        key = "sku"
    else:
        rows = (
            AspectMention.objects.filter(
                store=store, review__reviewed_at__gte=baseline_start, review__reviewed_at__lt=now
            )
            .exclude(review__sku__in=list(exclude_skus))
            .values("aspect")
            .annotate(**_aggregates("review__reviewed_at", window_start, baseline_start, now))
        )
        key = "aspect"
    return {
        name: (window, baseline, window_start, now)
        for name, (window, baseline) in _counts(list(rows), key).items()
    }


def alerts_detect(*, store: Store, now: datetime | None = None) -> list[SpikeAlert]:
    """Test every product, then every aspect; raise an alert for each new spike, resolve those that ended.

    One spike, one alert: a product's bad week also raises the share of its aspects' complaints
    store-wide, so aspects are tested without the reviews of the products that are spiking. An aspect
    alert then says what no product alert explains (late deliveries across the catalog, say).
    """
    now = now or timezone.now()
    settings, _created = ReviewSettings.objects.get_or_create(store=store)
    live = {(a.scope, a.key): a for a in SpikeAlert.objects.filter(store=store, status__in=LIVE)}
    raised: list[SpikeAlert] = []
    spiking: set[str] = set()
    for scope in (SpikeAlert.Scope.PRODUCT, SpikeAlert.Scope.ASPECT):
        counts = spike_counts(store=store, now=now, settings=settings, scope=scope, exclude_skus=spiking)
        for key, (window, baseline, start, end) in counts.items():
            test = spike_test(
                window, baseline, min_reviews=settings.spike_min_reviews, alpha=settings.spike_alpha
            )
            current = live.get((scope, key))
            if test.is_spike and scope == SpikeAlert.Scope.PRODUCT:
                spiking.add(key)
            if test.is_spike and current is None:
                alert = _raise(store, settings, scope, key, window, baseline, start, end, test)
                if alert is not None:
                    raised.append(alert)
            elif current is not None and not test.is_spike and test.reason != "too_few_reviews":
                SpikeAlert.objects.filter(pk=current.pk, status__in=LIVE).update(
                    status=SpikeAlert.Status.RESOLVED, resolved_at=now
                )
    return raised


@transaction.atomic
def _raise(
    store: Store,
    settings: ReviewSettings,
    scope: str,
    key: str,
    window: Counts,
    baseline: Counts,
    start: datetime,
    end: datetime,
    test: SpikeTest,
) -> SpikeAlert | None:
    try:
        with transaction.atomic():
            alert = SpikeAlert.objects.create(
                store=store,
                scope=scope,
                key=key,
                window_start=start,
                window_end=end,
                window_negative=window.negative,
                window_total=window.total,
                baseline_negative=baseline.negative,
                baseline_total=baseline.total,
                z_score=test.z_score,
                p_value=test.p_value,
            )
    except IntegrityError:
        return None  # another detection run raised it a moment ago: once per spike
    audit_record(
        actor=Actor.system(),
        action="reviews.alert_raised",
        store=store,
        target=alert,
        metadata={"scope": scope, "key": key, "p_value": test.p_value},
    )
    if settings.webhook_url:
        delivery = WebhookDelivery.objects.create(
            store=store, alert=alert, url=settings.webhook_url, body=alert_body(alert)
        )
        enqueue_on_commit(DELIVER_TASK, args=(delivery.pk,), queue="default")
    return alert


def alert_body(alert: SpikeAlert) -> str:
    """The JSON the webhook receives (signed as these exact bytes)."""
    return json.dumps(
        {
            "event": "reviews.negative_spike",
            "alert": {
                "id": alert.pk,
                "store": alert.store_id,
                "scope": alert.scope,
                "key": alert.key,
                "window_start": alert.window_start.isoformat(),
                "window_end": alert.window_end.isoformat(),
                "window_negative": alert.window_negative,
                "window_total": alert.window_total,
                "window_negative_share": round(alert.window_share, 4),
                "baseline_negative": alert.baseline_negative,
                "baseline_total": alert.baseline_total,
                "baseline_negative_share": round(alert.baseline_share, 4),
                "z_score": round(alert.z_score, 3),
                "p_value": alert.p_value,
            },
        },
        ensure_ascii=False,
        sort_keys=True,
    )


@transaction.atomic
def alert_acknowledge(*, alert: SpikeAlert, actor: Actor) -> SpikeAlert:
    """Someone is on it. The alert stays live (no new alert for this spike) until the share is normal."""
    if alert.status != SpikeAlert.Status.OPEN:
        raise ApplicationError("Only an open alert can be acknowledged.", code="alert_not_open")
    alert.status = SpikeAlert.Status.ACKNOWLEDGED
    alert.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="reviews.alert_acknowledged", store=alert.store, target=alert)
    return alert
