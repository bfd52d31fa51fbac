"""Production: PostgreSQL, Redis, separate web and worker processes (see docker-compose.yml).

Served over HTTPS behind a proxy that terminates TLS and sets ``X-Forwarded-Proto``: plain HTTP is
redirected, browsers are told to use HTTPS only (HSTS) and cookies travel over HTTPS only.
``manage.py check --deploy --settings=ecomai.settings.production`` passes with no warning.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# A year of HTTPS-only, for every subdomain; lower SECURE_HSTS_SECONDS while trying a new domain.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Static files come from STATIC_ROOT, filled by `manage.py collectstatic` (docker-compose's migrate step).
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=False)
STORAGES = {
    **STORAGES,  # noqa: F405 - the file storage chosen in base (FILE_STORAGE_BACKEND)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
