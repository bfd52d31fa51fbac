"""Settings come from the environment; production refuses unsafe ones; no environment means embedded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; django.setup(); from django.conf import settings; "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({'db': db['ENGINE'], 'name': str(db['NAME']),"
    " 'broker': settings.CELERY_BROKER_URL, 'debug': settings.DEBUG, 'secret': len(settings.SECRET_KEY),"
    " 'models': str(settings.MODELS_CACHE), 'backend': settings.INFERENCE_BACKEND}))"
)
ENV_KEYS = ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG", "MODELS_CACHE", "INFERENCE_BACKEND")


def run_settings(module: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    clean.update({"DJANGO_SETTINGS_MODULE": module, "ECOMAI_VAR_DIR": str(tmp_path / "var"), **env})
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_no_environment_means_the_embedded_default(tmp_path: Path) -> None:
    result = run_settings("ecomai.settings.base", tmp_path)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["db"] == "django.db.backends.sqlite3"
    assert probe["name"] == str(tmp_path / "var" / "ecomai.sqlite3")
    assert probe["broker"] == "filesystem://"
    assert probe["backend"] == "local"
    # A secret was generated once, kept private, and is stable across starts.
    secret_file = tmp_path / "var" / "secret_key"
    assert secret_file.stat().st_mode & 0o077 == 0
    first = secret_file.read_text()
    run_settings("ecomai.settings.base", tmp_path)
    assert secret_file.read_text() == first and len(first) >= 50
    assert (tmp_path / "var" / "broker" / "queue").is_dir()


def test_environment_selects_postgres_redis_and_models(tmp_path: Path) -> None:
    result = run_settings(
        "ecomai.settings.base",
        tmp_path,
        DATABASE_URL="postgres://u:p@db:5432/shop",
        CELERY_BROKER_URL="redis://cache:6379/0",
        MODELS_CACHE="/srv/models",
        INFERENCE_BACKEND="openai",
    )
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert (probe["db"], probe["name"]) == ("django.db.backends.postgresql", "shop")
    assert probe["broker"] == "redis://cache:6379/0"
    assert (probe["models"], probe["backend"]) == ("/srv/models", "openai")


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    result = run_settings("ecomai.settings.production", tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_production_refuses_to_start_with_debug_on(tmp_path: Path) -> None:
    result = run_settings("ecomai.settings.production", tmp_path, SECRET_KEY="x" * 60, DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG must be off in production" in result.stderr


def test_production_starts_with_a_secret(tmp_path: Path) -> None:
    result = run_settings("ecomai.settings.production", tmp_path, SECRET_KEY="x" * 60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["debug"] is False
