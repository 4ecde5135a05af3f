"""Tasks that belong to the project rather than to one app."""

from celery import shared_task


@shared_task(name="config.tasks.ping")
def ping() -> str:
    """Answer "pong", so a test or an operator can check that a worker consumes from the broker."""
    return "pong"
