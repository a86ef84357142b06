"""Programme managers hear, once a day per problem, about failed e-mails and late jobs."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.utils.module_loading import import_string

from tapif.core.alerts import problems_find, staff_alerts_send
from tapif.core.jobs import JOB_LABELS, JOB_TASKS
from tapif.core.models import JobRun, OutboundMessage
from tapif.core.roles import PROGRAMME_MANAGER, REVIEWER
from tapif.core.tasks import send_staff_alerts
from tests.factories import EASTERN, StaffFactory

pytestmark = pytest.mark.django_db

# A Tuesday morning in Ottawa.
NOW = dt.datetime(2026, 3, 10, 10, 30, tzinfo=EASTERN)


def staff(role: str, **fields):
    user = StaffFactory(**fields)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def managers():
    return [
        staff(PROGRAMME_MANAGER, first_name="Sophie", email="sophie@embassy.example"),
        staff(
            PROGRAMME_MANAGER,
            first_name="Dan",
            email="dan@embassy.example",
            preferred_language="en",
        ),
    ]


def failed_message(*, at: dt.datetime, status=OutboundMessage.Status.FAILED) -> OutboundMessage:
    return OutboundMessage.objects.create(
        to_email="jo@example.ca",
        language="fr",
        template="core/email/second_factor_changed",
        status=status,
        created_at=at,
        error="SMTPRecipientsRefused",
    )


def job_run(job: str, *, at: dt.datetime, status=JobRun.Status.DONE) -> JobRun:
    return JobRun.objects.create(
        job=job, started_at=at, finished_at=at + dt.timedelta(seconds=2), status=status
    )


def send(capture, now=NOW) -> dict:
    with capture(execute=True):
        return staff_alerts_send(now=now)


def test_failed_emails_are_told_to_each_manager_in_their_language(
    managers, django_capture_on_commit_callbacks
):
    for hours in (2, 5, 30):
        failed_message(at=NOW - dt.timedelta(hours=hours))
    StaffFactory(email="reviewer@embassy.example").groups.add(Group.objects.get(name=REVIEWER))

    result = send(django_capture_on_commit_callbacks)

    assert result == {"problems": 1, "sent": 2}
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"sophie@embassy.example", "dan@embassy.example"}
    french, english = by_recipient["sophie@embassy.example"], by_recipient["dan@embassy.example"]
    assert english.subject == "[TAPIF] TAPIF alert: e-mails are not going out"
    assert "2 e-mails could not be delivered in the last 24 hours." in english.body
    assert f"{settings.SITE_URL}/admin/core/outboundmessage/" in english.body
    assert french.subject == "[TAPIF] Alerte TAPIF : des courriels ne partent pas"
    assert "2 courriels n’ont pas pu être remis ces dernières 24 heures." in french.body
    # Nobody's address appears in the alert.
    assert "jo@example.ca" not in english.body + french.body


def test_a_problem_is_told_once_a_day(managers, django_capture_on_commit_callbacks):
    failed_message(at=NOW - dt.timedelta(hours=1))

    first = send(django_capture_on_commit_callbacks)
    later = send(django_capture_on_commit_callbacks, NOW + dt.timedelta(hours=3))
    next_day = send(django_capture_on_commit_callbacks, NOW + dt.timedelta(hours=20))

    assert first == {"problems": 1, "sent": 2}
    assert later == {"problems": 1, "sent": 0}
    assert next_day == {"problems": 1, "sent": 2}
    assert len(mail.outbox) == 4


def test_emails_waiting_for_over_an_hour_are_a_problem():
    failed_message(at=NOW - dt.timedelta(minutes=90), status=OutboundMessage.Status.PENDING)
    failed_message(at=NOW - dt.timedelta(minutes=20), status=OutboundMessage.Status.PENDING)

    problems = problems_find(now=NOW)

    assert [(p.key, p.message) for p in problems] == [
        ("messages_waiting", {"code": "alert.messages_waiting", "params": {"count": 1}})
    ]


def test_nothing_wrong_nothing_sent(managers, django_capture_on_commit_callbacks):
    failed_message(at=NOW - dt.timedelta(hours=30))  # older than a day
    for job in JOB_TASKS:
        job_run(job, at=NOW - dt.timedelta(minutes=1))

    assert send(django_capture_on_commit_callbacks) == {"problems": 0, "sent": 0}
    assert mail.outbox == []


def test_a_daily_job_that_missed_its_time_is_late(managers, django_capture_on_commit_callbacks):
    for job in JOB_TASKS:
        job_run(job, at=NOW - dt.timedelta(minutes=1))
    # Due every day at 9:00: its last run was the day before yesterday.
    JobRun.objects.filter(job="deadline_reminders").update(
        started_at=dt.datetime(2026, 3, 8, 9, 0, tzinfo=EASTERN),
        finished_at=dt.datetime(2026, 3, 8, 9, 0, 3, tzinfo=EASTERN),
    )

    problems = problems_find(now=NOW)
    send(django_capture_on_commit_callbacks)

    assert [p.key for p in problems] == ["job_late:deadline_reminders"]
    english = next(m for m in mail.outbox if m.to == ["dan@embassy.example"])
    assert english.subject == "[TAPIF] TAPIF alert: a scheduled job needs attention"
    assert (
        "The scheduled job “Reminders before applications close” has not run since "
        "8 March 2026, 9:00 a.m. Eastern time; it was due at 9 March 2026, 9:00 a.m. Eastern "
        "time." in english.body
    ), english.body
    assert f"{settings.SITE_URL}/admin/core/jobrun/" in english.body
    french = next(m for m in mail.outbox if m.to == ["sophie@embassy.example"])
    assert (
        "La tâche planifiée «\u00a0Rappels avant la clôture des candidatures\u00a0» ne s’est pas "
        "exécutée depuis le 8 mars 2026 à 9 h 00, heure de l’Est" in french.body
    ), french.body


def test_a_job_on_time_is_not_late():
    for job in JOB_TASKS:
        job_run(job, at=NOW - dt.timedelta(minutes=1))
    # Ran yesterday at 9:00: next due today at 9:00, plus the grace period… still early at 9:15.
    JobRun.objects.filter(job="deadline_reminders").update(
        started_at=dt.datetime(2026, 3, 9, 9, 0, tzinfo=EASTERN),
        finished_at=dt.datetime(2026, 3, 9, 9, 0, 3, tzinfo=EASTERN),
    )

    assert problems_find(now=dt.datetime(2026, 3, 10, 9, 15, tzinfo=EASTERN)) == []
    assert [p.key for p in problems_find(now=NOW)] == ["job_late:deadline_reminders"]


def test_an_idle_run_folded_into_an_old_one_still_counts_as_recent():
    """A frequent job with nothing to do bumps one row's finished_at (jobs.run_job)."""
    for job in JOB_TASKS:
        job_run(job, at=NOW - dt.timedelta(minutes=1))
    JobRun.objects.filter(job="deliver_pending_mail").update(
        started_at=NOW - dt.timedelta(days=3), finished_at=NOW - dt.timedelta(minutes=4)
    )

    assert problems_find(now=NOW) == []


