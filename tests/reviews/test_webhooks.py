"""Alert webhooks against a real local HTTP server: HMAC-SHA256 signed bodies, retries with backoff."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from apps.accounts.actor import Actor
from apps.reviews.models import SpikeAlert, WebhookDelivery
from apps.reviews.services import alerts, webhooks
from apps.reviews.services.replies import review_settings_update
from apps.reviews.tasks import deliver_webhook_task

pytestmark = pytest.mark.django_db
SECRET = "test-secret-0123456789"


class Receiver:
    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.requests: list[dict[str, Any]] = []
        self.location = ""


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", state.location)
            self.end_headers()
            self.wfile.write(b"ok")

        def do_GET(self) -> None:  # only ever reached by following a redirect
            state.requests.append({"path": self.path, "headers": dict(self.headers), "body": b""})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/hooks/reviews"
    server.shutdown()
    server.server_close()


@pytest.fixture
def allow_local(settings: Any) -> None:
    settings.REVIEWS_WEBHOOK_ALLOW_PRIVATE_HOSTS = True


def _delivery(store: Any, url: str) -> WebhookDelivery:
    review_settings_update(store=store, actor=Actor.system(), webhook_url=url, webhook_secret=SECRET)
    now = timezone.now()
    alert = SpikeAlert.objects.create(
        store=store,
        scope="product",
        key="SKU-1",
        window_start=now - timedelta(days=7),
        window_end=now,
        window_negative=30,
        window_total=60,
        baseline_negative=20,
        baseline_total=200,
        z_score=6.9,
        p_value=1e-12,
    )
    return WebhookDelivery.objects.create(store=store, alert=alert, url=url, body=alerts.alert_body(alert))


def test_the_body_is_signed_with_the_store_secret(store: Any, receiver: Any, allow_local: None) -> None:
    state, url = receiver
    delivery = _delivery(store, url)

    assert webhooks.webhook_deliver(delivery_id=delivery.pk) == "delivered"

    request = state.requests[0]
    timestamp = request["headers"]["X-Ecomai-Timestamp"]
    expected = hmac.new(
        SECRET.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256
    ).hexdigest()
    assert request["headers"]["X-Ecomai-Signature"] == f"sha256={expected}"
    assert request["body"] == delivery.body.encode()
    assert b'"event": "reviews.negative_spike"' in request["body"]
    # A receiver with another secret, or a body changed on the way, does not verify.
    assert not webhooks.webhook_signature_valid(
        secret="other", timestamp=timestamp, body=request["body"], signature=f"sha256={expected}"
    )
    assert not webhooks.webhook_signature_valid(
        secret=SECRET, timestamp=timestamp, body=request["body"] + b" ", signature=f"sha256={expected}"
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 1, 200)


def test_server_errors_are_retried_by_the_task_until_delivered(
    store: Any, receiver: Any, allow_local: None
) -> None:
    state, url = receiver
    state.statuses = [500, 503, 429, 200]
    delivery = _delivery(store, url)

    # Eagerly applied, Celery runs each retry at once (a worker would wait retry_delay seconds).
    deliver_webhook_task.apply(args=(delivery.pk,))

    assert len(state.requests) == 4
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 4, 200)
    # Every attempt is signed afresh; the body is the same bytes each time.
    assert {r["body"] for r in state.requests} == {delivery.body.encode()}


def test_backoff_doubles(settings: Any) -> None:
    settings.REVIEWS_WEBHOOK_BACKOFF_SECONDS = 30
    assert [webhooks.retry_delay(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_a_refusal_is_not_retried_and_attempts_are_bounded(
    store: Any, receiver: Any, allow_local: None, settings: Any
) -> None:
    state, url = receiver
    state.statuses = [404]
    refused = _delivery(store, url)
    assert webhooks.webhook_deliver(delivery_id=refused.pk) == "failed"
    assert webhooks.webhook_deliver(delivery_id=refused.pk) == "done"  # nothing more is sent
    assert len(state.requests) == 1

    settings.REVIEWS_WEBHOOK_MAX_ATTEMPTS = 2
    state.statuses = [500, 500, 500]
    SpikeAlert.objects.all().delete()
    failing = _delivery(store, url)
    assert [webhooks.webhook_deliver(delivery_id=failing.pk) for _ in range(3)] == ["retry", "failed", "done"]
    failing.refresh_from_db()
    assert (failing.status, failing.attempts, failing.last_error) == ("failed", 2, "HTTP 500")


def test_an_unreachable_server_is_retried(store: Any, allow_local: None) -> None:
    delivery = _delivery(store, "http://127.0.0.1:9/nothing-listens-here")
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert delivery.response_status is None and delivery.last_error


def test_internal_addresses_are_refused_unless_allowed(store: Any, receiver: Any) -> None:
    state, url = receiver
    delivery = _delivery(store, url)
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert "internal address" in delivery.last_error
    assert state.requests == []


def test_a_name_that_rebinds_to_an_internal_address_reaches_nothing(
    store: Any, receiver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Public when the URL is checked, loopback a moment later: the connection resolves the
    name itself and refuses it, instead of connecting where a second lookup points."""
    state, url = receiver
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    real_getaddrinfo = webhooks.socket.getaddrinfo
    lookups: list[str] = []

    def rebinding(host: str, *args: Any, **kwargs: Any) -> Any:
        if host != "hooks.rebind.example":
            return real_getaddrinfo(host, *args, **kwargs)
        lookups.append(host)
        address = "93.184.216.34" if len(lookups) == 1 else "127.0.0.1"
        return real_getaddrinfo(address, *args, **kwargs)

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", rebinding)
    delivery = _delivery(store, f"http://hooks.rebind.example:{port}/hooks/reviews")
    lookups.clear()  # the address lookups of saving the URL are not part of the delivery
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert len(lookups) == 2 and "internal address" in delivery.last_error
    assert state.requests == []


def test_redirects_are_not_followed(store: Any, receiver: Any, allow_local: None) -> None:
    state, url = receiver
    state.statuses = [302]
    state.location = url.replace("/hooks/reviews", "/internal/admin")
    delivery = _delivery(store, url)
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.response_status == 302 and "redirects" in delivery.last_error
    assert [request["path"] for request in state.requests] == ["/hooks/reviews"]


def test_deliveries_whose_task_was_lost_are_queued_again(
    store: Any, sent_tasks: Any, django_capture_on_commit_callbacks: Any
) -> None:
    delivery = _delivery(store, "https://hooks.example.com/x")
    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks.webhook_deliveries_recover() == []  # a fresh one is still on its way
        WebhookDelivery.objects.filter(pk=delivery.pk).update(updated_at=timezone.now() - timedelta(hours=2))
        assert webhooks.webhook_deliveries_recover() == [delivery.pk]
        assert webhooks.webhook_deliveries_recover() == []  # claimed: not queued twice
    assert sent_tasks == [("reviews.deliver_webhook", (delivery.pk,), "default")]
