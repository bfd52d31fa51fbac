"""Rate limits: per API token (each token its own budget), per user for sessions, per IP otherwise,
and per store (all of its members' calls together)."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from .models import ApiToken, Membership


class ApiTokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousRateThrottle(AnonRateThrottle):
    scope = "anon"


class StoreRateThrottle(SimpleRateThrottle):
    """One budget per store for every call under ``/stores/{id}/`` by its members.

    Only members' calls count: anyone else is answered 404 by the view and limited by their own
    token's budget, so another tenant cannot spend a store's budget.
    """

    scope = "store"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        store_id = getattr(view, "kwargs", {}).get("store_id")
        user = request.user
        if store_id is None or not (user and user.is_authenticated):
            return None
        if not Membership.objects.filter(user=user, store_id=store_id).exists():
            return None
        return self.cache_format % {"scope": self.scope, "ident": f"store-{store_id}"}
