"""Celery tasks of the placements: thin, they call `placements.release` and `placements.offers`
(their docstrings)."""

from __future__ import annotations

from celery import shared_task

from placements.offers import offers_expire
from placements.release import results_release_batch, results_releases_resume
from placements.reminders import offer_reminders_send, results_day_reminders_send
from tapif.core.jobs import run_job


@shared_task(bind=True, name="placements.tasks.release_results_batch")
def release_results_batch(self, release_id: int) -> str:
    """One batch of a results release; it queues the next one itself once it commits.

    Run eagerly (no broker: the demo), the whole release runs now, batch after batch in this
    loop (no countdown to wait for, no chain of nested calls).
    """
    if not self.request.is_eager:
        return results_release_batch(release_id).outcome
    batch = results_release_batch(release_id, paced=False)
    while batch.more:
        batch = results_release_batch(release_id, paced=False)
    return batch.outcome


@shared_task(name="placements.tasks.resume_results_releases")
def resume_results_releases() -> dict:
    """Every minute: restart the batches of a release whose chain broke (a crashed worker)."""
    return run_job("results_release", results_releases_resume)


@shared_task(name="placements.tasks.expire_offers")
def expire_offers() -> dict:
    """Hourly: offers not answered by their deadline lapse and their places go to the waitlist."""
    return run_job("offer_expiry", offers_expire)


@shared_task(name="placements.tasks.send_offer_reminders")
def send_offer_reminders() -> dict:
    """Daily: remind candidates of a pending offer's deadline, at the campaign's days (once)."""
    return run_job("offer_reminders", offer_reminders_send)


@shared_task(name="placements.tasks.send_results_day_reminders")
def send_results_day_reminders() -> dict:
    """Daily, early: on the results date, remind the programme managers (once)."""
    return run_job("results_day_reminders", results_day_reminders_send)
