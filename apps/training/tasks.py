"""Celery tasks of the ``training`` queue."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(name="training.sentiment_retrain", queue="training")
def sentiment_retrain_task() -> dict[str, Any]:
    """Train the bigger sentiment recipe; it replaces the installed classifier only if it scores higher."""
    from .services import sentiment_retrain

    outcome = sentiment_retrain()
    return {
        "replaced": outcome.replaced,
        "candidate_score": outcome.candidate_score,
        "installed_score": outcome.installed_score,
    }
