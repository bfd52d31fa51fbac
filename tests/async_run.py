"""Running an async scenario from a (sync) test."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from asgiref.sync import async_to_sync

T = TypeVar("T")


def run_async(scenario: Callable[[], Awaitable[T]]) -> T:
    """``scenario()`` run to its end in a thread of its own, where its database steps run too (use
    ``django_db(transaction=True)``). Not in the test's thread: a browser test's driver keeps an event
    loop running there for the rest of the session, and asgiref refuses to start one beside it."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        from django.db import connections

        try:
            outcome["value"] = async_to_sync(scenario)()
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=target, name="async-scenario")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]
