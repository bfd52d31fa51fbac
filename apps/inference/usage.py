"""Metering of generated tokens per store, for quotas.

The inference layer knows no tenants; whoever owns quotas registers a meter with
``set_usage_meter``. ``generate`` and ``generate_stream`` ask it before a store's call (a
``refusal`` becomes ``QuotaExceeded``) and tell it what the call produced (``record``). Calls
without a store (benchmarks, model installs) are not metered.
"""

from __future__ import annotations

from typing import Protocol

from .errors import QuotaExceeded
from .types import StoreRef


class UsageMeter(Protocol):
    def refusal(self, store: StoreRef) -> str | None:
        """Why the store may not generate now (shown to the caller), or None."""

    def record(self, store: StoreRef, *, prompt_tokens: int, generated_tokens: int) -> None:
        """Count one call's tokens against the store."""


_meter: UsageMeter | None = None


def set_usage_meter(meter: UsageMeter | None) -> None:
    global _meter
    _meter = meter


def check(store: StoreRef | None) -> None:
    if store is not None and _meter is not None and (reason := _meter.refusal(store)):
        raise QuotaExceeded(reason)


def record(store: StoreRef | None, *, prompt_tokens: int, generated_tokens: int) -> None:
    if store is not None and _meter is not None and (prompt_tokens or generated_tokens):
        _meter.record(store, prompt_tokens=prompt_tokens, generated_tokens=generated_tokens)
