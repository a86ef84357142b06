"""Celery tasks of the evaluations: thin, scheduled by beat (tapif/settings.py), each run
recorded as a job run for staff to check."""

from __future__ import annotations

from celery import shared_task

from evaluations.reminders import evaluator_reminders_send, invitation_tokens_clear_expired
from evaluations.services import evaluation_requests_flag_unopened
from tapif.core.jobs import run_job


@shared_task(name="evaluations.tasks.flag_unopened_invitations")
def flag_unopened_invitations() -> dict:
    """Daily: tell candidates whose invitation bounced or sits unopened (once per request)."""
    return run_job(
        "unopened_invitations", lambda: {"candidates_told": evaluation_requests_flag_unopened()}
    )


@shared_task(name="evaluations.tasks.send_evaluator_reminders")
def send_evaluator_reminders() -> dict:
    """Daily: remind evaluators who have not answered, as the campaign's settings say."""
    return run_job("evaluator_reminders", evaluator_reminders_send)


@shared_task(name="evaluations.tasks.clear_expired_invitation_tokens")
def clear_expired_invitation_tokens() -> dict:
    """Nightly: forget the links that can no longer be used."""
    return run_job("expired_invitation_tokens", invitation_tokens_clear_expired)
