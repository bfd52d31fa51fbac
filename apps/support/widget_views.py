"""The shopper's side: the chat page a store's site shows in an iframe, and the cited sources' pages.

A store pastes one script tag (static/support/widget.js) into its site; the script opens this page
in an iframe. Only the store's allowed sites may frame it: the browser is told so by the page's
Content-Security-Policy (frame-ancestors), and a request whose Referer names another site is refused
here as well. No inline script or style: the page's code is static/support/chat.js.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt

from apps.core.selectors import get_or_not_found

from . import selectors
from .models import Chunk, SupportSettings
from .services.settings import origin_allowed


def _own_origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def embedding_allowed(request: HttpRequest, widget: SupportSettings) -> bool:
    """Whether the page that frames (or links to) the widget may: this site, or one the store allowed."""
    referer = request.headers.get("Referer", "")
    if not referer:
        return True  # no Referer sent (a privacy setting): the browser enforces frame-ancestors
    parts = urlsplit(referer)
    origin = f"{parts.scheme}://{parts.netloc}"
    return origin == _own_origin(request) or origin_allowed(settings=widget, origin=origin)


def _framed_by_allowed_sites(response: HttpResponse, widget: SupportSettings) -> HttpResponse:
    response._csp_replace = {"frame-ancestors": ["'self'", *widget.allowed_origins]}  # type: ignore[attr-defined]
    return response


@xframe_options_exempt
def widget_frame(request: HttpRequest, widget_key: str) -> HttpResponse:
    widget = selectors.widget_settings_by_key(widget_key=widget_key)
    if not embedding_allowed(request, widget):
        raise PermissionDenied("This site may not show the store's chat widget.")
    response = render(
        request,
        "support/widget_frame.html",
        {"widget": widget, "store_name": widget.store.name, "language": request.GET.get("lang", "")},
    )
    return _framed_by_allowed_sites(response, widget)


@xframe_options_exempt
def source_page(request: HttpRequest, widget_key: str, chunk_id: int) -> HttpResponse:
    """A cited chunk, as the shopper may read it: only the widget's own store's chunks exist here."""
    widget = selectors.widget_settings_by_key(widget_key=widget_key)
    chunk = get_or_not_found(
        Chunk.objects.filter(store_id=widget.store_id).select_related("document", "faq"), pk=chunk_id
    )
    response = render(
        request,
        "support/source.html",
        {"chunk": chunk, "store_name": widget.store.name, "widget": widget},
    )
    return _framed_by_allowed_sites(response, widget)
