"""Production: refuses to start without a strong SECRET_KEY and ALLOWED_HOSTS; HTTPS only.

Passes `manage.py check --deploy` with no warnings (tests/config/test_settings.py holds it to that).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *

# The same test Django's deploy check applies (security.W009), made fatal.
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-"):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set in the environment to a random value of at least 50 characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in the environment (comma-separated host names).")

DEBUG = False
# Keep database connections open between requests.
DATABASES["default"]["CONN_MAX_AGE"] = 60

SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
