"""Scheduled jobs record each run (when, what it did, or why it failed) for staff to check.

Celery beat ticks on the static schedule of tapif/settings.py; the job itself reads from the
campaign what to send and when. Each task wraps its service in `run_job`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tapif.core.models import JobRun

#: Every scheduled job by name, as staff read it (the apps' tasks use these names).
JOB_LABELS = {
    "deliver_pending_mail": _("Send e-mails left waiting"),
    "deadline_reminders": _("Reminders before applications close"),
    "language_test_reminders": _("Reminders before French test results are due"),
    "evaluator_reminders": _("Reminders to evaluators"),
    "correction_reminders": _("Reminders before a correction window closes"),
    "deadline_changes": _("Announcements of a moved deadline"),
    "offer_reminders": _("Reminders before an offer's answer is due"),
    "results_day_reminders": _("Results day reminder to programme managers"),
    "results_release": _("Results release"),
    "offer_expiry": _("Offers not answered in time lapse"),
    "expired_invitation_tokens": _("Clean-up of expired invitation links"),
    "unopened_invitations": _("Notices of evaluator invitations not opened"),
    "expired_sessions": _("Clean-up of expired sessions"),
    "retention": _("Retention policy: documents deleted, dossiers anonymised"),
    "staff_alerts": _("Alerts to programme managers"),
}

#: The Celery task that runs each job, as CELERY_BEAT_SCHEDULE names it: the schedule says when
#: the job is due, so a job that has not run on time can be told (tapif.core.alerts).
#: A job whose task is not on the schedule runs on demand.
JOB_TASKS = {
    "deliver_pending_mail": "tapif.core.tasks.requeue_pending_messages",
    "deadline_reminders": "candidates.tasks.send_deadline_reminders",
    "language_test_reminders": "candidates.tasks.send_language_test_reminders",
    "evaluator_reminders": "evaluations.tasks.send_evaluator_reminders",
    "correction_reminders": "candidates.tasks.send_correction_reminders",
    # Run when staff move a deadline, not on the schedule: only a failed run is told.
    "deadline_changes": "candidates.tasks.announce_deadline_change",
    "offer_reminders": "placements.tasks.send_offer_reminders",
    "results_day_reminders": "placements.tasks.send_results_day_reminders",
    "results_release": "placements.tasks.resume_results_releases",
    "offer_expiry": "placements.tasks.expire_offers",
    "expired_invitation_tokens": "evaluations.tasks.clear_expired_invitation_tokens",
    "unopened_invitations": "evaluations.tasks.flag_unopened_invitations",
    "expired_sessions": "tapif.core.tasks.clear_expired_sessions",
    "retention": "tapif.core.tasks.apply_retention",
    "staff_alerts": "tapif.core.tasks.send_staff_alerts",
}

#: What the jobs' counts mean, as staff read them in the admin.
SUMMARY_LABELS = {
    "requeued": _("e-mails dispatched again"),
    "sent": _("e-mails written"),
    "already_sent": _("already sent before"),
    "stage": _("reminder (days before)"),
    "awaiting_check": _("waiting for the embassy's check"),
    "candidates_told": _("candidates told"),
    "cleared": _("links forgotten"),
    "resumed": _("releases resumed"),
    "lapsed": _("offers lapsed"),
    "promoted": _("places offered to the waitlist"),
    "old_job_runs_deleted": _("old job runs deleted"),
    "dossiers_handled": _("dossiers handled"),
    "files_deleted": _("files deleted"),
    "problems": _("problems found"),
}


def summary_text(summary: dict[str, Any]) -> str:
    """ "e-mails written: 3, reminder (days before): 7" in the active language."""
    return ", ".join(
        f"{SUMMARY_LABELS.get(key, key)}: {'—' if value is None else value}"
        for key, value in summary.items()
    )


def run_job(job: str, service: Callable[[], dict[str, Any] | None]) -> dict[str, Any]:
    """Run `service` as `job`, recording the run; its returned counts are what it did.

    An exception is recorded on the run and raised again (Celery logs it; beat runs the job
    again at its next tick).
    """
    if job not in JOB_LABELS:
        raise ValueError(f"Unknown job {job!r}: add it to JOB_LABELS")
    run = JobRun.objects.create(job=job)
    try:
        summary = service() or {}
    except Exception as error:
        JobRun.objects.filter(pk=run.pk).update(
            status=JobRun.Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(error).__name__}: {error}"[:2000],
        )
        raise
    if not _fold_into_previous_idle_run(run, summary):
        JobRun.objects.filter(pk=run.pk).update(
            status=JobRun.Status.DONE, finished_at=timezone.now(), summary=summary
        )
    return summary


def _is_idle(summary: dict[str, Any]) -> bool:
    return not any(summary.values())


def _fold_into_previous_idle_run(run: JobRun, summary: dict[str, Any]) -> bool:
    """A run that did nothing, after one that did nothing the same way, only bumps that one."""
    if not _is_idle(summary):
        return False
    previous = (
        JobRun.objects.filter(job=run.job, started_at__lte=run.started_at)
        .exclude(pk=run.pk)
        .order_by("-started_at", "-id")
        .first()
    )
    if previous is None or previous.status != JobRun.Status.DONE or previous.summary != summary:
        return False
    JobRun.objects.filter(pk=previous.pk).update(
        repeats=F("repeats") + 1, finished_at=timezone.now()
    )
    run.delete()
    return True


def job_last_runs() -> dict[str, JobRun]:
    """The latest run of each job, by job name (one query per job: there are a handful)."""
    runs = (
        JobRun.objects.filter(job=job).order_by("-started_at", "-id").first() for job in JOB_LABELS
    )
    return {run.job: run for run in runs if run is not None}


#: Job runs are kept this long (a run every few minutes adds up).
KEEP_RUNS = dt.timedelta(days=90)


def job_runs_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the runs older than KEEP_RUNS; returns how many."""
    cutoff = (now or timezone.now()) - KEEP_RUNS
    deleted, _by_model = JobRun.objects.filter(started_at__lt=cutoff).delete()
    return deleted
