"""Fixtures shared across the suite."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture
def celery_worker(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker in its own process, on the same broker and result backend as this process.

    With REDIS_URL set both use that Redis; without it both use the filesystem folders under
    settings.CELERY_FS_ROOT (a temporary folder of this test run, see config/settings/test.py).
    The worker's output goes to `worker.log` in the test's tmp_path.
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_FS_ROOT": str(settings.CELERY_FS_ROOT),
    }
    log = (tmp_path / "worker.log").open("wb")
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
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()
