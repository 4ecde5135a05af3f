"""Settings shared by every environment. Whatever differs between machines is read from the environment."""

import os
from pathlib import Path

import dj_database_url

from config.broker import celery_broker_settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_list(name: str) -> list[str]:
    """A comma-separated environment variable as a list, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles, so runserver serves static files the way production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "django_tables2",
    "import_export",
    "rules",
    "boards",
    "students",
    "regulations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a signed-in user, except views marked login_not_required (the login page).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# One URL for SQLite (the default, a file in the project root) and PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_health_checks=True,
    ),
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The site, the worker and the tests' threads write at once: each write transaction takes SQLite's
    # write lock when it begins (so two decisions on one cohort queue instead of failing half-way with
    # "database is locked") and waits up to 20 s for it.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Celery. Tasks always travel through a real broker to a worker: task_always_eager stays off everywhere.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_FS_ROOT = Path(os.environ.get("CELERY_FS_ROOT") or BASE_DIR / "var" / "celery")
_visibility = os.environ.get("QUORUM_VISIBILITY_TIMEOUT")
_broker = celery_broker_settings(
    redis_url=REDIS_URL,
    fs_root=CELERY_FS_ROOT,
    visibility_timeout=float(_visibility) if _visibility else None,
)
CELERY_BROKER_URL = _broker["CELERY_BROKER_URL"]
CELERY_BROKER_TRANSPORT_OPTIONS = _broker["CELERY_BROKER_TRANSPORT_OPTIONS"]
CELERY_RESULT_BACKEND = _broker["CELERY_RESULT_BACKEND"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_IMPORTS = ["config.tasks"]
# A task is acknowledged only once it has finished, and requeued if its worker dies mid-way, so a
# computation is never lost; each worker takes one task at a time, since tasks here are long.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TRACK_STARTED = True
CELERY_TIMEZONE = TIME_ZONE

# A recalculation renews its lease on its outcome set with every chunk it writes; another delivery of the
# same task takes the set over only once the lease has lapsed this long (a worker killed part-way).
QUORUM_RECALCULATION_LEASE_SECONDS = float(os.environ.get("QUORUM_RECALCULATION_LEASE_SECONDS", "60"))
# Students loaded, evaluated and written per transaction (and per progress step).
QUORUM_RECALCULATION_CHUNK = int(os.environ.get("QUORUM_RECALCULATION_CHUNK", "500"))
# Classification averages this close below a class boundary are flagged for the board (not a rule).
QUORUM_NEAR_BOUNDARY = os.environ.get("QUORUM_NEAR_BOUNDARY", "2")

# Uploaded import files are kept with their import (for confirm and for the record), never served.
MEDIA_ROOT = Path(os.environ.get("QUORUM_MEDIA_ROOT") or BASE_DIR / "var" / "media")
MEDIA_URL = "/media-not-served/"
# Files at or below this many rows are previewed and written in the request; larger ones by the worker.
QUORUM_IMPORT_INLINE_ROWS = int(os.environ.get("QUORUM_IMPORT_INLINE_ROWS", "5000"))
