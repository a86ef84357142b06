"""Alerts to the programme managers when the machinery fails quietly.

Failed e-mails and scheduled jobs that did not run were visible only to someone opening the
admin. Every 15 minutes beat runs `staff_alerts_send`, which looks for
- e-mails given up in the last day, and e-mails waiting for more than an hour (the mail server
  refuses or cannot be reached);
- scheduled jobs whose last run failed, or that have not run by their next time on the beat
  schedule (plus a grace period);
and e-mails each programme manager once a day per problem, in their language, through the
outbox (its `dedup_key`: the day, the problem, the recipient). The problems are messages (codes
and parameters) worded at delivery by `ALERT_WORDS`.

When the worker or beat is down, no alert can run: that is what /readyz and the containers'
healthchecks are for (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tapif.core.jobs import JOB_LABELS, JOB_TASKS, job_last_runs
from tapif.core.messages import Message, message, worded
from tapif.core.models import JobRun, OutboundMessage, User
from tapif.core.moments import moment_words
from tapif.core.outbox import mail_user
from tapif.core.roles import PROGRAMME_MANAGER

#: Failed e-mails are counted over this window.
FAILED_WINDOW = dt.timedelta(days=1)
#: A message pending for longer than this is stuck (the requeue job retries every 5 minutes).
WAITING_TOO_LONG = dt.timedelta(hours=1)
#: A job is late this long after its next time on the schedule.
GRACE = dt.timedelta(minutes=20)

TEMPLATE = "core/email/staff_alert"


def _job_label(job: str) -> str:
    return str(JOB_LABELS.get(job, job))


def _moment(value: str) -> str:
    """An ISO datetime parameter as the reader reads a moment (the site's time zone, named)."""
    return moment_words(dt.datetime.fromisoformat(value))


def _failed_words(params: dict[str, Any]) -> str:
    return ngettext(
        "%(count)s e-mail could not be delivered in the last 24 hours.",
        "%(count)s e-mails could not be delivered in the last 24 hours.",
        params["count"],
    ) % {"count": params["count"]}


def _waiting_words(params: dict[str, Any]) -> str:
    return ngettext(
        "%(count)s e-mail has been waiting for more than an hour: the mail server may be "
        "unreachable or refusing them.",
        "%(count)s e-mails have been waiting for more than an hour: the mail server may be "
        "unreachable or refusing them.",
        params["count"],
    ) % {"count": params["count"]}


ALERT_WORDS = {
    "alert.messages_failed": _failed_words,
    "alert.messages_waiting": _waiting_words,
    "alert.job_late": worded(
        _("The scheduled job “%(job)s” has not run since %(since)s; it was due at %(due)s."),
        job=_job_label,
        since=_moment,
        due=_moment,
    ),
    "alert.job_never_ran": worded(
        _("The scheduled job “%(job)s” has never run; it was due at %(due)s."),
        job=_job_label,
        due=_moment,
    ),
    "alert.job_failed": worded(
        _("The last run of the scheduled job “%(job)s” failed, at %(at)s."),
        job=_job_label,
        at=_moment,
    ),
}


@dataclass(frozen=True)
class Problem:
    """One thing to tell: `key` names it for the day's deduplication."""

    key: str
    message: Message
    #: "outbox" or "jobs": which admin page shows it.
    page: str


def _next_run_after(schedule: Any, moment: dt.datetime) -> dt.datetime:
    """The first time on a beat schedule (a crontab) after `moment`."""
    start, delta, _now = schedule.remaining_delta(moment)
    return start + delta


def _schedule_by_task() -> dict[str, Any]:
    return {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def _last_seen(run: JobRun) -> dt.datetime:
    """When a job was last seen working: a folded idle run moves only `finished_at`."""
    return max(run.started_at, run.finished_at or run.started_at)


def problems_find(*, now: dt.datetime | None = None) -> list[Problem]:
    """What is wrong now, in a stable order."""
    now = now or timezone.now()
    problems: list[Problem] = []
    failed = OutboundMessage.objects.filter(
        status=OutboundMessage.Status.FAILED, created_at__gte=now - FAILED_WINDOW
    ).count()
    if failed:
        problems.append(
            Problem("messages_failed", message("alert.messages_failed", count=failed), "outbox")
        )
    waiting = OutboundMessage.objects.filter(
        Q(status=OutboundMessage.Status.PENDING) | Q(status=OutboundMessage.Status.SENDING),
        created_at__lt=now - WAITING_TOO_LONG,
    ).count()
    if waiting:
        problems.append(
            Problem("messages_waiting", message("alert.messages_waiting", count=waiting), "outbox")
        )
    problems.extend(_job_problems(now))
    return problems


def _job_problems(now: dt.datetime) -> list[Problem]:
    schedules = _schedule_by_task()
    last_runs = job_last_runs()
    # Before a job's first run, the time the machinery first ran stands for its last one.
    first_ever = JobRun.objects.aggregate(first=Min("started_at"))["first"]
    problems = []
    for job, task in JOB_TASKS.items():
        schedule = schedules.get(task)
        run = last_runs.get(job)
        if run is not None and run.status == JobRun.Status.FAILED:
            at = (run.finished_at or run.started_at).isoformat()
            problems.append(
                Problem(f"job_failed:{job}", message("alert.job_failed", job=job, at=at), "jobs")
            )
            continue
        since = _last_seen(run) if run is not None else first_ever
        if schedule is None or since is None:
            continue
        due = _next_run_after(schedule, since)
        if now <= due + GRACE:
            continue
        if run is None:
            late = message("alert.job_never_ran", job=job, due=due.isoformat())
        else:
            late = message("alert.job_late", job=job, since=since.isoformat(), due=due.isoformat())
        problems.append(Problem(f"job_late:{job}", late, "jobs"))
    return problems


def programme_managers() -> list[User]:
    return list(
        User.objects.filter(groups__name=PROGRAMME_MANAGER, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def staff_alerts_send(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Write one e-mail per problem to each programme manager, once a day (the outbox's
    dedup key); returns what was found and written. Run by beat through `run_job`."""
    now = now or timezone.now()
    problems = problems_find(now=now)
    day = timezone.localdate(now).isoformat()
    sent = 0
    for problem in problems:
        for manager in programme_managers():
            written = mail_user(
                user=manager,
                template_prefix=TEMPLATE,
                context={"problem": problem.message, "page": problem.page},
                dedup_key=f"staff-alert:{day}:{problem.key}:{manager.pk}"[:200],
            )
            sent += written is not None
    return {"problems": len(problems), "sent": sent}
