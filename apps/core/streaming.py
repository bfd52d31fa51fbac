"""Streamed answers: one NDJSON event per line, for the API and the dashboard alike."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.http import StreamingHttpResponse

NDJSON = "application/x-ndjson"


def ndjson_lines(events: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    for event in events:
        yield json.dumps(event, ensure_ascii=False) + "\n"


def ndjson_response(events: Iterable[Mapping[str, Any]], *, status: int = 200) -> StreamingHttpResponse:
    """Each event written as it is produced: proxies are told not to buffer, clients not to cache."""
    response = StreamingHttpResponse(ndjson_lines(events), content_type=NDJSON, status=status)
    response["X-Accel-Buffering"] = "no"
    response["Cache-Control"] = "no-cache"
    return response