def test_a_failed_last_run_and_a_job_that_never_ran_are_problems():
    for job in JOB_TASKS:
        if job != "offer_expiry":
            job_run(job, at=NOW - dt.timedelta(hours=3))
    JobRun.objects.filter(job="evaluator_reminders").update(status=JobRun.Status.FAILED)
    JobRun.objects.exclude(job="evaluator_reminders").update(finished_at=NOW)

    keys = {p.key: p.message for p in problems_find(now=NOW)}

    assert keys["job_failed:evaluator_reminders"]["code"] == "alert.job_failed"
    never_ran = keys["job_late:offer_expiry"]
    assert never_ran["code"] == "alert.job_never_ran"
    # Due at its first time on the schedule after the first run of any job (3 hours ago).
    due = dt.datetime.fromisoformat(never_ran["params"]["due"])
    assert NOW - dt.timedelta(hours=3) < due <= NOW - dt.timedelta(hours=2)
    assert set(keys) == {"job_failed:evaluator_reminders", "job_late:offer_expiry"}


def test_without_any_job_run_yet_nothing_is_late():
    """A fresh install: beat has not run anything; that is readiness's business, not this."""
    assert problems_find(now=NOW) == []


def test_without_managers_problems_are_counted_but_nobody_is_mailed():
    failed_message(at=NOW - dt.timedelta(hours=1))

    assert staff_alerts_send(now=NOW) == {"problems": 1, "sent": 0}


def test_every_job_has_its_beat_task_and_the_alerts_run_every_quarter_hour():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert set(JOB_TASKS) == set(JOB_LABELS)
    # Every scheduled task but beat's tick is a job whose lateness is watched.
    assert scheduled - set(JOB_TASKS.values()) == {"tapif.core.tasks.beat_tick"}
    assert set(JOB_TASKS.values()) - scheduled == {"candidates.tasks.announce_deadline_change"}
    for task in JOB_TASKS.values():
        assert import_string(task).name == task
    assert settings.CELERY_BEAT_SCHEDULE["staff-alerts"]["task"] == send_staff_alerts.name


def test_the_alert_task_records_its_run(managers):
    summary = send_staff_alerts.delay().get()

    run = JobRun.objects.get(job="staff_alerts")
    assert run.status == JobRun.Status.DONE
    assert summary == {"problems": 0, "sent": 0}
