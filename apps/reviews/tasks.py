"""Celery tasks of reviews: they take ids and call a service (queued by name from the services)."""

from __future__ import annotations

from celery import shared_task

from apps.accounts.models import Store

from .services import alerts, classification, webhooks


@shared_task(name=classification.CLASSIFY_NEW_TASK, ignore_result=True, acks_late=True)
def classify_new_task(store_id: int) -> None:
    store = Store.objects.filter(pk=store_id).first()
    if store is not None:
        classification.reviews_classify_pending(store=store)


@shared_task(name=classification.DETECT_SPIKES_TASK, ignore_result=True, acks_late=True)
def detect_spikes_task(store_id: int) -> None:
    store = Store.objects.filter(pk=store_id).first()
    if store is not None:
        alerts.alerts_detect(store=store)


@shared_task(name="reviews.detect_spikes_all", ignore_result=True)
def detect_spikes_all_task() -> None:
    """Beat: time moves on without new reviews (a window ends, a spike fades); lost deliveries go again."""
    webhooks.webhook_deliveries_recover()
    for store_id in Store.objects.filter(reviews__isnull=False).values_list("pk", flat=True).distinct():
        detect_spikes_task.delay(store_id)


@shared_task(name=webhooks.DELIVER_TASK, bind=True, ignore_result=True, acks_late=True, max_retries=None)
def deliver_webhook_task(self, delivery_id: int) -> str:  # type: ignore[no-untyped-def]
    """One attempt; a retryable failure is retried later, each time waiting twice as long."""
    outcome = webhooks.webhook_deliver(delivery_id=delivery_id)
    if outcome == "retry":
        attempts = webhooks.WebhookDelivery.objects.get(pk=delivery_id).attempts
        raise self.retry(countdown=webhooks.retry_delay(attempts))
    return outcome
