from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts.selectors import store_list_for_user

# The four modules; a module is shown as installed once its app provides a "<key>:home" page.
DASHBOARD_MODULES = [
    ("catalog", _("Catalog & descriptions")),
    ("reviews", _("Reviews & sentiment")),
    ("support", _("Customer service")),
    ("marketing", _("Marketing copy")),
    ("training", _("Models & training")),
]


def _module_links(store_id: Any, path: str) -> list[dict[str, Any]]:
    links = []
    for key, label in DASHBOARD_MODULES:
        try:
            url: str | None = reverse(f"{key}:home", kwargs={"store_id": store_id})
        except NoReverseMatch:
            url = None
        links.append({"key": key, "label": label, "url": url, "current": bool(url and path.startswith(url))})
    return links


def stores(request: HttpRequest) -> dict[str, Any]:
    """The stores the signed-in user may switch to, and the module links of the current one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith(("/api/", "/admin/")):
        return {}
    context: dict[str, Any] = {"user_stores": list(store_list_for_user(user=user))}
    match = getattr(request, "resolver_match", None)
    store_id = match.kwargs.get("store_id") if match else None
    if store_id is not None:
        context["dashboard_modules"] = _module_links(store_id, request.path)
    return context
