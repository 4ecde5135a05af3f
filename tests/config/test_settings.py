"""Settings read the environment: prod's deploy check, prod's refusal without a key, DATABASE_URL."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings


def run_python(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """Run the project's Python in a fresh process with the given environment changes ("" unsets)."""
    environment = {**os.environ, **env}
    for name in [name for name, value in env.items() if value == ""]:
        del environment[name]
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_prod_passes_the_deploy_check_with_no_warnings() -> None:
    completed = run_python(
        ["manage.py", "check", "--deploy"],
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="quorum.example.ac.uk",
    )

    assert completed.returncode == 0, completed.stderr
    assert "System check identified no issues" in completed.stdout
    assert "WARNING" not in completed.stdout + completed.stderr


@pytest.mark.parametrize(
    "secret_key",
    ["", "too-short", "django-insecure-" + "x" * 60],
    ids=["missing", "short", "django-insecure"],
)
def test_prod_refuses_to_start_without_a_strong_secret_key(secret_key: str) -> None:
    completed = run_python(
        ["manage.py", "check"],
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="quorum.example.ac.uk",
    )

    assert completed.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set in the environment" in completed.stderr


def test_prod_refuses_to_start_without_allowed_hosts() -> None:
    completed = run_python(
        ["manage.py", "check"],
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="",
    )

    assert completed.returncode != 0
    assert "ImproperlyConfigured: ALLOWED_HOSTS must be set in the environment" in completed.stderr


PRINT_DATABASE = (
    "import json; from django.conf import settings; "
    "db = settings.DATABASES['default']; print(json.dumps([db['ENGINE'], str(db['NAME'])]))"
)


@pytest.mark.parametrize("module", ["config.settings.dev", "config.settings.test"])
def test_database_url_selects_postgresql(module: str) -> None:
    completed = run_python(
        ["-c", PRINT_DATABASE],
        DJANGO_SETTINGS_MODULE=module,
        DATABASE_URL="postgres://quorum@127.0.0.1:5432/quorum_board",
    )

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == ["django.db.backends.postgresql", "quorum_board"]


@pytest.mark.parametrize("module", ["config.settings.dev", "config.settings.test"])
def test_without_database_url_the_database_is_sqlite_in_the_project_root(module: str) -> None:
    completed = run_python(["-c", PRINT_DATABASE], DJANGO_SETTINGS_MODULE=module, DATABASE_URL="")

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == [
        "django.db.backends.sqlite3",
        str(settings.BASE_DIR / "db.sqlite3"),
    ]
