"""Tests: PostgreSQL and Redis when DATABASE_URL / CELERY_BROKER_URL are set (make test), else embedded."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
JOBS_HANDLER_MODULES = ["tests.jobs.handlers"]
JOBS_LEASE_SECONDS = env.int("JOBS_LEASE_SECONDS", default=5)
LANGUAGE_CODE = "en"
