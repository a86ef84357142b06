from celery import shared_task
from django.core import management


@shared_task(name="tapif.core.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Nightly: drop expired sessions so the table does not grow without bound."""
    management.call_command("clearsessions")
