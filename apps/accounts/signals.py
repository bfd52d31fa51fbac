"""Logins and failed logins go to the audit log (Django announces them only as signals)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from .actor import Actor, client_ip
from .services import audit_record


@receiver(user_logged_in)
def _audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    ip = client_ip(request) if request is not None else None
    audit_record(actor=Actor(user=user, source="ui", ip_address=ip), action="auth.login", target=user)


@receiver(user_login_failed)
def _audit_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    ip = client_ip(request) if request is not None else None
    audit_record(
        actor=Actor(user=None, source="ui", ip_address=ip),
        action="auth.login_failed",
        metadata={"username": str(credentials.get("username", ""))[:150]},
    )
