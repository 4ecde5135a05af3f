"""Development: DEBUG on, a throwaway secret key unless one is given, local hosts only."""

from .base import *

DEBUG = True
SECRET_KEY = SECRET_KEY or "django-insecure-quorum-development-key-never-use-in-production"
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
