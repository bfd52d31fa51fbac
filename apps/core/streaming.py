"""Streamed answers: one NDJSON event per line, for the API and the dashboard alike.

Under ASGI (the web server ``manage.py serve`` and docker-compose run) a stream is served from an
async iterator, so a client waiting on the model holds no thread: the event loop relays each event
as it arrives. Under WSGI (the test client, ``runserver``) the same response is served from a plain
iterator. Views pick with ``serves_async(request)``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, StreamingHttpResponse

NDJSON = "application/x-ndjson"

T = TypeVar("T")
_END = object()


def serves_async(request: Any) -> bool:
    """True when ``request`` (Django's or DRF's) came in through the ASGI handler."""
    django_request: HttpRequest = getattr(request, "_request", request)
    return isinstance(django_request, ASGIRequest)


async def iterate_in_thread(items: Iterable[T], *, thread_sensitive: bool = False) -> AsyncIterator[T]:
    """A plain iterator advanced in a thread, one item at a time, for code that has no async form.

    ``thread_sensitive=True`` keeps every step on the request's own thread (database work); False
    uses the shared pool (network waits). Closing the async iterator closes the plain one."""
    iterator = iter(items)
    advance = sync_to_async(lambda: next(iterator, _END), thread_sensitive=thread_sensitive)
    try:
        while (item := await advance()) is not _END:
            yield item  # type: ignore[misc]
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            await sync_to_async(close, thread_sensitive=thread_sensitive)()


def ndjson_lines(events: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    for event in events:
        yield json.dumps(event, ensure_ascii=False) + "\n"


async def _ndjson_lines_async(events: AsyncIterable[Mapping[str, Any]]) -> AsyncIterator[str]:
    async for event in events:
        yield json.dumps(event, ensure_ascii=False) + "\n"


def ndjson_response(
    events: Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]], *, status: int = 200
) -> StreamingHttpResponse:
    """Each event written as it is produced: proxies are told not to buffer, clients not to cache."""
    lines = _ndjson_lines_async(events) if isinstance(events, AsyncIterable) else ndjson_lines(events)
    response = StreamingHttpResponse(lines, content_type=NDJSON, status=status)
    response["X-Accel-Buffering"] = "no"
    response["Cache-Control"] = "no-cache"
    return response


def ndjson_response_for(
    request: Any, events: Iterable[Mapping[str, Any]], *, thread_sensitive: bool = True, status: int = 200
) -> StreamingHttpResponse:
    """A plain event iterator served under either handler: under ASGI it is advanced one event at a time
    in the request's thread (Django would otherwise read it to the end before sending a byte)."""
    if serves_async(request):
        return ndjson_response(iterate_in_thread(events, thread_sensitive=thread_sensitive), status=status)
    return ndjson_response(events, status=status)
