"""Monthly quotas on generated tokens, per store.

``StoreQuotaMeter`` is the inference layer's usage meter (registered when Django starts, by the
dashboard app, which sits above both; this module imports no inference code): every ``generate``
for a store is checked against the
store's monthly quota first and counted after. The count is an atomic upsert, so concurrent
workers never lose an update; a call that starts under the quota finishes even if it crosses it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Store, StoreUsage


def current_month() -> dt.date:
    return timezone.now().date().replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def store_quota(store: Store) -> int:
    """Generated tokens a month the store may use; 0 is no limit."""
    if store.monthly_token_quota is not None:
        return int(store.monthly_token_quota)
    return int(settings.STORE_MONTHLY_TOKEN_QUOTA)


@dataclass(frozen=True)
class UsageSummary:
    month: dt.date
    requests: int
    prompt_tokens: int
    generated_tokens: int
    quota: int  # 0: no limit
    resets_on: dt.date

    @property
    def remaining(self) -> int | None:
        return None if not self.quota else max(self.quota - self.generated_tokens, 0)

    @property
    def percent_used(self) -> int | None:
        return None if not self.quota else min(100, round(100 * self.generated_tokens / self.quota))


def usage_summary(*, store: Store) -> UsageSummary:
    month = current_month()
    row = StoreUsage.objects.filter(store=store, month=month).first()
    return UsageSummary(
        month=month,
        requests=row.requests if row else 0,
        prompt_tokens=row.prompt_tokens if row else 0,
        generated_tokens=row.generated_tokens if row else 0,
        quota=store_quota(store),
        resets_on=next_month(month),
    )


class StoreQuotaMeter:
    """The inference layer's usage meter for stores (``apps.inference.usage.UsageMeter``)."""

    def refusal(self, store: object) -> str | None:
        store = _store(store)
        quota = store_quota(store)
        if not quota:
            return None
        month = current_month()
        used = StoreUsage.objects.filter(store=store, month=month).values_list("generated_tokens", flat=True)
        if (used.first() or 0) < quota:
            return None
        return _(
            "This store has used its %(quota)s generated tokens for this month; the quota renews on "
            "%(date)s. The operator of this server can raise it."
        ) % {"quota": f"{quota:,}", "date": next_month(month).isoformat()}

    def record(self, store: object, *, prompt_tokens: int, generated_tokens: int) -> None:
        store = _store(store)
        month = current_month()
        updated = StoreUsage.objects.filter(store=store, month=month).update(
            requests=F("requests") + 1,
            prompt_tokens=F("prompt_tokens") + prompt_tokens,
            generated_tokens=F("generated_tokens") + generated_tokens,
        )
        if not updated:
            _row, created = StoreUsage.objects.get_or_create(
                store=store,
                month=month,
                defaults={
                    "requests": 1,
                    "prompt_tokens": prompt_tokens,
                    "generated_tokens": generated_tokens,
                },
            )
            if not created:  # another process made the row between the update and the insert
                self.record(store, prompt_tokens=prompt_tokens, generated_tokens=generated_tokens)


def _store(store: object) -> Store:
    if isinstance(store, Store):
        return store
    return Store.objects.get(pk=store.pk)  # type: ignore[attr-defined]
