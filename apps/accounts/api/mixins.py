"""Store scoping for API views nested under /api/v1/stores/{store_id}/."""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar

from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.views import APIView

from apps.accounts.actor import Actor
from apps.accounts.models import Membership, Role, Store
from apps.accounts.selectors import membership_get, store_get_for_user

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class StoreScopedMixin(APIView):
    """Resolves ``self.store`` from the URL for the caller (404 if not a member) and checks the role.

    ``read_role`` is needed for safe methods, ``write_role`` for the others.
    """

    read_role: ClassVar[str] = Role.VIEWER
    write_role: ClassVar[str] = Role.OPERATOR
    # Documented on every operation (apps/core/openapi.py): not a member (404), role too low (403).
    api_error_statuses: ClassVar[dict[str, tuple[int, ...]]] = {"*": (403, 404)}

    @cached_property
    def store(self) -> Store:
        return store_get_for_user(user=self.request.user, store_id=self.kwargs["store_id"])

    @cached_property
    def membership(self) -> Membership:
        membership = membership_get(user=self.request.user, store=self.store)
        assert membership is not None  # store_get_for_user already proved membership
        return membership

    @property
    def actor(self) -> Actor:
        return Actor.from_request(self.request, source="api")

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        needed = self.read_role if request.method in SAFE_METHODS else self.write_role
        if not self.membership.allows(needed):
            raise exceptions.PermissionDenied(f"This needs the {needed} role in this store.")
