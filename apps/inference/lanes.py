"""Which lane of the generation server a call runs in: ``interactive`` first, ``bulk`` behind it.

A call made while a person waits (a draft streamed into a page, a shopper's answer, one
classification from the web) runs ``interactive``; everything else (job items) ``bulk``, the
default. The web process's calls reach the worker through the inference tasks, which set the
interactive lane; code that runs models in its own process may set it with ``lane()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal

Lane = Literal["interactive", "bulk"]

_lane: ContextVar[Lane] = ContextVar("inference_lane", default="bulk")


def current_lane() -> Lane:
    return _lane.get()


@contextmanager
def lane(name: Lane) -> Iterator[None]:
    token = _lane.set(name)
    try:
        yield
    finally:
        _lane.reset(token)
