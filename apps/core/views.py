"""Site-wide error pages: API paths answer the API's error body, dashboard paths friendly pages.

The dashboard pages (templates/400.html, 403.html, 404.html, 500.html) never show a traceback or
settings; with DEBUG on (`make dev`) Django shows its debugging pages instead.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

API_ERRORS = {
    400: ("bad_request", "The request is malformed."),
    403: ("permission_denied", "You do not have permission to perform this action."),
    404: ("not_found", "Not found."),
    500: ("server_error", "Something went wrong on our side."),
}


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _api_error(status: int) -> JsonResponse:
    code, message = API_ERRORS[status]
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None, **kwargs: Any) -> HttpResponse:
    if _is_api(request):
        return _api_error(400)
    return defaults.bad_request(request, exception)  # type: ignore[arg-type]


def permission_denied(
    request: HttpRequest, exception: Exception | None = None, **kwargs: Any
) -> HttpResponse:
    if _is_api(request):
        return _api_error(403)
    return defaults.permission_denied(request, exception)  # type: ignore[arg-type]


def page_not_found(request: HttpRequest, exception: Exception | None = None, **kwargs: Any) -> HttpResponse:
    if _is_api(request):
        return _api_error(404)
    return defaults.page_not_found(request, exception)  # type: ignore[arg-type]


def server_error(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    if _is_api(request):
        return _api_error(500)
    return defaults.server_error(request)
