"""Scheduled jobs with the real Redis broker and real Celery workers: the deadline reminder job
run twice (one after the other, or at once on two workers) sends each reminder once, and the
results release killed mid-batch (SIGKILL) and resumed tells every candidate exactly once.

The workers run on the real clock: the campaign's dates are moved around today rather than the
clock to the campaign's dates, and "later" is written into the database where a job waits for
time to pass. The workers' environment (RESULTS_RELEASE_BATCH_SECONDS=1) spaces release
batches 1 s apart.
"""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from candidates.models import Application
from candidates.reminders import DEADLINE_TEMPLATE
from candidates.tasks import send_deadline_reminders
from placements.choices import ReleaseStatus
from placements.models import ResultsRelease
from placements.release import release_recipients, results_release_start
from placements.tasks import release_results_batch, resume_results_releases
from selection.services import criteria_ensure
from tapif.core.models import Campaign, JobRun, OutboundMessage
from tests.candidates.factories import ApplicationFactory
from tests.factories import CandidateFactory
from tests.placements.test_release import frozen_round, manager
from tests.placements.test_rounds import reviewed_dossiers
from tests.worker.harness import database_url, wait_until

pytestmark = pytest.mark.worker

Status = OutboundMessage.Status


def all_sent(count: int) -> None:
    """Wait until the outbox holds `count` e-mails, all sent."""

    def state() -> dict[str, int]:
        statuses = OutboundMessage.objects.values_list("status", flat=True)
        return {status: list(statuses).count(status) for status in set(statuses)}

    wait_until(
        lambda: state() == {Status.SENT: count},
        timeout=20,
        message=lambda: f"{count} e-mails sent (outbox: {state()})",
    )


def job_summaries(job: str) -> list[dict]:
    return list(
        JobRun.objects.filter(job=job, status=JobRun.Status.DONE)
        .order_by("started_at", "pk")
        .values_list("summary", flat=True)
    )


# --- Deadline reminders ------------------------------------------------------------------------


@pytest.fixture
def drafts(transactional_db) -> list[Application]:
    """Three draft dossiers in the current campaign, which closes in 7 days (local calendar):
    the stage "7 days before" is due today."""
    campaign = Campaign.objects.get(is_current=True)
    local_now = timezone.now().astimezone(campaign.zone)
    Campaign.objects.filter(pk=campaign.pk).update(
        opens_at=local_now - timedelta(days=30), closes_at=local_now + timedelta(days=7)
    )
    return [
        ApplicationFactory(candidate=CandidateFactory(preferred_language=language))
        for language in ("fr", "en", "fr")
    ]


def test_the_deadline_reminder_job_run_twice_sends_each_reminder_once(
    celery_worker, mail_drop, drafts
):
    send_deadline_reminders.delay()
    send_deadline_reminders.delay()

    wait_until(lambda: len(job_summaries("deadline_reminders")) == 2, message="two runs done")
    all_sent(3)
    celery_worker.drain()

    assert job_summaries("deadline_reminders") == [
        {"sent": 3, "already_sent": 0, "stage": 7},
        {"sent": 0, "already_sent": 3, "stage": 7},
    ]
    counts = mail_drop.count()
    assert sorted(to for to, _subject in counts) == sorted(d.candidate.email for d in drafts)
    assert set(counts.values()) == {1}
    assert set(OutboundMessage.objects.values_list("template", flat=True)) == {DEADLINE_TEMPLATE}


def test_two_workers_running_the_reminder_job_at_once_send_each_reminder_once(
    start_worker, mail_drop, drafts
):
    """Beat fired twice (two beats by mistake): two workers run the job at the same moment."""
    workers = [start_worker(), start_worker()]

    send_deadline_reminders.delay()
    send_deadline_reminders.delay()

    wait_until(lambda: len(job_summaries("deadline_reminders")) == 2, message="two runs done")
    all_sent(3)
    for worker in workers:  # a warm shutdown finishes whatever a worker has in hand
        assert worker.stop() == 0

    assert sum(summary["sent"] for summary in job_summaries("deadline_reminders")) == 3
    counts = mail_drop.count()
    assert sorted(to for to, _subject in counts) == sorted(d.candidate.email for d in drafts)
    assert set(counts.values()) == {1}


# --- Results release ---------------------------------------------------------------------------


@pytest.fixture
def frozen(transactional_db):
    """A frozen round of six reviewed dossiers (two placed, one waitlisted, three not selected),
    released at 120 e-mails a minute: with the workers' 1 s pace, three batches of two."""
    campaign = Campaign.objects.get(is_current=True)
    criteria_ensure(campaign)
    Campaign.objects.filter(pk=campaign.pk).update(results_messages_per_minute=120)
    reviewed_dossiers(campaign, ["90", "80", "70", "60", "50", "40"])
    return frozen_round(campaign)


def waiting_on_a_lock() -> list[int]:
    """The database sessions (other than the test's) waiting for a row lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


def session_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def test_the_results_release_killed_mid_batch_and_resumed_tells_everyone_once(
    celery_worker, mail_drop, frozen, settings
):
    settings.RESULTS_RELEASE_BATCH_SECONDS = 1  # as the workers have it
    recipients = [pk for pk, _kind in release_recipients(frozen)]
    assert len(recipients) == 6
    # Another session holds the 4th dossier's row: the worker's second batch writes the 3rd
    # dossier's result and e-mail, then waits there, in the middle of its transaction.
    blocker = psycopg.connect(database_url(connection.settings_dict))
    blocker.execute(
        f"SELECT 1 FROM {Application._meta.db_table} WHERE id = %s FOR UPDATE",  # noqa: S608 (our table name)
        [recipients[3]],
    )
    try:
        release = results_release_start(selection_round=frozen, actor=manager())
        (stuck,) = wait_until(waiting_on_a_lock, message="the second batch waiting on the row")
        all_sent(2)  # the first batch committed, its two e-mails went out

        celery_worker.kill()  # SIGKILL, in the middle of the second batch
    finally:
        blocker.rollback()
        blocker.close()
    # The dead worker's session notices when it next speaks: its transaction is rolled back.
    wait_until(lambda: not session_alive(stuck), message="the killed worker's session gone")

    release.refresh_from_db()
    assert (release.status, release.processed) == (ReleaseStatus.RUNNING, 2)
    assert OutboundMessage.objects.count() == 2
    assert Application.objects.filter(result_released_at__isnull=False).count() == 2

    # The worker is back; beat's resume job finds the chain broken (no batch for two
    # intervals: that time is written in, not waited for) and dispatches the next batch.
    celery_worker.start()
    ResultsRelease.objects.filter(pk=release.pk).update(
        last_batch_at=F("last_batch_at") - timedelta(seconds=10)
    )
    resume_results_releases.delay()

    wait_until(
        lambda: ResultsRelease.objects.get(pk=release.pk).status == ReleaseStatus.DONE,
        timeout=20,
        message="the release done",
    )
    all_sent(6)
    # Run again, resumed again: nothing more is written or sent.
    release_results_batch.delay(release.pk)
    resume_results_releases.delay()
    celery_worker.drain()

    release.refresh_from_db()
    assert (release.processed, release.total) == (6, 6)
    assert release.counts == {"placed": 2, "waitlisted": 1, "not_selected": 3}
    assert Application.objects.filter(result_released_at__isnull=False).count() == 6
    assert OutboundMessage.objects.count() == 6
    counts = mail_drop.count()
    emails = set(Application.objects.filter(pk__in=recipients).values_list("candidate__email"))
    assert {to for to, _subject in counts} == {email for (email,) in emails}
    assert set(counts.values()) == {1}
