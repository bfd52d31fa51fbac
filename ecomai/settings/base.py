"""Settings shared by every environment, read from the environment (12-factor).

With no environment at all the platform runs on its embedded default: SQLite under
``var/``, a Celery broker on the filesystem (kombu's filesystem transport) and a
secret key generated once and kept in ``var/secret_key``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("ECOMAI_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _embedded_secret_key() -> str:
    """A per-installation secret for the embedded default, generated on first start."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _embedded_secret_key()
# Off unless asked for (`make dev`): a traceback page shows settings and code to whoever hits an error.
DEBUG = env.bool("DEBUG", default=False)
# `manage.py demo_seed` (run by `make run`) fills the demo stores with sample data unless this is false.
DEMO_DATA = env.bool("DEMO_DATA", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "apps.core",
    "apps.accounts",
    "apps.jobs",
    "apps.inference",
    "apps.imports",
    "apps.catalog",
    "apps.support",
    "apps.reviews",
    "apps.training",
    "apps.marketing",
    "apps.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.core.middleware.NotFoundMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ecomai.urls"
WSGI_APPLICATION = "ecomai.wsgi.application"
ASGI_APPLICATION = "ecomai.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.dashboard.context_processors.stores",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ecomai.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the embedded worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif env.int("DATABASE_POOL", default=0) > 0:
    # A connection pool per process (psycopg_pool): for the ASGI web server, where each request runs
    # in a thread of its own and a persistent connection per thread would pile up; a request takes a
    # connection from the pool and gives it back at its end instead of opening one.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": 1,
        "max_size": env.int("DATABASE_POOL"),
        "timeout": env.int("DATABASE_POOL_TIMEOUT_SECONDS", default=30),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://ecomai")}

# django-axes first: it refuses a login for a locked-out username and address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

# --- Invitations and e-mail -------------------------------------------------------------------
# Store invitations: a link that works once, for this many days; at most this many open per store.
INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=7)
INVITATIONS_MAX_OPEN_PER_STORE = env.int("INVITATIONS_MAX_OPEN_PER_STORE", default=100)
# e.g. smtp+tls://user:password@smtp.example.com:587; the embedded default prints mail to the console
# (the owner also sees each invitation link in the dashboard).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ecomai <noreply@localhost>")

