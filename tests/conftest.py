"""Fixtures shared across the suite."""

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from students.models import School, SchoolRole

# Every persona's password, for the tests that sign in through the login form.
PASSWORD = "a-long-test-password-0451"


def database_url() -> str:
    """The database this test run uses now (the test database once it exists), as a DATABASE_URL."""
    from django.db import connection

    config = connection.settings_dict
    if config["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{config['NAME']}"
    auth = config["USER"] + (f":{config['PASSWORD']}" if config["PASSWORD"] else "")
    return f"postgres://{auth}@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/{config['NAME']}"


WorkerStarter = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def start_celery_worker(tmp_path: Path) -> Iterator[WorkerStarter]:
    """Start real Celery workers, each in its own process, on the same broker and result backend as this
    process: ``start_celery_worker(QUORUM_VISIBILITY_TIMEOUT="3")`` adds to the worker's environment.

    With REDIS_URL set both use that Redis; without it both use the filesystem folders under
    settings.CELERY_FS_ROOT (a temporary folder of this test run, see config/settings/test.py).
    The first worker's output goes to `worker.log` in the test's tmp_path, the next to `worker-2.log`, and
    so on. Each is a solo pool, so the process returned is the one that runs the tasks. Every worker still
    running at the end of the test is stopped.
    """
    started: list[tuple[subprocess.Popen[bytes], IO[bytes]]] = []

    def start(**extra_env: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "CELERY_FS_ROOT": str(settings.CELERY_FS_ROOT),
            "QUORUM_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "DATABASE_URL": database_url(),
            **extra_env,
        }
        name = "worker.log" if not started else f"worker-{len(started) + 1}.log"
        log = (tmp_path / name).open("wb")
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "-c",
                "1",
                "-l",
                "warning",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append((worker, log))
        return worker

    try:
        yield start
    finally:
        for worker, log in started:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
            log.close()


@pytest.fixture
def celery_worker(start_celery_worker: WorkerStarter) -> subprocess.Popen[bytes]:
    """One real Celery worker with the test settings (see ``start_celery_worker``); its log is
    `worker.log` in the test's tmp_path."""
    return start_celery_worker()


# Personas (STYLE.md): two schools, an administrator of each, a user with no role, and a superuser.


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def school(db: None) -> School:
    return School.objects.create(code="ENG", name="School of English")


@pytest.fixture
def other_school(db: None) -> School:
    return School.objects.create(code="PHY", name="School of Physics")


def make_user(username: str, *, superuser: bool = False) -> User:
    if superuser:
        return User.objects.create_superuser(username, f"{username}@example.ac.uk", PASSWORD)
    return User.objects.create_user(username, f"{username}@example.ac.uk", PASSWORD)


@pytest.fixture
def administrator(school: School) -> User:
    user = make_user("ada")
    SchoolRole.objects.create(user=user, school=school, role=SchoolRole.Role.ADMINISTRATOR)
    return user


@pytest.fixture
def other_administrator(other_school: School) -> User:
    user = make_user("otto")
    SchoolRole.objects.create(user=user, school=other_school, role=SchoolRole.Role.ADMINISTRATOR)
    return user


@pytest.fixture
def outsider(db: None) -> User:
    return make_user("olive")


@pytest.fixture
def superuser(db: None) -> User:
    return make_user("sam", superuser=True)
