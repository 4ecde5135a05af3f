"""Where Celery sends tasks and keeps results: Redis when REDIS_URL is set, else folders on disk.

The folder fallback (kombu's filesystem transport and Celery's file result backend) needs no server, so
`make run` and `make test` work on a machine with nothing but Python.
"""

from pathlib import Path
from typing import Any


def celery_broker_settings(
    *, redis_url: str, fs_root: Path, visibility_timeout: float | None = None
) -> dict[str, Any]:
    """Return the CELERY_* broker and result settings; create the folders when no Redis URL is given.

    ``visibility_timeout`` (Redis only) is how long a task taken by a worker that then dies waits before
    Redis hands it to another worker (Redis's own default is an hour). A worker looks for such tasks when it
    starts and then, by kombu's defaults, only every hundred seconds or so; with a timeout given it looks as
    often as the timeout (at most every ten seconds), so the task comes back soon after the timeout. Keep
    it longer than a recalculation's lease plus a second (QUORUM_RECALCULATION_LEASE_SECONDS): a task
    waiting that long to retry (boards/tasks.py) would otherwise be handed out a second time meanwhile. The
    folder transport has no such redelivery: a worker, when it starts, resumes the recalculations left
    unfinished (boards/signals.py).
    """
    if redis_url:
        options: dict[str, Any] = {}
        if visibility_timeout is not None:
            options = {
                "visibility_timeout": visibility_timeout,
                "unacked_restore_interval": min(visibility_timeout, 10.0),
                "unacked_restore_throttle": 1,
            }
        return {
            "CELERY_BROKER_URL": redis_url,
            "CELERY_BROKER_TRANSPORT_OPTIONS": options,
            "CELERY_RESULT_BACKEND": redis_url,
        }
    queue, processed, control, results = (
        fs_root / name for name in ("queue", "processed", "control", "results")
    )
    for folder in (queue, processed, control, results):
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "CELERY_BROKER_URL": "filesystem://localhost//",
        # One folder for both directions: producers write into it and the worker reads from it.
        "CELERY_BROKER_TRANSPORT_OPTIONS": {
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "processed_folder": str(processed),
            "store_processed": False,
            "control_folder": str(control),
        },
        "CELERY_RESULT_BACKEND": f"file://{results}",
    }
