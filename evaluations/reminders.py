"""Scheduled work on evaluation requests: reminders to evaluators who have not answered, the
nightly clean-up of dead links (evaluations.tasks runs them).

A reminder is due `evaluator_reminder_after_days` after the invitation was delivered, then
every `evaluator_reminder_every_days`, at most `evaluator_reminder_max` times, counted on the
calendar of the campaign's time zone (tapif.core.schedule). Each one carries a fresh link (the
previous ones stop working, as when the candidate resends); with the last one the candidate is
told they may replace the evaluator. Dedup keys make a job run twice send each reminder once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from candidates.choices import ApplicationStatus
from evaluations.choices import OPEN_STATUSES
from evaluations.models import EvaluationRequest
from evaluations.services import REMINDER_TEMPLATE, evaluator_link, link_token_issue
from tapif.core.audit import audit_record
from tapif.core.outbox import mail_address, mail_user
from tapif.core.schedule import follow_up_due, local_date, minute_started

LAST_REMINDER_NOTE_TEMPLATE = "evaluations/email/evaluator_unanswered"

#: Dossiers whose evaluator is no longer reminded.
DOSSIER_DONE_STATUSES = (ApplicationStatus.WITHDRAWN, ApplicationStatus.INELIGIBLE)


def evaluator_reminder_key(request_id: int, number: int) -> str:
    return f"evaluator-reminder:{request_id}:{number}"


def evaluator_last_reminder_key(request_id: int) -> str:
    return f"evaluator-last-reminder:{request_id}"


def _reminder_due(request: EvaluationRequest, today: dt.date) -> int | None:
    campaign = request.application.campaign
    zone = campaign.zone
    return follow_up_due(
        started_on=local_date(request.sent_at, zone),
        today=today,
        already_sent=request.reminders_sent,
        last_sent_on=local_date(request.last_reminded_at, zone)
        if request.last_reminded_at
        else None,
        after_days=campaign.evaluator_reminder_after_days,
        every_days=campaign.evaluator_reminder_every_days,
        at_most=campaign.evaluator_reminder_max,
    )


def _candidates_for_reminders(now: dt.datetime):
    """Requests waiting for their evaluator whose invitation was delivered, in campaigns
    still open, for dossiers still in the running."""
    return (
        EvaluationRequest.objects.filter(
            status__in=OPEN_STATUSES,
            sent_at__isnull=False,
            delivery_failed_at__isnull=True,
            application__campaign__closes_at__gte=minute_started(now),
            application__candidate__is_active=True,
        )
        .filter(reminders_sent__lt=F("application__campaign__evaluator_reminder_max"))
        .exclude(application__status__in=DOSSIER_DONE_STATUSES)
    )


def evaluator_reminders_send(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """Remind each evaluator whose reminder is due today, with a fresh link; with the last
    one, tell the candidate they may replace the evaluator.

    One transaction per request, under a lock that skips a request someone is changing right
    now (a reply, a replacement: it is looked at again tomorrow). A declined, submitted or
    replaced request gets nothing; a replacement counts from its own invitation. Dedup keys:
    `evaluator-reminder:<request>:<n>` and `evaluator-last-reminder:<request>`.
    Returns the counts of reminders sent and of notes to candidates.
    """
    now = now or timezone.now()
    waiting = _candidates_for_reminders(now).select_related("application__campaign")
    due = [
        request.pk
        for request in waiting.order_by("pk")
        if _reminder_due(request, local_date(now, request.application.campaign.zone))
    ]
    sent = candidates_told = 0
    for request_id in due:
        with transaction.atomic():
            request = (
                _candidates_for_reminders(now)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("application__campaign", "application__candidate")
                .filter(pk=request_id)
                .first()
            )
            if request is None:
                continue
            campaign = request.application.campaign
            number = _reminder_due(request, local_date(now, campaign.zone))
            if number is None:
                continue
            told = _remind(request, number=number, now=now)
        sent += told is not None
        candidates_told += bool(told)
    return {"sent": sent, "candidates_told": candidates_told}


def _remind(request: EvaluationRequest, *, number: int, now: dt.datetime) -> bool | None:
    """Write reminder `number` with a fresh link and record it on the request; None when it
    was written before (nothing changes), else whether the candidate was told too."""
    application = request.application
    campaign, candidate = application.campaign, application.candidate
    token = link_token_issue(request)
    message = mail_address(
        email=request.evaluator_email,
        language=request.language,
        template_prefix=REMINDER_TEMPLATE,
        context={
            "request": request,
            "application": application,
            "candidate": candidate,
            "campaign": campaign,
            "number": number,
            "last": number == campaign.evaluator_reminder_max,
            "link": evaluator_link(request, token),
        },
        reply_to=candidate.email,
        dedup_key=evaluator_reminder_key(request.pk, number),
        secret_keys=["link"],
    )
    if message is None:  # written by an earlier run: keep the link that e-mail carries
        return None
    request.reminders_sent = number
    request.last_reminded_at = now
    request.save(
        update_fields=["token_hash", "token_expires_at", "reminders_sent", "last_reminded_at"]
    )
    audit_record(
        actor=None, action="evaluation_request.remind", target=request, data={"number": number}
    )
    if number < campaign.evaluator_reminder_max:
        return False
    note = mail_user(
        user=candidate,
        template_prefix=LAST_REMINDER_NOTE_TEMPLATE,
        context={"request": request, "application": application, "reminders": number},
        dedup_key=evaluator_last_reminder_key(request.pk),
    )
    return note is not None


def invitation_tokens_clear_expired(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Forget the hash of every link that can no longer be used: expired, or its request no
    longer waiting for the evaluator (answered, declined, replaced). Such a link then reads as
    unknown. Run nightly; returns how many were cleared."""
    now = now or timezone.now()
    cleared = (
        EvaluationRequest.objects.filter(token_hash__isnull=False)
        .filter(Q(token_expires_at__lt=minute_started(now)) | ~Q(status__in=OPEN_STATUSES))
        .update(token_hash=None)
    )
    return {"cleared": cleared}
