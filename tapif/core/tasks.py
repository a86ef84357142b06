"""Celery tasks of the core: thin wrappers around services (see tapif.core.outbox)."""

from celery import shared_task
from django.core import management

from tapif.core import alerts, health, outbox, privacy
from tapif.core.jobs import job_runs_prune, run_job


@shared_task(bind=True, name="tapif.core.tasks.deliver_message", max_retries=None)
def deliver_message(self, message_id: int) -> str:
    """Send one outbox e-mail; a transient failure (mail server down) is retried with backoff.

    The outbox row counts the attempts and gives up for good after too many; a message whose
    retry is lost with its worker is sent again by `requeue_pending_messages`.
    """
    delivery = outbox.message_deliver(message_id)
    if delivery.retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=delivery.retry_in)
    return delivery.status


@shared_task(bind=True, name="tapif.core.tasks.deliver_messages")
def deliver_messages(self, message_ids: list[int]) -> dict:
    """Send a batch of outbox e-mails over one connection (a results release's batch); each
    message meeting a transient failure is retried on its own with `deliver_message`."""
    deliveries = outbox.messages_deliver(message_ids)
    if not self.request.is_eager:
        for message_id, delivery in deliveries.items():
            if delivery.retry_in is not None:
                deliver_message.apply_async((message_id,), countdown=delivery.retry_in)
    return {str(pk): delivery.status for pk, delivery in deliveries.items()}


@shared_task(name="tapif.core.tasks.requeue_pending_messages")
def requeue_pending_messages() -> dict:
    """Every few minutes: send again what a broker outage or a crashed worker left waiting."""
    return run_job("deliver_pending_mail", outbox.messages_requeue_pending)


@shared_task(name="tapif.core.tasks.clear_expired_sessions")
def clear_expired_sessions() -> dict:
    """Nightly: drop expired sessions and old job runs so the tables do not grow without bound."""
    return run_job("expired_sessions", _clear_sessions_and_old_runs)


def _clear_sessions_and_old_runs() -> dict:
    management.call_command("clearsessions")
    return {"old_job_runs_deleted": job_runs_prune()}


@shared_task(name="tapif.core.tasks.apply_retention")
def apply_retention() -> dict:
    """Daily: apply the retention policy's steps due today (tapif.core.privacy)."""
    return run_job("retention", privacy.retention_apply_due)


@shared_task(name="tapif.core.tasks.beat_tick", ignore_result=True)
def beat_tick() -> None:
    """Every minute: beat is alive (read by /readyz and `manage.py healthcheck beat`)."""
    health.beat_tick_record()


@shared_task(name="tapif.core.tasks.send_staff_alerts")
def send_staff_alerts() -> dict:
    """Every 15 minutes: tell the programme managers about failed e-mails and late jobs."""
    return run_job("staff_alerts", alerts.staff_alerts_send)
