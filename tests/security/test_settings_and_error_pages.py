"""DEBUG off by default, static files served, friendly pages, JSON errors on the API, safe production."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

ROOT = Path(__file__).resolve().parents[2]
# Variables a developer's shell may set that would change what these subprocesses see.
SETTINGS_ENV = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "DJANGO_SETTINGS_MODULE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    # Set by the browser tests' conftest for Playwright; a deployment never sets it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def run_django(code: str, module: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in SETTINGS_ENV}
    clean.update({"DJANGO_SETTINGS_MODULE": module, "ECOMAI_VAR_DIR": str(tmp_path / "var"), **env})
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=180
    )


def probe(module: str, tmp_path: Path, names: list[str], **env: str) -> dict[str, Any]:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))"
    )
    result = run_django(code, module, tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_embedded_default_runs_with_debug_off_and_make_dev_turns_it_on(tmp_path: Path) -> None:
    assert probe("ecomai.settings.base", tmp_path, ["DEBUG"]) == {"DEBUG": False}
    assert probe("ecomai.settings.base", tmp_path, ["DEBUG"], DEBUG="true") == {"DEBUG": True}
    dry_run = subprocess.run(
        ["make", "-n", "dev"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "DEBUG=true" in dry_run and "manage.py serve" in dry_run


@pytest.mark.django_db
def test_static_files_are_served_with_debug_off(settings: Any) -> None:
    assert settings.DEBUG is False
    client = Client()
    for path, needle in [("/static/js/ecomai.js", b"store-switcher"), ("/static/css/ecomai.css", b".topbar")]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert needle in b"".join(response.streaming_content)  # type: ignore[attr-defined]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/nope/", "/api/v1/stores/abc/", "/api/nothing", "/api/v1/stores/1/x/"]
)
def test_unknown_api_urls_answer_the_json_error_body(path: str) -> None:
    response = APIClient().get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


@pytest.mark.django_db
def test_an_api_500_answers_the_json_error_body(api_client: APIClient, monkeypatch: Any) -> None:
    from apps.accounts import selectors

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "store_list_for_user", broken)
    api_client.raise_request_exception = False
    response = api_client.get("/api/v1/stores/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {"code": "server_error", "message": "Something went wrong on our side."}
    }


@pytest.mark.django_db
def test_dashboard_errors_are_friendly_pages_without_internals(owner: Any, monkeypatch: Any) -> None:
    from apps.dashboard import views as dashboard_views

    browser = Client(raise_request_exception=False)
    browser.force_login(owner)
    missing = browser.get("/no/such/page/")
    assert missing.status_code == 404
    assert "Page not found" in missing.content.decode()
    assert "Back to the dashboard" in missing.content.decode()

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(dashboard_views, "store_list_for_user", broken)
    failed = browser.get("/")
    page = failed.content.decode()
    assert failed.status_code == 500
    assert "Something went wrong" in page
    assert "secret internals" not in page and "Traceback" not in page


@pytest.mark.django_db
def test_an_api_method_that_does_not_exist_answers_json(api_client: APIClient) -> None:
    response = api_client.put("/api/v1/me/", {}, format="json")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_production_passes_the_deploy_checks_without_a_warning(tmp_path: Path) -> None:
    result = run_django(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        "ecomai.settings.production",
        tmp_path,
        SECRET_KEY=secrets.token_urlsafe(64),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_redirects_to_https_and_sends_hsts_and_secure_cookies(tmp_path: Path) -> None:
    code = """
import json, django
django.setup()
from django.test import Client, override_settings
from django.test.utils import setup_test_environment
setup_test_environment()
# Static files are collected at deployment (docker-compose's migrate step); not needed for the headers.
override_settings(STORAGES={
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}).enable()
client = Client()
plain = client.get("/login/")
secure = client.get("/login/", secure=True)
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "secure": secure.status_code,
    "hsts": secure.get("Strict-Transport-Security"),
    "csp": secure.get("Content-Security-Policy"),
    "csrf_cookie_secure": bool(secure.cookies["csrftoken"]["secure"]),
}))
"""
    result = run_django(code, "ecomai.settings.production", tmp_path, SECRET_KEY=secrets.token_urlsafe(64))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://testserver/login/"]
    assert seen["secure"] == 200
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self'" in seen["csp"]
    assert seen["csrf_cookie_secure"] is True
    flags = probe(
        "ecomai.settings.production",
        tmp_path,
        ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "DEBUG"],
        SECRET_KEY=secrets.token_urlsafe(64),
    )
    assert flags == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "DEBUG": False,
    }
