"""Posting alerts to a store's webhook: an HMAC-SHA256 signed body, retried with exponential backoff.

The receiver checks ``X-Ecomai-Signature: sha256=<hex>``, the HMAC-SHA256 with the store's webhook
secret of ``<X-Ecomai-Timestamp>.<raw body>``, and may refuse old timestamps (replays). Network
errors, timeouts, 408, 429 and 5xx answers are retried; other 4xx answers are not (the receiver
refused the request itself, and the same request would be refused again).

The address a delivery connects to is the one that was checked: the host is resolved once, at
connection time, every address it has must be public (unless REVIEWS_WEBHOOK_ALLOW_PRIVATE_HOSTS),
and the socket connects to those vetted addresses, so a name that resolves to a public address
when the URL is checked and to an internal one a moment later (DNS rebinding) reaches nothing
internal. Redirects are not followed (a receiver could point one at an internal address) and
environment proxies are not used: a webhook goes straight to the host the merchant entered.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from apps.core.tasks import enqueue_on_commit

from .. import conf
from ..models import ReviewSettings, WebhookDelivery

Outcome = Literal["delivered", "retry", "failed", "done"]
SIGNATURE_HEADER = "X-Ecomai-Signature"
TIMESTAMP_HEADER = "X-Ecomai-Timestamp"
RETRY_STATUSES = frozenset({408, 425, 429})
DELIVER_TASK = "reviews.deliver_webhook"


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_signature_valid(*, secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(webhook_signature(secret=secret, timestamp=timestamp, body=body), signature)


def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: 30 s, 60 s, 120 s..."""
    return conf.webhook_backoff_base() * 2 ** max(0, attempts - 1)


class UnsafeUrl(Exception):
    pass


def _allows_private_hosts() -> bool:
    return bool(getattr(settings, "REVIEWS_WEBHOOK_ALLOW_PRIVATE_HOSTS", False))


def _vetted_addresses(host: str, port: int) -> list[tuple]:  # type: ignore[type-arg]
    """``getaddrinfo`` for a TCP connection to ``host``, refusing a host with any internal address."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise UnsafeUrl(f"Cannot resolve {host}: {error}") from None
    if not _allows_private_hosts():
        for info in infos:
            ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast:
                raise UnsafeUrl(f"{host} is an internal address; webhooks go to public hosts.")
    return infos


def check_url(url: str) -> None:
    """http(s) only; hosts on private, loopback or link-local addresses only where settings allow them."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("Webhook URLs are http:// or https:// addresses.")
    if not _allows_private_hosts():
        _vetted_addresses(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))


def _pinned_connection(
    address: tuple[str, int], timeout: float | None = None, source_address: tuple[str, int] | None = None
) -> socket.socket:
    """``socket.create_connection`` to the vetted addresses of the host, resolved this once."""
    host, port = address
    error: OSError | None = None
    for family, kind, protocol, _name, sockaddr in _vetted_addresses(host, port):
        sock = socket.socket(family, kind, protocol)
        try:
            if timeout is not None:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as failure:
            error = failure
            sock.close()
    raise error or OSError(f"{host} has no address")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _pinned_connection


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    # The TLS handshake still names and verifies the host (server_hostname is self.host).
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _pinned_connection


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PinnedHTTPConnection, req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PinnedHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx answer comes back as an HTTPError


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _PinnedHTTPHandler, _PinnedHTTPSHandler, _NoRedirects
    )


@dataclass(frozen=True)
class _Attempt:
    status: int | None
    error: str


def _post(url: str, body: bytes, headers: dict[str, str]) -> _Attempt:
    # check_url allowed http(s) only.
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener().open(request, timeout=conf.webhook_timeout()) as response:
            return _Attempt(response.status, "")
    except urllib.error.HTTPError as error:
        if 300 <= error.code < 400:
            return _Attempt(error.code, f"HTTP {error.code}: webhooks do not follow redirects")
        return _Attempt(error.code, f"HTTP {error.code}")
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
        reason = getattr(error, "reason", error)
        return _Attempt(None, str(reason)[:500])


def webhook_deliveries_recover(*, older_than: timedelta = timedelta(hours=1)) -> list[int]:
    """Queue again the deliveries still pending long after their last attempt (their task was lost)."""
    stale = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, updated_at__lt=timezone.now() - older_than
    )
    recovered = []
    for delivery in stale[:500]:
        # Claim by moving updated_at, so the next run does not queue it again meanwhile.
        if WebhookDelivery.objects.filter(pk=delivery.pk, updated_at=delivery.updated_at).update(
            updated_at=timezone.now()
        ):
            enqueue_on_commit(DELIVER_TASK, args=(delivery.pk,), queue="default")
            recovered.append(delivery.pk)
    return recovered


def webhook_deliver(*, delivery_id: int) -> Outcome:
    """One attempt at a delivery; says whether it is delivered, failed for good, or worth a retry."""
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return "done"
    review_settings = ReviewSettings.objects.filter(store_id=delivery.store_id).first()
    secret = review_settings.webhook_secret if review_settings else ""
    timestamp = str(int(time.time()))
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "ecomai-webhooks/1",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: webhook_signature(secret=secret, timestamp=timestamp, body=body),
    }
    try:
        check_url(delivery.url)
        attempt = _post(delivery.url, body, headers)
    except UnsafeUrl as error:  # from the check, or from the connection's own resolution
        attempt = _Attempt(None, str(error))
        permanent = True
    else:
        permanent = (
            attempt.status is not None
            and 300 <= attempt.status < 500
            and attempt.status not in RETRY_STATUSES
        )
    attempts = delivery.attempts + 1
    if attempt.status is not None and 200 <= attempt.status < 300:
        status, outcome = WebhookDelivery.Status.DELIVERED, "delivered"
    elif permanent or attempts >= conf.webhook_max_attempts():
        status, outcome = WebhookDelivery.Status.FAILED, "failed"
    else:
        status, outcome = WebhookDelivery.Status.PENDING, "retry"
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts,
        status=status,
        response_status=attempt.status,
        last_error=attempt.error,
        delivered_at=timezone.now() if status == WebhookDelivery.Status.DELIVERED else None,
    )
    return outcome  # type: ignore[return-value]
