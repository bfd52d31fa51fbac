"""Spike alerts: the statistical test on plain numbers, and a seeded spike that raises exactly one alert."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.reviews.models import AspectMention, SpikeAlert, WebhookDelivery
from apps.reviews.services import alerts
from apps.reviews.text.spikes import Counts, spike_test, two_proportion_z

from .helpers import make_review


def test_z_test_matches_a_worked_example() -> None:
    # 30/60 negative now against 20/200 before: pooled p = 50/260, z = 0.4 / sqrt(p(1-p)(1/60 + 1/200)).
    z, p_value = two_proportion_z(Counts(30, 60), Counts(20, 200))
    assert round(z, 3) == 6.895
    assert p_value < 1e-10


def test_too_few_reviews_or_a_small_rise_is_no_spike() -> None:
    assert spike_test(Counts(5, 5), Counts(0, 100), min_reviews=20, alpha=0.01).reason == "too_few_reviews"
    assert spike_test(Counts(10, 20), Counts(0, 5), min_reviews=20, alpha=0.01).reason == "too_few_reviews"
    # A significant but tiny rise on huge volume is not worth an alert.
    small = spike_test(Counts(10_300, 100_000), Counts(10_000, 100_000), min_reviews=20, alpha=0.01)
    assert (small.is_spike, small.reason) == (False, "small_rise")
    # The same share rise on a handful more reviews is not significant.
    noise = spike_test(Counts(6, 20), Counts(30, 200), min_reviews=20, alpha=0.01)
    assert (noise.is_spike, noise.reason) == (False, "not_significant")
    assert spike_test(Counts(30, 60), Counts(20, 200), min_reviews=20, alpha=0.01).is_spike


def _seed(
    store: Any,
    *,
    sku: str,
    days: range,
    negative_share: float,
    per_day: int,
    rng: random.Random,
    aspect: str = "",
    skus: int = 1,
) -> None:
    """Classified reviews, ``per_day`` a day; with ``skus`` > 1 spread over SKU-0, SKU-1..., with ``aspect``
    each mentions that aspect with the review's sentiment."""
    now = timezone.now()
    for day in days:
        for index in range(per_day):
            sentiment = "negative" if rng.random() < negative_share else "positive"
            review = make_review(
                store,
                f"{sku} review {day}-{index} {sentiment}",
                sku=f"{sku}-{index % skus}" if skus > 1 else sku,
                sentiment=sentiment,
                reviewed_at=now - timedelta(days=day, hours=1),
            )
            if aspect:
                AspectMention.objects.create(
                    store=store,
                    review=review,
                    aspect=aspect,
                    start=0,
                    end=5,
                    sentence=review.text,
                    sentiment=sentiment,
                    confidence=0.9,
                )


@pytest.mark.django_db
def test_a_seeded_spike_raises_exactly_one_alert(store: Any, sent_tasks: Any) -> None:
    rng = random.Random(13)
    # Baseline: the 28 days before the 7-day window, about 10% negative; then the spike, about 60%.
    # Its reviews speak of quality: the quality complaints rise store-wide too, but that is the same spike.
    _seed(store, sku="SPIKE", days=range(8, 35), negative_share=0.1, per_day=4, rng=rng, aspect="quality")
    _seed(store, sku="SPIKE", days=range(0, 7), negative_share=0.6, per_day=5, rng=rng, aspect="quality")
    # A steady product at the same volume (its aspect too), and a new one with no baseline.
    _seed(store, sku="STEADY", days=range(0, 35), negative_share=0.15, per_day=4, rng=rng, aspect="quality")
    _seed(store, sku="NEW", days=range(0, 3), negative_share=0.9, per_day=10, rng=rng)

    raised = alerts.alerts_detect(store=store)

    assert [(a.scope, a.key) for a in raised] == [("product", "SPIKE")]
    alert = raised[0]
    assert (alert.window_total, alert.baseline_total) == (35, 108)
    assert alert.window_share > 0.4 and alert.baseline_share < 0.2 and alert.p_value < 0.01
    # Detection runs again (the hourly beat, the next classification job): the spike raises nothing new.
    assert alerts.alerts_detect(store=store) == []
    assert SpikeAlert.objects.filter(store=store).count() == 1
    # No webhook set: shown in the dashboard only.
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.django_db
def test_an_aspect_spike_spread_over_many_products_raises_one_aspect_alert(store: Any) -> None:
    rng = random.Random(5)
    # Twenty products, none with enough reviews of its own; together their delivery complaints spike.
    _seed(
        store, sku="P", days=range(8, 35), negative_share=0.1, per_day=4, rng=rng, aspect="delivery", skus=20
    )
    _seed(
        store, sku="P", days=range(0, 7), negative_share=0.7, per_day=6, rng=rng, aspect="delivery", skus=20
    )
    raised = alerts.alerts_detect(store=store)
    assert [(a.scope, a.key) for a in raised] == [("aspect", "delivery")]


@pytest.mark.django_db
def test_an_alert_is_posted_once_to_the_webhook_and_resolved_when_the_spike_ends(
    store: Any, sent_tasks: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from apps.accounts.actor import Actor
    from apps.reviews.services.replies import review_settings_update

    review_settings_update(store=store, actor=Actor.system(), webhook_url="https://hooks.example.com/ecomai")
    rng = random.Random(7)
    _seed(store, sku="SPIKE", days=range(8, 35), negative_share=0.05, per_day=4, rng=rng)
    _seed(store, sku="SPIKE", days=range(0, 7), negative_share=0.7, per_day=5, rng=rng)
    with django_capture_on_commit_callbacks(execute=True):
        alerts.alerts_detect(store=store)
    delivery = WebhookDelivery.objects.get(alert__scope="product")
    assert json.loads(delivery.body)["alert"]["key"] == "SPIKE"
    assert ("reviews.deliver_webhook", (delivery.pk,), "default") in sent_tasks

    # Two weeks later the window holds calm reviews only: the alert is resolved.
    later = timezone.now() + timedelta(days=14)
    for index in range(40):
        make_review(
            store, f"calm {index}", sku="SPIKE", sentiment="positive", reviewed_at=later - timedelta(days=1)
        )
    alerts.alerts_detect(store=store, now=later)
    assert SpikeAlert.objects.get(scope="product").status == SpikeAlert.Status.RESOLVED
