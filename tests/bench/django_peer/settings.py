"""Settings of the durable peer: SQLite in WAL mode, every commit synced (`synchronous` stays
FULL, SQLite's default), no DEBUG, django-scim2 with its default user adapter.

The database file is `BENCH_DJANGO_DB` (the harness puts it in the server's work directory).
"""

import os

SECRET_KEY = "bench-only-not-secret"  # a throwaway benchmark server
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django_scim",
    "tests.bench.django_peer",
]
AUTH_USER_MODEL = "django_peer.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

MIDDLEWARE = [
    "tests.bench.django_peer.auth.StaticTokenMiddleware",
    "django_scim.middleware.SCIMAuthCheckMiddleware",
]
ROOT_URLCONF = "tests.bench.django_peer.urls"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("BENCH_DJANGO_DB", "django-peer.db"),
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL;",
            # Writers take the lock at BEGIN, so 8 threads queue instead of failing to upgrade.
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        },
    }
}

SCIM_SERVICE_PROVIDER = {
    "NETLOC": "127.0.0.1",
    "AUTHENTICATION_SCHEMES": [
        {
            "type": "oauth2",
            "name": "OAuth 2",
            "description": "Oauth 2 implemented with bearer token",
        },
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
