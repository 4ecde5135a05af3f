"""The Celery wiring, end to end: a task sent from here is run by a separate worker process."""

import subprocess
from pathlib import Path

from celery.exceptions import TimeoutError as CeleryTimeoutError

from config.celery import app
from config.tasks import ping


def test_tasks_are_never_run_eagerly() -> None:
    assert app.conf.task_always_eager is False


def test_a_real_worker_answers_ping(celery_worker: subprocess.Popen[bytes], tmp_path: Path) -> None:
    result = ping.delay()
    try:
        answer = result.get(timeout=60)
    except CeleryTimeoutError:
        log = (tmp_path / "worker.log").read_text(errors="replace")
        raise AssertionError(f"No answer from the worker within 60 s. Worker log:\n{log}") from None

    assert answer == "pong"
    assert result.status == "SUCCESS"
    assert celery_worker.poll() is None, "the worker should still be running after answering"
