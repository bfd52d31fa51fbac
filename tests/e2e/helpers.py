"""Steps the browser tests share."""

from __future__ import annotations

from typing import Any

PASSWORD = "correct-horse-battery"  # what tests.factories.UserFactory sets


def log_in(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
