"""Helpers shared by the dashboard pages of every app."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .models import Membership, Role, Store
from .selectors import membership_get, store_get_for_user


def dashboard_store(
    request: HttpRequest, store_id: Any, *, role: str = Role.VIEWER
) -> tuple[Store, Membership]:
    """The store in the URL if the user belongs to it (404 otherwise) and holds ``role`` (403 otherwise)."""
    store = store_get_for_user(user=request.user, store_id=store_id)
    membership = membership_get(user=request.user, store=store)
    assert membership is not None
    if not membership.allows(role):
        raise PermissionDenied
    request.session["current_store_id"] = store.pk
    return store, membership
