"""Who is acting: the user, the API token if any, and where the action came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
    from django.http import HttpRequest

    from .models import ApiToken


@dataclass(frozen=True)
class Actor:
    user: AbstractBaseUser | AnonymousUser | None
    source: str = "system"
    token: ApiToken | None = None
    ip_address: str | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(user=None, source="system")

    @classmethod
    def cli(cls, user: Any = None) -> Actor:
        return cls(user=user, source="cli")

    @classmethod
    def from_request(cls, request: HttpRequest, *, source: str | None = None) -> Actor:
        """The actor of a dashboard or API request; API requests are those under /api/."""
        from .models import ApiToken

        auth = getattr(request, "auth", None)
        token = auth if isinstance(auth, ApiToken) else None
        if source is None:
            source = "api" if request.path.startswith("/api/") else "ui"
        user = getattr(request, "user", None)
        return cls(user=user, source=source, token=token, ip_address=client_ip(request))

    @property
    def user_or_none(self) -> Any:
        user = self.user
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return user


def authenticated_user(request: HttpRequest) -> User:
    """The signed-in user of a request that login or the API's authentication already required."""
    from django.contrib.auth.models import User
    from django.core.exceptions import PermissionDenied

    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR is the proxy in production; the first X-Forwarded-For hop is trusted only
    # when a proxy is configured (SECURE_PROXY_SSL_HEADER is set in production settings).
    from django.conf import settings

    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None
