"""Celery tasks of the dossier: thin, scheduled by beat (tapif/settings.py), each run recorded."""

from __future__ import annotations

from celery import shared_task

from candidates.reminders import (
    correction_reminders_send,
    deadline_change_announce,
    deadline_reminders_send,
    language_test_reminders_send,
)
from tapif.core.jobs import run_job


@shared_task(name="candidates.tasks.send_deadline_reminders")
def send_deadline_reminders() -> dict:
    """Daily: remind draft dossiers of the close, at the campaign's reminder days (once each)."""
    return run_job("deadline_reminders", deadline_reminders_send)


@shared_task(name="candidates.tasks.send_language_test_reminders")
def send_language_test_reminders() -> dict:
    """Daily: remind candidates on the official-test route before results are due (once each)."""
    return run_job("language_test_reminders", language_test_reminders_send)


@shared_task(name="candidates.tasks.send_correction_reminders")
def send_correction_reminders() -> dict:
    """Daily: remind dossiers with a rejected document before its correction window closes."""
    return run_job("correction_reminders", correction_reminders_send)


@shared_task(name="candidates.tasks.announce_deadline_change")
def announce_deadline_change(*, campaign_id: int, which: str, previous: str) -> dict:
    """After staff moved a deadline: tell every dossier it concerns, once per new value."""
    return run_job(
        "deadline_changes",
        lambda: deadline_change_announce(campaign_id=campaign_id, which=which, previous=previous),
    )
