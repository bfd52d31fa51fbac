"""Middleware shared by every page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse

from .errors import NotFound


class NotFoundMiddleware:
    """A domain ``NotFound`` raised under a dashboard page answers the site's 404 page.

    (The API maps it in its exception handler; this covers plain Django views.)
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            from .views import page_not_found

            response = page_not_found(request, Http404(exception.message))
            response.status_code = 404
            return response
        return None
