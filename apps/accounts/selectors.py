"""Reads of tenancy data, always filtered by the caller."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.utils import timezone

from apps.core.selectors import get_or_not_found

from .models import ApiToken, AuditEvent, Invitation, Membership, Merchant, Role, Store


def store_list_for_user(*, user: User | AnonymousUser) -> QuerySet[Store]:
    if not user.is_authenticated:
        return Store.objects.none()
    return Store.objects.filter(memberships__user=user.pk).select_related("merchant").distinct()


def store_get_for_user(*, user: User | AnonymousUser, store_id: Any) -> Store:
    """The store, if the user is a member of it; 404 otherwise (never reveals that it exists)."""
    return get_or_not_found(store_list_for_user(user=user), pk=store_id)


def merchant_get_for_user(*, user: User | AnonymousUser, merchant_id: Any) -> Merchant:
    """A merchant the user belongs to (through any of its stores); NotFound otherwise."""
    merchants = Merchant.objects.filter(stores__memberships__user=user.pk).distinct()
    return get_or_not_found(merchants, pk=merchant_id)


def membership_get(*, user: User | AnonymousUser, store: Store) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user.pk, store=store).first()


def user_has_role(*, user: User | AnonymousUser, store: Store, role: str = Role.VIEWER) -> bool:
    membership = membership_get(user=user, store=store)
    return membership is not None and membership.allows(role)


def membership_list(*, store: Store) -> QuerySet[Membership]:
    return Membership.objects.filter(store=store).select_related("user").order_by("user__username")


def membership_get_in_store(*, store: Store, membership_id: Any) -> Membership:
    return get_or_not_found(membership_list(store=store), pk=membership_id)


def invitation_list(*, store: Store, open_only: bool = False) -> QuerySet[Invitation]:
    invitations = Invitation.objects.filter(store=store).select_related("invited_by", "accepted_by")
    if open_only:
        invitations = invitations.filter(status=Invitation.Status.PENDING, expires_at__gt=timezone.now())
    return invitations


def invitation_get_in_store(*, store: Store, invitation_id: Any) -> Invitation:
    return get_or_not_found(invitation_list(store=store), pk=invitation_id)


def invitation_get_open(*, token: str) -> Invitation | None:
    """The open invitation a link's token names, or None (unknown, used, revoked or expired alike)."""
    invitation = (
        Invitation.objects.select_related("store", "invited_by")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )
    return invitation if invitation is not None and invitation.is_open else None


def api_token_list(*, user: User | AnonymousUser) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user.pk) if user.is_authenticated else ApiToken.objects.none()


def api_token_get(*, user: User | AnonymousUser, token_id: Any) -> ApiToken:
    return get_or_not_found(api_token_list(user=user), pk=token_id)


def audit_event_list(*, store: Store) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(store=store).select_related("actor", "token")
