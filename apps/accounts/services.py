"""Writes of tenancy data: merchants, stores, memberships, invitations, API tokens and the audit log."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypedDict, Unpack

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError, ConflictError

from .actor import Actor
from .models import ApiToken, AuditEvent, Invitation, Membership, Merchant, Role, Store

logger = logging.getLogger(__name__)

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


def _owned_store(
    *, merchant: Merchant, name: str, owner: User, default_language: str, currency: str
) -> Store:
    store = Store.objects.create(
        merchant=merchant,
        name=name.strip(),
        slug=_unique_slug(merchant=merchant, name=name),
        default_language=default_language,
        currency=currency,
    )
    Membership.objects.create(user=owner, store=store, role=Role.OWNER)
    return store


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
    store = _owned_store(
        merchant=merchant, name=store_name, owner=owner, default_language=default_language, currency=currency
    )
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
    store = _owned_store(
        merchant=merchant, name=name, owner=user, default_language=default_language, currency=currency
    )
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


# --- invitations ------------------------------------------------------------------------


class InvitationInvalid(ApplicationError):
    """One answer for an unknown, expired, used, declined or revoked invitation: it tells nothing more."""

    code = "invitation_invalid"
    status_code = 404

    def __init__(self) -> None:
        super().__init__("This invitation link is not valid: it may have expired, been used or been revoked.")


def normalise_email(email: str) -> str:
    return email.strip().lower()


@transaction.atomic
def invitation_create(
    *, store: Store, email: str, role: str, actor: Actor, link_for: Callable[[str], str]
) -> tuple[Invitation, str]:
    """Invite ``email`` to ``store`` as ``role``; returns the invitation and its link.

    No account is looked up: the answer is the same whether the address belongs to a user of this
    platform, of another merchant, or to nobody yet (who may create an account from the link). A
    new invitation to an address replaces its pending one (a new link: "send again"). The link is
    e-mailed to the address once the transaction commits, and returned for the owner to pass on.
    """
    address = normalise_email(email)
    if Membership.objects.filter(store=store, user__email__iexact=address).exists():
        # Only what the owner already sees in the members list.
        raise ConflictError(f"{address} is already a member of this store.", code="already_member")
    now = timezone.now()
    Invitation.objects.filter(store=store, email=address, status=Invitation.Status.PENDING).update(
        status=Invitation.Status.REVOKED, closed_at=now, updated_at=now
    )
    open_count = Invitation.objects.filter(
        store=store, status=Invitation.Status.PENDING, expires_at__gt=now
    ).count()
    if open_count >= settings.INVITATIONS_MAX_OPEN_PER_STORE:
        raise ApplicationError(
            "This store has too many open invitations; revoke some first.", code="too_many_invitations"
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        store=store,
        email=address,
        role=Role(role),
        token_hash=Invitation.hash_token(token),
        invited_by=actor.user_or_none,
        expires_at=now + timedelta(days=settings.INVITATION_TTL_DAYS),
    )
    link = link_for(token)
    audit_record(
        actor=actor,
        action="invitation.created",
        store=store,
        target=invitation,
        metadata={"email": address, "role": role},
    )
    transaction.on_commit(lambda: _invitation_email_send(invitation=invitation, link=link))
    return invitation, link


def _invitation_email_send(*, invitation: Invitation, link: str) -> None:
    language = "zh-hans" if invitation.store.default_language == Store.Language.CHINESE else "en"
    inviter = invitation.invited_by.get_username() if invitation.invited_by else "ecomai"
    with translation.override(language):
        subject = _("You are invited to %(store)s on ecomai") % {"store": invitation.store.name}
        body = _(
            "%(inviter)s invites you to join %(store)s on ecomai as %(role)s.\n\n"
            "Open this link to accept (or decline) the invitation; it works once and expires on "
            "%(expires)s:\n\n%(link)s\n\nIf you did not expect this, ignore this e-mail."
        ) % {
            "inviter": inviter,
            "store": invitation.store.name,
            "role": Role(invitation.role).label,
            "expires": f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC",
            "link": link,
        }
    try:
        send_mail(str(subject), str(body), None, [invitation.email])
    except Exception:  # the owner has the link too; a mail server that is down loses nothing
        logger.exception("Invitation %s: the e-mail could not be sent", invitation.pk)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: Actor) -> Invitation:
    if invitation.status == Invitation.Status.PENDING:
        invitation.status = Invitation.Status.REVOKED
        invitation.closed_at = timezone.now()
        invitation.save(update_fields=["status", "closed_at", "updated_at"])
        audit_record(actor=actor, action="invitation.revoked", store=invitation.store, target=invitation)
    return invitation


def _open_invitation_for_update(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("store")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )
    if invitation is None or not invitation.is_open:
        raise InvitationInvalid()
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User, actor: Actor) -> Membership:
    """``user`` joins the store with the invitation's role; the invitation is used up."""
    invitation = _open_invitation_for_update(token)
    if Membership.objects.filter(store=invitation.store, user=user).exists():
        raise ConflictError("You are already a member of this store.", code="already_member")
    membership = Membership.objects.create(store=invitation.store, user=user, role=invitation.role)
    invitation.status = Invitation.Status.ACCEPTED
    invitation.accepted_by = user
    invitation.closed_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_by", "closed_at", "updated_at"])
    audit_record(actor=actor, action="invitation.accepted", store=invitation.store, target=invitation)
    audit_record(
        actor=actor,
        action="membership.added",
        store=invitation.store,
        target=membership,
        metadata={"role": invitation.role, "invitation": invitation.pk},
    )
    return membership


@transaction.atomic
def invitation_accept_as_new_user(*, token: str, username: str, password: str, actor: Actor) -> Membership:
    """A person without an account creates one (with the invited address) and accepts in one step."""
    invitation = _open_invitation_for_update(token)  # a dead link creates no account
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ConflictError("This username is taken; choose another.", code="username_taken")
    user = User.objects.create_user(username=username, email=invitation.email, password=password)
    return invitation_accept(
        token=token, user=user, actor=Actor(user=user, source=actor.source, ip_address=actor.ip_address)
    )


@transaction.atomic
def invitation_decline(*, token: str, actor: Actor) -> Invitation:
    invitation = _open_invitation_for_update(token)
    invitation.status = Invitation.Status.DECLINED
    invitation.closed_at = timezone.now()
    invitation.save(update_fields=["status", "closed_at", "updated_at"])
    audit_record(actor=actor, action="invitation.declined", store=invitation.store, target=invitation)
    return invitation


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
