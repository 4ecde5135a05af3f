"""Tests: fast password hashing, mail kept in memory, and broker folders of the run's own."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from config.broker import celery_broker_settings

from .base import *

SECRET_KEY = "quorum-test-key-only-for-the-test-suite-0123456789-abcdefghijklmnopqrstuvwxyz"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# No collected static files in tests: let WhiteNoise look files up from the finders.
WHITENOISE_AUTOREFRESH = True

if not REDIS_URL and not os.environ.get("CELERY_FS_ROOT"):
    # A test run gets fresh broker folders, so it never picks up messages that `make run` or another run
    # left behind. Exporting the choice lets a worker started by a test find the same folders.
    CELERY_FS_ROOT = Path(tempfile.mkdtemp(prefix="quorum-celery-"))
    atexit.register(shutil.rmtree, CELERY_FS_ROOT, ignore_errors=True)
    os.environ["CELERY_FS_ROOT"] = str(CELERY_FS_ROOT)
    _broker = celery_broker_settings(redis_url="", fs_root=CELERY_FS_ROOT)
    CELERY_BROKER_TRANSPORT_OPTIONS = _broker["CELERY_BROKER_TRANSPORT_OPTIONS"]
    CELERY_RESULT_BACKEND = _broker["CELERY_RESULT_BACKEND"]

if not os.environ.get("QUORUM_MEDIA_ROOT"):
    # Uploaded files of a test run go to a folder of its own (a worker started by a test finds it too).
    MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="quorum-media-"))
    atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
    os.environ["QUORUM_MEDIA_ROOT"] = str(MEDIA_ROOT)

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, so that a worker started by a test reads the test database too.
    _test_db_dir = Path(tempfile.mkdtemp(prefix="quorum-db-"))
    atexit.register(shutil.rmtree, _test_db_dir, ignore_errors=True)
    DATABASES["default"]["TEST"] = {"NAME": str(_test_db_dir / "test.sqlite3")}
