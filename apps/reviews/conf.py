"""Review settings read from Django settings (REVIEWS_*), with their defaults."""

from __future__ import annotations

from django.conf import settings


def sentiment_model() -> str | None:
    """The classifier's model key; None uses the store's activated or the default classify model."""
    return getattr(settings, "REVIEWS_SENTIMENT_MODEL", "") or None


def aspect_embed_model() -> str | None:
    """The embedding model that finds aspects; the multilingual one, as reviews come in Chinese too."""
    return getattr(settings, "REVIEWS_ASPECT_EMBED_MODEL", "multilingual-e5-small") or None


def reply_model() -> str | None:
    return getattr(settings, "REVIEWS_REPLY_MODEL", "") or None


def classify_batch() -> int:
    """Reviews one job item classifies in one batched call."""
    return int(getattr(settings, "REVIEWS_CLASSIFY_BATCH", 32))


def webhook_timeout() -> float:
    return float(getattr(settings, "REVIEWS_WEBHOOK_TIMEOUT_SECONDS", 10.0))


def webhook_max_attempts() -> int:
    return int(getattr(settings, "REVIEWS_WEBHOOK_MAX_ATTEMPTS", 6))


def webhook_backoff_base() -> float:
    """Seconds before the first retry; each later retry waits twice as long (30 s, 1 min, 2 min...)."""
    return float(getattr(settings, "REVIEWS_WEBHOOK_BACKOFF_SECONDS", 30.0))