# --- Login throttling (django-axes) -----------------------------------------------------------
# After LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that pair is locked
# out for LOGIN_LOCKOUT_MINUTES, the right password included (each new try restarts the wait). The
# pair, not the username alone, so nobody can lock a merchant out from elsewhere by guessing; the
# failures are kept in the database (shared by every web process) and listed in the admin.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "apps.accounts.views.locked_out"
# The same address as the audit log: X-Forwarded-For only behind a configured proxy, so a client
# cannot pick a fresh address for every try.
AXES_CLIENT_IP_CALLABLE = "apps.accounts.actor.client_ip"
AXES_USERNAME_FORM_FIELD = "username"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"
# Uploaded files (catalog and other imports) go through Django's storage API only, so the web
# process and the workers need not share a disk: point FILE_STORAGE_BACKEND at any storage class
# (e.g. "storages.backends.s3.S3Storage" from django-storages, with FILE_STORAGE_OPTIONS as JSON).
STORAGES = {
    "default": {
        "BACKEND": env.str("FILE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env.json("FILE_STORAGE_OPTIONS", default={}),
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# WhiteNoise serves the static files with DEBUG off; the embedded default reads them where they
# are (no collectstatic needed), production from STATIC_ROOT after collectstatic.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)

# --- Browser security -------------------------------------------------------------------------
# No inline script or style anywhere: every script is a file under static/ (django-csp).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A JSON body (or form) larger than this answers 413 (apps/core/api_errors.py); uploads are not counted.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # A JSON API: form encodings blur "empty" and "absent"; views that take files declare their parsers.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.accounts.throttling.ApiTokenRateThrottle",
        "apps.accounts.throttling.AnonymousRateThrottle",
        "apps.accounts.throttling.StoreRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("API_RATE_PER_TOKEN", default="1000/hour"),
        "anon": env.str("API_RATE_ANONYMOUS", default="60/hour"),
        "store": env.str("API_RATE_PER_STORE", default="5000/hour"),
    },
    "EXCEPTION_HANDLER": "apps.core.api_errors.api_exception_handler",
    # Documents the error answers of every operation (apps/core/openapi.py).
    "DEFAULT_SCHEMA_CLASS": "apps.core.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ecomai API",
    "DESCRIPTION": "Merchant operations: catalog, descriptions, reviews, support, marketing, jobs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI and Redoc from the installed package, not a CDN (and within the CSP).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True},
    # One name per choice set (the same choices reached through several fields are one enum).
    "ENUM_NAME_OVERRIDES": {
        "LanguageEnum": "apps.catalog.models.Language",
        "ProductStatusEnum": "apps.catalog.models.Product.Status",
        "ImportStatusEnum": "apps.imports.models.DataImport.Status",
        "DescriptionStatusEnum": "apps.catalog.models.DescriptionStatus",
        "JobStatusEnum": "apps.jobs.models.Job.Status",
        "JobItemStatusEnum": "apps.jobs.models.JobItem.Status",
        "RoleEnum": "apps.accounts.models.Role",
        "InvitationStatusEnum": "apps.accounts.models.Invitation.Status",
        "ConversationStatusEnum": "apps.support.models.ConversationStatus",
        "OrderStatusEnum": "apps.support.models.OrderStatus",
        "KnowledgeDocumentStatusEnum": "apps.support.models.KnowledgeDocument.Status",
        "DocumentFormatEnum": "apps.support.api.serializers.PASTE_FORMATS",
        "DescriptionFormatEnum": "apps.catalog.text.options.FORMATS",
        # Reply drafts and copy variants share one choice set: draft, approved, rejected.
        "ApprovalStatusEnum": "apps.reviews.models.ReplyStatus",
        "SentimentEnum": "apps.reviews.models.Sentiment",
        "TrainingKindEnum": "apps.training.models.Kind",
        "ServedKindEnum": "apps.training.api.serializers.SERVED_KINDS",
        "LabelSourceEnum": "apps.training.models.TrainingDataset.LabelSource",
        "TrainingRunStatusEnum": "apps.training.models.TrainingRun.Status",
    },
}

# --- Celery -----------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # A task whose worker died is handed out again after this many seconds (acks_late).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True

# --- Jobs -------------------------------------------------------------------------------
# Items one task claims before it re-queues itself.
JOBS_CHUNK_SIZE = env.int("JOBS_CHUNK_SIZE", default=25)
# Seconds after which an item claimed by a worker that stopped answering may be claimed again.
JOBS_LEASE_SECONDS = env.int("JOBS_LEASE_SECONDS", default=600)
# Attempts per item before a transient error becomes a failure.
JOBS_MAX_ATTEMPTS = env.int("JOBS_MAX_ATTEMPTS", default=3)
# Modules that register job kinds; each app registers its own on import.
JOBS_HANDLER_MODULES = env.list("JOBS_HANDLER_MODULES", default=[])
# How often the beat re-queues jobs whose worker went silent (see jobs.services.job_recover_stale).
JOBS_RECOVER_INTERVAL_SECONDS = env.float("JOBS_RECOVER_INTERVAL_SECONDS", default=60.0)
# Seconds between a worker's heartbeats (apps/core/heartbeat.py); a worker silent for three of them
# counts as gone, and the dashboard says that nothing consumes its queues.
WORKER_HEARTBEAT_SECONDS = env.float("WORKER_HEARTBEAT_SECONDS", default=10.0)
CELERY_BEAT_SCHEDULE = {
    "jobs-recover-stale": {"task": "jobs.recover_stale", "schedule": JOBS_RECOVER_INTERVAL_SECONDS},
    "imports-recover-stale": {
        "task": "imports.recover_stale",
        "schedule": JOBS_RECOVER_INTERVAL_SECONDS,
    },
    "reviews-detect-spikes": {"task": "reviews.detect_spikes_all", "schedule": 3600.0},
}

# --- Training ----------------------------------------------------------------------------
# The model loop (apps/training): seconds of training a store may use in any 24 hours.
TRAINING_SECONDS_PER_DAY = env.int("TRAINING_SECONDS_PER_DAY", default=4 * 3600)
# Held-out products a generator version drafts for its description checks.
TRAINING_EVAL_DRAFTS = env.int("TRAINING_EVAL_DRAFTS", default=16)

# --- Reviews ------------------------------------------------------------------------------
# The sentiment classifier; empty uses the store's activated or the default classify model.
REVIEWS_SENTIMENT_MODEL = env.str("REVIEWS_SENTIMENT_MODEL", default="")
# The embedding model that finds aspects in sentences (multilingual: reviews come in Chinese too).
REVIEWS_ASPECT_EMBED_MODEL = env.str("REVIEWS_ASPECT_EMBED_MODEL", default="multilingual-e5-small")
# The generator of reply drafts; empty uses the store's activated or the default generator.
REVIEWS_REPLY_MODEL = env.str("REVIEWS_REPLY_MODEL", default="")
REVIEWS_CLASSIFY_BATCH = env.int("REVIEWS_CLASSIFY_BATCH", default=32)
REVIEWS_WEBHOOK_TIMEOUT_SECONDS = env.float("REVIEWS_WEBHOOK_TIMEOUT_SECONDS", default=10.0)
REVIEWS_WEBHOOK_MAX_ATTEMPTS = env.int("REVIEWS_WEBHOOK_MAX_ATTEMPTS", default=6)
# Seconds before the first retry of a failed webhook delivery; each later retry waits twice as long.
REVIEWS_WEBHOOK_BACKOFF_SECONDS = env.float("REVIEWS_WEBHOOK_BACKOFF_SECONDS", default=30.0)
# Webhooks to private, loopback or link-local addresses are refused (SSRF) unless this is on.
REVIEWS_WEBHOOK_ALLOW_PRIVATE_HOSTS = env.bool("REVIEWS_WEBHOOK_ALLOW_PRIVATE_HOSTS", default=False)

# --- Inference --------------------------------------------------------------------------
MODELS_CACHE = Path(env.str("MODELS_CACHE", default=str(BASE_DIR / "models_cache")))
INFERENCE_BACKEND = env.str("INFERENCE_BACKEND", default="local")
INFERENCE_OPENAI_BASE_URL = env.str("INFERENCE_OPENAI_BASE_URL", default="")
INFERENCE_OPENAI_API_KEY = env.str("INFERENCE_OPENAI_API_KEY", default="")
INFERENCE_OPENAI_TIMEOUT_SECONDS = env.float("INFERENCE_OPENAI_TIMEOUT_SECONDS", default=60.0)
INFERENCE_OPENAI_MAX_RETRIES = env.int("INFERENCE_OPENAI_MAX_RETRIES", default=3)
INFERENCE_OPENAI_BACKOFF_SECONDS = env.float("INFERENCE_OPENAI_BACKOFF_SECONDS", default=0.5)
INFERENCE_OPENAI_CONCURRENCY = env.int("INFERENCE_OPENAI_CONCURRENCY", default=4)
# ecomai model key -> the server's model name, e.g. "gemma-3-270m=google/gemma-3-270m".
INFERENCE_OPENAI_MODELS = env.dict("INFERENCE_OPENAI_MODELS", default={})
# Run local models in this process even outside a Celery worker (scripts, benchmarks, a
# single-process set-up). The web process leaves it off: it must never import torch.
INFERENCE_IN_PROCESS = env.bool("INFERENCE_IN_PROCESS", default=False)
# Seconds the web process waits for an inference worker before giving up (a transient error).
INFERENCE_QUEUE_TIMEOUT_SECONDS = env.float("INFERENCE_QUEUE_TIMEOUT_SECONDS", default=300.0)
# The inference worker's own endpoint for interactive calls (apps/inference/server.py): where the worker
# listens ("unix:/path.sock" or "host:port") and where the web process calls it ("unix:/path.sock" or
# "http://host:port"); `manage.py serve` sets both to a socket under VAR_DIR. A TCP endpoint needs the token.
INFERENCE_SERVER_LISTEN = env.str("INFERENCE_SERVER_LISTEN", default="")
INFERENCE_SERVER_URL = env.str("INFERENCE_SERVER_URL", default="")
INFERENCE_SERVER_TOKEN = env.str("INFERENCE_SERVER_TOKEN", default="")
# Local engine: device ("auto", "cpu", "cuda"), torch threads (0 = the cores this process may
# use), smoothed int8 Linear layers on CPU for every model (engine/quantization.py), and
# the memory budget of loaded models.
INFERENCE_DEVICE = env.str("INFERENCE_DEVICE", default="auto")
INFERENCE_TORCH_THREADS = env.int("INFERENCE_TORCH_THREADS", default=0)
INFERENCE_CPU_INT8 = env.bool("INFERENCE_CPU_INT8", default=False)
# Library for fp32 Linear layers on CPU: "auto" times oneDNN against torch's BLAS once per
# process (oneDNN measured faster on AMD EPYCs with AVX-512), or "onednn" / "blas" (engine/matmul.py).
INFERENCE_CPU_MATMUL = env.str("INFERENCE_CPU_MATMUL", default="auto")
# Threads for decoding a single row on CPU: 0 measures all threads against one per model
# (engine/decode_threads.py); a positive number pins it.
INFERENCE_CPU_DECODE_THREADS = env.int("INFERENCE_CPU_DECODE_THREADS", default=0)
# BERT-family encoders (embed, classify) on CPU run without padding, on fused oneDNN kernels,
# wherever fp32 Linear layers run on oneDNN (engine/packed_encoder.py); false keeps the
# transformers forward pass. The packed weights cost one more copy of the Linear weights.
INFERENCE_CPU_PACKED_ENCODERS = env.bool("INFERENCE_CPU_PACKED_ENCODERS", default=True)
# bf16 encoders (embed, classify) on CPU: much faster on CPUs with AMX (Sapphire Rapids and
# later), slower on others.
INFERENCE_CPU_BF16 = env.bool("INFERENCE_CPU_BF16", default=False)
INFERENCE_CACHE_BYTES = env.int("INFERENCE_CACHE_BYTES", default=6 * 1024**3)
# LoRA adapters (stores' fine-tuned generators) kept on one shared base model; least recently run out.
INFERENCE_MAX_ADAPTERS = env.int("INFERENCE_MAX_ADAPTERS", default=32)
# Continuous batching (apps/inference/engine/serving.py; false: each call decodes a static batch of
# its own). Rows of the running batch: what INFERENCE_BATCH_MEMORY_FRACTION of the free memory holds at
# the model's full context, at most INFERENCE_MAX_BATCH_ROWS (0: the model's max_batch on a CPU, 256
# on a GPU, where the memory decides: apps/inference/engine/kv_cache.py); shared prompt
# prefixes keep their keys and values within INFERENCE_PREFIX_CACHE_BYTES.
INFERENCE_CONTINUOUS_BATCHING = env.bool("INFERENCE_CONTINUOUS_BATCHING", default=True)
INFERENCE_BATCH_MEMORY_FRACTION = env.float("INFERENCE_BATCH_MEMORY_FRACTION", default=0.25)
INFERENCE_MAX_BATCH_ROWS = env.int("INFERENCE_MAX_BATCH_ROWS", default=0)
INFERENCE_PREFIX_CACHE_BYTES = env.int("INFERENCE_PREFIX_CACHE_BYTES", default=256 * 1024**2)
# Inference tasks return results (everything else ignores them): Redis beside a Redis broker,
# else a folder under VAR_DIR that the embedded web process and worker share.
_broker_is_redis = CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or (
    CELERY_BROKER_URL if _broker_is_redis else f"file://{VAR_DIR / 'results'}"
)
if CELERY_RESULT_BACKEND.startswith("file://"):
    Path(CELERY_RESULT_BACKEND.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
CELERY_RESULT_EXPIRES = env.int("CELERY_RESULT_EXPIRES", default=3600)

# --- Imports (catalogs, and every other module's uploaded tables) --------------------------
# Uploads larger than this are refused (a proxy in front should refuse them earlier too).
# The CATALOG_IMPORT_* names of earlier releases are still read.
IMPORT_MAX_BYTES = env.int(
    "IMPORT_MAX_BYTES", default=env.int("CATALOG_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
)
# Uploads up to this size are validated in the request; larger ones by a task.
IMPORT_INLINE_MAX_BYTES = env.int(
    "IMPORT_INLINE_MAX_BYTES", default=env.int("CATALOG_IMPORT_INLINE_MAX_BYTES", default=2 * 1024 * 1024)
)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=env.int("CATALOG_IMPORT_MAX_ROWS", default=1_000_000))
# What an uploaded workbook may unpack to (a small .xlsx can hold gigabytes of empty rows).
IMPORT_XLSX_MAX_UNPACKED_BYTES = env.int("IMPORT_XLSX_MAX_UNPACKED_BYTES", default=512 * 1024 * 1024)
IMPORT_BLOCK_ROWS = env.int("IMPORT_BLOCK_ROWS", default=env.int("CATALOG_IMPORT_BLOCK_ROWS", default=1000))

# --- Catalog ----------------------------------------------------------------------------
CATALOG_DESCRIBE_CANDIDATES = env.int("CATALOG_DESCRIBE_CANDIDATES", default=4)
CATALOG_DESCRIBE_MODEL = env.str("CATALOG_DESCRIBE_MODEL", default="")
CATALOG_DESCRIBE_PARALLELISM = env.int("CATALOG_DESCRIBE_PARALLELISM", default=2)
# The generator marketing copy is written with; empty: the store's (or the default) generator.
MARKETING_COPY_MODEL = env.str("MARKETING_COPY_MODEL", default="")

# --- Quotas -----------------------------------------------------------------------------
# Tokens the models may generate for one store in a calendar month (a store's own setting
# overrides it; 0 is no limit). Beyond it generation answers 429 until the month turns.
STORE_MONTHLY_TOKEN_QUOTA = env.int("STORE_MONTHLY_TOKEN_QUOTA", default=10_000_000)

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Customer service (apps/support) ----------------------------------------------------------
# The encoder that embeds knowledge chunks and questions (the only Chinese-capable one installed).
SUPPORT_EMBEDDING_MODEL = env.str("SUPPORT_EMBEDDING_MODEL", default="multilingual-e5-small")
# Order lookups a shopper may try per conversation, and per address, within the window.
SUPPORT_ORDER_LOOKUPS_PER_CONVERSATION = env.int("SUPPORT_ORDER_LOOKUPS_PER_CONVERSATION", default=5)
SUPPORT_ORDER_LOOKUPS_PER_IP = env.int("SUPPORT_ORDER_LOOKUPS_PER_IP", default=20)
SUPPORT_ORDER_LOOKUP_WINDOW_SECONDS = env.int("SUPPORT_ORDER_LOOKUP_WINDOW_SECONDS", default=3600)
# Shopper messages per conversation per minute (the public chat API).
SUPPORT_MESSAGES_PER_MINUTE = env.int("SUPPORT_MESSAGES_PER_MINUTE", default=20)
# Requests per address to the shopper's chat API (the widget polls for staff replies).
SUPPORT_WIDGET_RATE = env.str("SUPPORT_WIDGET_RATE", default="3000/hour")
# Overrides of the retriever's settings (apps/support/knowledge/retrieval.py, RetrievalSettings), e.g. the
# cosine range of another encoder: {"dense_floor": 0.3, "dense_ceiling": 0.7}.
SUPPORT_RETRIEVAL = env.json("SUPPORT_RETRIEVAL", default={})
