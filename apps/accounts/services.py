"""Writes of tenancy data: merchants, stores, memberships, API tokens and the audit log."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, TypedDict, Unpack

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.core.errors import ApplicationError, ConflictError

from .actor import Actor
from .models import ApiToken, AuditEvent, Membership, Merchant, Role, Store

TOKEN_PREFIX = "eco"  # noqa: S105  (a public marker, not a secret)
# last_used_at is written at most this often per token, so a busy client does not write per request.
TOKEN_TOUCH_INTERVAL = timedelta(seconds=60)


# --- audit ------------------------------------------------------------------------------


def audit_record(
    *,
    actor: Actor,
    action: str,
    store: Store | None = None,
    target: models.Model | None = None,
    metadata: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        store=store,
        actor=actor.user_or_none,
        token=actor.token,
        source=actor.source,
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:200] if target is not None else "",
        ip_address=actor.ip_address,
        metadata=metadata or {},
    )


# --- merchants and stores ---------------------------------------------------------------


def _unique_slug(*, merchant: Merchant, name: str) -> str:
    base = slugify(name)[:70] or "store"
    slug, counter = base, 2
    while Store.objects.filter(merchant=merchant, slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


@transaction.atomic
def merchant_create(
    *,
    name: str,
    owner: User,
    store_name: str,
    actor: Actor,
    default_language: str = Store.Language.ENGLISH,
    currency: str = "USD",
) -> Store:
    """A new tenant with its first store, owned by ``owner``."""
    merchant = Merchant.objects.create(name=name.strip())
    store = Store.objects.create(
        merchant=merchant,
        name=store_name.strip(),
        slug=_unique_slug(merchant=merchant, name=store_name),
        default_language=default_language,
        currency=currency,
    )
    Membership.objects.create(user=owner, store=store, role=Role.OWNER)
    audit_record(actor=actor, action="merchant.created", store=store, target=merchant)
    return store


class StoreSettings(TypedDict, total=False):
    """The store fields a merchant sets (keyword arguments of store_create / store_update)."""

    name: str
    default_language: str
    currency: str


@transaction.atomic
def store_create(
    *,
    merchant: Merchant,
    name: str,
    actor: Actor,
    default_language: str = Store.Language.ENGLISH,
    currency: str = "USD",
) -> Store:
    """Another store for a merchant; the acting user, an owner of one of its stores, owns it."""
    user = actor.user_or_none
    if (
        user is None
        or not Membership.objects.filter(user=user, store__merchant=merchant, role=Role.OWNER).exists()
    ):
        raise ApplicationError("Only an owner of this merchant's stores may add a store.", code="forbidden")
    store = Store.objects.create(
        merchant=merchant,
        name=name.strip(),
        slug=_unique_slug(merchant=merchant, name=name),
        default_language=default_language,
        currency=currency,
    )
    Membership.objects.create(user=user, store=store, role=Role.OWNER)
    audit_record(actor=actor, action="store.created", store=store, target=store)
    return store


@transaction.atomic
def store_update(*, store: Store, actor: Actor, **fields: Unpack[StoreSettings]) -> Store:
    changed = {}
    for name, value in fields.items():
        if getattr(store, name) != value:
            changed[name] = value
            setattr(store, name, value)
    if changed:
        store.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor, action="store.updated", store=store, target=store, metadata={"fields": list(changed)}
        )
    return store


# --- memberships ------------------------------------------------------------------------


def _owner_count(store: Store) -> int:
    return Membership.objects.filter(store=store, role=Role.OWNER).count()


@transaction.atomic
def membership_add(*, store: Store, username_or_email: str, role: str, actor: Actor) -> Membership:
    User = get_user_model()
    lookup = username_or_email.strip()
    user = User.objects.filter(models.Q(username=lookup) | models.Q(email__iexact=lookup)).first()
    if user is None:
        raise ApplicationError(f"No user named {lookup!r}.", code="user_not_found")
    if Membership.objects.filter(store=store, user=user).exists():
        raise ConflictError(f"{user} is already a member of this store.", code="already_member")
    membership = Membership.objects.create(store=store, user=user, role=Role(role))
    audit_record(
        actor=actor, action="membership.added", store=store, target=membership, metadata={"role": role}
    )
    return membership


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, actor: Actor) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(membership.store) == 1:
        raise ApplicationError("A store keeps at least one owner.", code="last_owner")
    previous = membership.role
    membership.role = Role(role)
    membership.save(update_fields=["role", "updated_at"])
    audit_record(
        actor=actor,
        action="membership.role_changed",
        store=membership.store,
        target=membership,
        metadata={"from": previous, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: Actor) -> None:
    if membership.role == Role.OWNER and _owner_count(membership.store) == 1:
        raise ApplicationError("A store keeps at least one owner.", code="last_owner")
    audit_record(
        actor=actor,
        action="membership.removed",
        store=membership.store,
        target=membership,
        metadata={"user": str(membership.user)},
    )
    membership.delete()


# --- API tokens -------------------------------------------------------------------------


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: User, name: str, actor: Actor, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token and its secret. The secret exists only in this return value."""
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or "API token",
        prefix=prefix,
        key_hash=_hash_secret(secret),
        expires_at=expires_at,
    )
    audit_record(actor=actor, action="token.created", target=token)
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(actor=actor, action="token.revoked", target=token)
    return token


def api_token_authenticate(*, secret: str, ip_address: str | None = None) -> ApiToken | None:
    """The active token for a presented secret, with its use recorded; None if unknown or revoked."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not secrets.compare_digest(token.key_hash, _hash_secret(secret)):
        return None
    if not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_TOUCH_INTERVAL:
        # Conditional update: of concurrent requests, only one records the use.
        touched = ApiToken.objects.filter(pk=token.pk, last_used_at=token.last_used_at).update(
            last_used_at=now
        )
        token.last_used_at = now
        if touched:
            audit_record(
                actor=Actor(user=token.user, source="api", token=token, ip_address=ip_address),
                action="token.used",
                target=token,
            )
    return token
