"""Login throttling (django-axes): wrong passwords lock the username out from that address for a while."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def log_in(client: Client, username: str, password: str, path: str = "/login/", **extra: Any) -> Any:
    return client.post(path, {"username": username, "password": password}, **extra)


def test_twenty_wrong_passwords_then_the_right_one_is_refused_for_the_lockout_period(owner: Any) -> None:
    client = Client()
    for _ in range(20):
        assert log_in(client, owner.username, "wrong").status_code in (200, 429)
    refused = log_in(client, owner.username, PASSWORD)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many failed log-ins" in page
    assert f"locked after {settings.AXES_FAILURE_LIMIT} failed tries" in page
    assert f"Try again in {round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)} minutes" in page
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(action="auth.login").exists()

    # Still refused just before the period ends (every try restarts it, so move the tries back).
    attempt = AccessAttempt.objects.get(username=owner.username)
    almost = settings.AXES_COOLOFF_TIME - timedelta(seconds=30)
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - almost)
    assert log_in(client, owner.username, PASSWORD).status_code == 429
    # After a full period without tries, the right password works again.
    attempt.refresh_from_db()
    past = settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - past)
    welcome = log_in(client, owner.username, PASSWORD)
    assert welcome.status_code == 302 and "_auth_user_id" in client.session


def test_the_lockout_starts_at_the_limit_and_a_success_before_it_resets_the_count(owner: Any) -> None:
    client = Client()
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert log_in(client, owner.username, "wrong").status_code == 200  # the form, with its error
    assert log_in(client, owner.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(limit - 1):
        log_in(client, owner.username, "wrong")
    assert log_in(client, owner.username, PASSWORD).status_code == 302  # the count had restarted
    client.logout()
    for _ in range(limit):
        log_in(client, owner.username, "wrong")
    assert log_in(client, owner.username, PASSWORD).status_code == 429


def test_guessing_from_one_address_does_not_lock_the_merchant_out_elsewhere(owner: Any) -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(20):
        log_in(attacker, owner.username, "wrong")
    assert log_in(attacker, owner.username, PASSWORD).status_code == 429
    merchant = Client(REMOTE_ADDR="198.51.100.7")
    assert log_in(merchant, owner.username, PASSWORD).status_code == 302


def test_a_forged_forwarded_for_header_does_not_buy_fresh_tries(owner: Any) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(20):
        log_in(client, owner.username, "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert log_in(client, owner.username, PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429


def test_unknown_usernames_are_locked_out_alike(db: Any) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "nobody-here", "wrong")
    response = log_in(client, "nobody-here", "anything")
    assert response.status_code == 429 and "Too many failed log-ins" in response.content.decode()


def test_the_admin_login_is_throttled_too(db: Any) -> None:
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(20):
        log_in(client, admin.username, "wrong", path="/admin/login/")
    assert log_in(client, admin.username, PASSWORD, path="/admin/login/").status_code == 429
    assert client.get("/admin/").status_code == 302  # not signed in


def test_the_lockout_message_speaks_chinese(owner: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, owner.username, "wrong")
    page = log_in(client, owner.username, PASSWORD).content.decode()
    assert "登录失败次数过多" in page


def test_the_api_takes_no_password(owner: Any) -> None:
    """No API endpoint authenticates with a password (tokens only), so none can be used to guess one."""
    basic = base64.b64encode(f"{owner.username}:{PASSWORD}".encode()).decode()
    response = APIClient(HTTP_AUTHORIZATION=f"Basic {basic}").get("/api/v1/me/")
    assert response.status_code == 401
    assert not AccessAttempt.objects.exists()
