"""Reads of tenancy data, always filtered by the caller."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import ApiToken, AuditEvent, Invitation, Membership, Role, Store


def store_list_for_user(*, user: Any) -> QuerySet[Store]:
    if not getattr(user, "is_authenticated", False):
        return Store.objects.none()
    return Store.objects.filter(memberships__user=user).select_related("merchant").distinct()


def store_get_for_user(*, user: Any, store_id: Any) -> Store:
    """The store, if the user is a member of it; 404 otherwise (never reveals that it exists)."""
    return get_object_or_404(store_list_for_user(user=user), pk=store_id)


def membership_get(*, user: Any, store: Store) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(user=user, store=store).first()


def user_has_role(*, user: Any, store: Store, role: str = Role.VIEWER) -> bool:
    membership = membership_get(user=user, store=store)
    return membership is not None and membership.allows(role)


def membership_list(*, store: Store) -> QuerySet[Membership]:
    return Membership.objects.filter(store=store).select_related("user").order_by("user__username")


def membership_get_in_store(*, store: Store, membership_id: Any) -> Membership:
    return get_object_or_404(membership_list(store=store), pk=membership_id)


def invitation_list(*, store: Store, open_only: bool = False) -> QuerySet[Invitation]:
    invitations = Invitation.objects.filter(store=store).select_related("invited_by", "accepted_by")
    if open_only:
        invitations = invitations.filter(status=Invitation.Status.PENDING, expires_at__gt=timezone.now())
    return invitations


def invitation_get_in_store(*, store: Store, invitation_id: Any) -> Invitation:
    return get_object_or_404(invitation_list(store=store), pk=invitation_id)


def invitation_get_open(*, token: str) -> Invitation | None:
    """The open invitation a link's token names, or None (unknown, used, revoked or expired alike)."""
    invitation = (
        Invitation.objects.select_related("store", "invited_by")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )
    return invitation if invitation is not None and invitation.is_open else None


def api_token_list(*, user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def api_token_get(*, user: Any, token_id: Any) -> ApiToken:
    return get_object_or_404(api_token_list(user=user), pk=token_id)


def audit_event_list(*, store: Store) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(store=store).select_related("actor", "token")
