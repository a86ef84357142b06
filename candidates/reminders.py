"""Reminders to candidates before the campaign's dates, run once a day (candidates.tasks).

Which reminder is due is read from the campaign (its reminder days, its dates, counted on the
calendar of its time zone: tapif.core.schedule); every reminder carries a dedup key naming the
dossier, the campaign and the stage, so a job run twice, or retried, sends each one once. The
e-mail says exactly what is still missing, as the dossier pages do (candidates.completeness),
written in the candidate's language when the reminder is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from candidates import completeness
from candidates.choices import ApplicationStatus, DocumentKind, FrenchProofRoute
from candidates.models import Application
from candidates.selectors import dossier_load, dossier_status, section_of
from tapif.core.models import Campaign, OutboundMessage
from tapif.core.outbox import mail_user
from tapif.core.schedule import days_until, local_date, reminder_stage
from tapif.core.selectors import campaign_current

DEADLINE_TEMPLATE = "candidates/email/deadline_reminder"
LANGUAGE_TEST_TEMPLATE = "candidates/email/language_test_reminder"

#: Dossiers that no longer need their official test reminded.
LANGUAGE_TEST_DONE_STATUSES = (ApplicationStatus.WITHDRAWN, ApplicationStatus.INELIGIBLE)


def deadline_reminder_key(application_id: int, campaign_id: int, stage: int) -> str:
    return f"deadline-reminder:{application_id}:{campaign_id}:T-{stage}"


def language_test_reminder_key(application_id: int, campaign_id: int, stage: int) -> str:
    return f"language-test-reminder:{application_id}:{campaign_id}:T-{stage}"


def _summary(stage: int | None, **counts: int) -> dict[str, Any]:
    return {"sent": 0, "already_sent": 0, **counts, "stage": stage}


def _existing_keys(campaign: Campaign, template: str, stage: int) -> set[str]:
    """The dedup keys of this stage's reminders already written (one query, whatever the
    number of dossiers, so a second run loads none of them)."""
    written = OutboundMessage.objects.filter(
        campaign=campaign, template=template, dedup_key__endswith=f":{campaign.pk}:T-{stage}"
    )
    return set(written.values_list("dedup_key", flat=True))


def _lock_if_still(application_id: int, **conditions: Any) -> Application | None:
    """The dossier, locked for this reminder, if it still meets `conditions` (a dossier being
    submitted right now is skipped: its row is locked, or it is no longer a draft)."""
    return (
        Application.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk=application_id, **conditions)
        .first()
    )


# --- Before applications close ------------------------------------------------------------------


def dossier_missing(application: Application) -> dict[str, list]:
    """What still stands between a loaded dossier (selectors.dossier_load) and its submission,
    as the candidate reads it in the active language: `missing`, groups of a title and its
    entries (each section, then the documents; the fee is part of section 5, as on the dossier
    page), and `problems`, the eligibility rules that would refuse a complete dossier."""
    status = dossier_status(application)
    missing = [
        {"title": str(section.title), "entries": [str(entry) for entry in section.missing]}
        for section in status.sections
        if section.missing
    ]
    if status.documents_missing:
        missing.append(
            {
                "title": gettext("Documents"),
                "entries": [str(entry) for entry in status.documents_missing],
            }
        )
    problems = status.failure_messages() if status.verdict.eligible is False else []
    return {"missing": missing, "problems": problems}


def deadline_reminders_send(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """Remind every candidate whose dossier is still a draft, at the stage due today, of the
    close of the current campaign and of what their dossier still lacks.

    Stages are the campaign's `deadline_reminder_days` before its close, counted in its time
    zone; nothing while the campaign is not open. Each e-mail is written in its own
    transaction with the dedup key `deadline-reminder:<dossier>:<campaign>:T-<stage>`.
    Returns the counts: sent, already sent (by an earlier run), and the stage.
    """
    now = now or timezone.now()
    campaign = campaign_current()
    if campaign is None or not campaign.is_open(now):
        return _summary(None)
    days_left = days_until(
        local_date(campaign.closes_at, campaign.zone), local_date(now, campaign.zone)
    )
    stage = reminder_stage(days_left, campaign.deadline_reminder_day_list)
    if stage is None:
        return _summary(None)
    drafts = list(
        Application.objects.filter(
            campaign=campaign, status=ApplicationStatus.DRAFT, candidate__is_active=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    keys = {pk: deadline_reminder_key(pk, campaign.pk, stage) for pk in drafts}
    done = _existing_keys(campaign, DEADLINE_TEMPLATE, stage)
    sent = already_sent = 0
    for application_id, key in keys.items():
        if key in done:
            already_sent += 1
            continue
        with transaction.atomic():
            if _lock_if_still(application_id, status=ApplicationStatus.DRAFT) is None:
                continue
            written = _deadline_reminder_write(
                dossier_load(application_id), campaign, stage=stage, days_left=days_left, key=key
            )
        sent += written
        already_sent += not written
    return _summary(stage, sent=sent, already_sent=already_sent)


def _deadline_reminder_write(
    application: Application, campaign: Campaign, *, stage: int, days_left: int, key: str
) -> bool:
    candidate = application.candidate
    with translation.override(candidate.preferred_language):
        found = dossier_missing(application)
    message = mail_user(
        user=candidate,
        template_prefix=DEADLINE_TEMPLATE,
        context={
            "application": application,
            "campaign": campaign,
            "days_left": days_left,
            "stage": stage,
            **found,
        },
        dedup_key=key,
        campaign=campaign,
    )
    return message is not None


# --- Before official French test results are due -----------------------------------------------


def language_test_missing(application: Application) -> list[str]:
    """What the candidate must still do for their official test to count, in the active
    language: the test's details, its certificate (missing or rejected), results dated after
    the campaign's deadline. Empty when all is in and only the embassy's check remains."""
    french = section_of(application, "french")
    deadline = application.campaign.language_test_deadline
    missing = [str(entry) for entry in completeness.french_missing(french)]
    if french is not None and french.test_date and french.test_date > deadline:
        missing.append(
            gettext("Your results are dated after %(date)s: the programme cannot accept them")
            % {"date": formats.date_format(deadline)}
        )
    current = {document.kind: document for document in application.current_documents}
    missing += [
        str(entry)
        for entry in completeness.documents_missing([DocumentKind.LANGUAGE_TEST], current)
    ]
    return missing


def language_test_reminders_send(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """Remind candidates on the official-test route whose result is not verified yet, at the
    stage due today, of the campaign's `language_test_deadline` and of what they still owe.

    Stages are the campaign's `language_test_reminder_days` before that deadline (in its time
    zone). Withdrawn and ineligible dossiers are left alone, and so is a candidate who has
    entered and uploaded everything: only the embassy's check remains, nothing is theirs to do
    (counted as `awaiting_check`). Dedup key:
    `language-test-reminder:<dossier>:<campaign>:T-<stage>`.
    """
    now = now or timezone.now()
    campaign = campaign_current()
    if campaign is None or campaign.has_closed(now) or now < campaign.opens_at:
        return _summary(None, awaiting_check=0)
    days_left = days_until(campaign.language_test_deadline, local_date(now, campaign.zone))
    stage = reminder_stage(days_left, campaign.language_test_reminder_day_list)
    if stage is None:
        return _summary(None, awaiting_check=0)
    on_test_route = {
        "campaign": campaign,
        "french__proof_route": FrenchProofRoute.OFFICIAL_TEST,
        "french__test_verified_at__isnull": True,
    }
    candidates = list(
        Application.objects.filter(**on_test_route, candidate__is_active=True)
        .exclude(status__in=LANGUAGE_TEST_DONE_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    keys = {pk: language_test_reminder_key(pk, campaign.pk, stage) for pk in candidates}
    done = _existing_keys(campaign, LANGUAGE_TEST_TEMPLATE, stage)
    sent = already_sent = awaiting_check = 0
    for application_id, key in keys.items():
        if key in done:
            already_sent += 1
            continue
        with transaction.atomic():
            locked = _lock_if_still(application_id, **on_test_route)
            if locked is None or locked.status in LANGUAGE_TEST_DONE_STATUSES:
                continue
            application = dossier_load(application_id)
            candidate = application.candidate
            with translation.override(candidate.preferred_language):
                missing = language_test_missing(application)
            if not missing:
                awaiting_check += 1
                continue
            message = mail_user(
                user=candidate,
                template_prefix=LANGUAGE_TEST_TEMPLATE,
                context={
                    "application": application,
                    "campaign": campaign,
                    "days_left": days_left,
                    "stage": stage,
                    "missing": missing,
                },
                dedup_key=key,
                campaign=campaign,
            )
        sent += message is not None
        already_sent += message is None
    return _summary(stage, sent=sent, already_sent=already_sent, awaiting_check=awaiting_check)
