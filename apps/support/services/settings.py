"""A store's support settings: the widget's key and allowed sites, and the index generation."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import F

from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import audit_record
from apps.core.errors import ApplicationError

from ..models import SupportSettings, new_widget_key

MAX_ORIGINS = 50


def support_settings_for(*, store: Store) -> SupportSettings:
    settings, _created = SupportSettings.objects.get_or_create(store=store)
    return settings


def index_changed(*, store: Store) -> None:
    """The store's chunks changed: every process rebuilds its index before the next question."""
    support_settings_for(store=store)
    SupportSettings.objects.filter(store=store).update(index_generation=F("index_generation") + 1)


def normalise_origin(value: str) -> str:
    """'https://Shop.example/path' -> 'https://shop.example'; raises ValueError if it is not a web origin."""
    text = value.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{text[:80]!r} is not a site address such as https://shop.example")
    if parts.username or parts.password:
        raise ValueError(f"{text[:80]!r}: a site address has no user name or password")
    host = parts.hostname.lower()
    default_port = {"http": 80, "https": 443}[parts.scheme]
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{text[:80]!r} has an invalid port") from None
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default_port else "")


@transaction.atomic
def widget_settings_update(
    *, store: Store, actor: Actor, allowed_origins: list[str] | None = None, greeting: str | None = None
) -> SupportSettings:
    settings = support_settings_for(store=store)
    if allowed_origins is not None:
        cleaned: list[str] = []
        for origin in allowed_origins:
            if not origin.strip():
                continue
            try:
                normalised = normalise_origin(origin)
            except ValueError as error:
                raise ApplicationError(str(error), code="invalid_origin") from None
            if normalised not in cleaned:
                cleaned.append(normalised)
        if len(cleaned) > MAX_ORIGINS:
            raise ApplicationError(f"At most {MAX_ORIGINS} sites.", code="invalid_origin")
        settings.allowed_origins = cleaned
    if greeting is not None:
        settings.greeting = greeting.strip()[:300]
    settings.save()
    audit_record(
        actor=actor,
        action="support.widget_updated",
        store=store,
        target=settings,
        metadata={"allowed_origins": settings.allowed_origins},
    )
    return settings


@transaction.atomic
def widget_key_rotate(*, store: Store, actor: Actor) -> SupportSettings:
    """A new public key: the snippet pasted before stops working (a key copied where it should not be)."""
    settings = support_settings_for(store=store)
    settings.widget_key = new_widget_key()
    settings.save(update_fields=["widget_key", "updated_at"])
    audit_record(actor=actor, action="support.widget_key_rotated", store=store, target=settings)
    return settings


def origin_allowed(*, settings: SupportSettings, origin: str) -> bool:
    try:
        return normalise_origin(origin) in (settings.allowed_origins or [])
    except ValueError:
        return False
