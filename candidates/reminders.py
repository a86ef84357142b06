"""Reminders to candidates before the campaign's dates, run once a day (candidates.tasks).

Which reminder is due is read from the campaign (its reminder days, its dates, counted on the
calendar of its time zone: tapif.core.schedule); every reminder carries a dedup key naming the
dossier, the campaign, the deadline it announces and the stage, so a job run twice, or retried,
sends each one once, and a deadline moved to another day starts its stages again. The e-mail
says exactly what is still missing, as the dossier pages do (candidates.completeness), written
in the candidate's language when the reminder is written. A moved deadline is announced once
(`deadline_change_announce`); docs/notifications.md is the calendar of every message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from candidates import completeness
from candidates.choices import ApplicationStatus, DocumentKind, DocumentReview, FrenchProofRoute
from candidates.models import Application, Document
from candidates.selectors import dossier_load, dossier_status, section_of
from tapif.core.models import Campaign, OutboundMessage
from tapif.core.moments import day_words
from tapif.core.outbox import mail_user
from tapif.core.schedule import days_until, local_date, minute_started, reminder_stage
from tapif.core.selectors import campaign_current

DEADLINE_TEMPLATE = "candidates/email/deadline_reminder"
LANGUAGE_TEST_TEMPLATE = "candidates/email/language_test_reminder"
DEADLINE_CHANGED_TEMPLATE = "candidates/email/deadline_changed"
CORRECTION_TEMPLATE = "candidates/email/correction_reminder"

#: The deadlines a change of which is announced, by the campaign field holding them.
CLOSE, LANGUAGE_TEST = "close", "language-test"
ANNOUNCED_FIELDS = {"closes_at": CLOSE, "language_test_deadline": LANGUAGE_TEST}

#: Dossiers that no longer need their official test reminded.
LANGUAGE_TEST_DONE_STATUSES = (ApplicationStatus.WITHDRAWN, ApplicationStatus.INELIGIBLE)


def deadline_reminder_key(
    application_id: int, campaign_id: int, deadline: dt.date, stage: int
) -> str:
    """The reminder of `stage` days before the close falling on `deadline` (a local date): a
    close moved to another day starts its stages again under new keys."""
    return f"deadline-reminder:{application_id}:{campaign_id}:{deadline.isoformat()}:T-{stage}"


def language_test_reminder_key(
    application_id: int, campaign_id: int, deadline: dt.date, stage: int
) -> str:
    return f"language-test-reminder:{application_id}:{campaign_id}:{deadline.isoformat()}:T-{stage}"


REMINDER_KEYS = {CLOSE: deadline_reminder_key, LANGUAGE_TEST: language_test_reminder_key}


def deadline_changed_key(application_id: int, campaign_id: int, which: str, value: str) -> str:
    """The announcement that deadline `which` is now `value` (its ISO form, in the campaign's
    zone): one per dossier and new value, however often staff save the campaign."""
    return f"deadline-changed:{application_id}:{campaign_id}:{which}:{value}"


def _summary(stage: int | None, **counts: int) -> dict[str, Any]:
    return {"sent": 0, "already_sent": 0, **counts, "stage": stage}


def _existing_keys(
    campaign: Campaign,
    template: str,
    *,
    deadline: dt.date,
    stage: int,
    days_before: list[int],
    which: str,
) -> set[str]:
    """The dedup keys of this stage's reminders of `deadline` already written, or standing in
    for one (one query each, whatever the number of dossiers: a second run loads none).

    Two kinds of message stand in for a reminder, their keys returned in today's form:
    - a reminder written before keys named the deadline (`…:<campaign>:T-<stage>`), when the
      deadline it announced is this one (the day it was written plus the days left it gave);
    - the announcement that the deadline moved to this day (`deadline_change_announce`), for
      the stage that was due the day it was written: the candidate was just told the date.
    """
    key_for = REMINDER_KEYS[which]
    suffix = f":{campaign.pk}:{deadline.isoformat()}:T-{stage}"
    legacy_suffix = f":{campaign.pk}:T-{stage}"
    written = OutboundMessage.objects.filter(campaign=campaign, template=template).filter(
        Q(dedup_key__endswith=suffix) | Q(dedup_key__endswith=legacy_suffix)
    )
    keys = set()
    for key, created_at, context in written.values_list("dedup_key", "created_at", "context"):
        if key.endswith(suffix):
            keys.add(key)
            continue
        announced = local_date(created_at, campaign.zone) + dt.timedelta(
            days=context.get("days_left", 0)
        )
        if announced == deadline:
            keys.add(key.removesuffix(legacy_suffix) + suffix)
    changes = OutboundMessage.objects.filter(
        campaign=campaign,
        template=DEADLINE_CHANGED_TEMPLATE,
        dedup_key__startswith="deadline-changed:",
        dedup_key__contains=f":{campaign.pk}:{which}:{deadline.isoformat()}",
    )
    for key, created_at in changes.values_list("dedup_key", "created_at"):
        told_on = local_date(created_at, campaign.zone)
        if reminder_stage(days_until(deadline, told_on), days_before) == stage:
            application_id = int(key.split(":")[1])
            keys.add(key_for(application_id, campaign.pk, deadline, stage))
    return keys


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
    transaction with the dedup key `deadline-reminder:<dossier>:<campaign>:<close's date>:T-<stage>`
    (a close moved to another day starts the stages again).
    Returns the counts: sent, already sent (by an earlier run), and the stage.
    """
    now = now or timezone.now()
    campaign = campaign_current()
    if campaign is None or not campaign.is_open(now):
        return _summary(None)
    deadline = local_date(campaign.closes_at, campaign.zone)
    days_left = days_until(deadline, local_date(now, campaign.zone))
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
    keys = {pk: deadline_reminder_key(pk, campaign.pk, deadline, stage) for pk in drafts}
    done = _existing_keys(
        campaign,
        DEADLINE_TEMPLATE,
        deadline=deadline,
        stage=stage,
        days_before=campaign.deadline_reminder_day_list,
        which=CLOSE,
    )
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
            % {"date": day_words(deadline)}
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
    `language-test-reminder:<dossier>:<campaign>:<deadline>:T-<stage>`.
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
    deadline = campaign.language_test_deadline
    keys = {pk: language_test_reminder_key(pk, campaign.pk, deadline, stage) for pk in candidates}
    done = _existing_keys(
        campaign,
        LANGUAGE_TEST_TEMPLATE,
        deadline=deadline,
        stage=stage,
        days_before=campaign.language_test_reminder_day_list,
        which=LANGUAGE_TEST,
    )
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


# --- A deadline moved ---------------------------------------------------------------------------


def _deadline_value(campaign: Campaign, which: str) -> tuple[dt.date | dt.datetime, str]:
    """The deadline as the e-mail gives it, and its ISO form for the dedup key (a close to the
    minute, in the campaign's zone; the test results' day)."""
    if which == CLOSE:
        close = campaign.local(campaign.closes_at)
        return close, close.isoformat(timespec="minutes")
    return campaign.language_test_deadline, campaign.language_test_deadline.isoformat()


def _affected(campaign: Campaign, which: str):
    """The dossiers a deadline concerns: every draft for the close (a submitted dossier is
    done with it), every dossier on the official-test route whose result is not verified for
    the test results' date (the reminders' audiences)."""
    dossiers = Application.objects.filter(campaign=campaign, candidate__is_active=True)
    if which == CLOSE:
        return dossiers.filter(status=ApplicationStatus.DRAFT)
    return dossiers.filter(
        french__proof_route=FrenchProofRoute.OFFICIAL_TEST,
        french__test_verified_at__isnull=True,
    ).exclude(status__in=LANGUAGE_TEST_DONE_STATUSES)


def deadline_change_announce(
    *, campaign_id: int, which: str, previous: str, now: dt.datetime | None = None
) -> dict[str, int]:
    """Tell every dossier a moved deadline concerns (`_affected`) its new date, once.

    `which` is CLOSE or LANGUAGE_TEST; `previous` the ISO form of the deadline before the
    change. The new value is read from the campaign now (two quick changes announce the
    last). Nothing when the value is back to `previous`, or when both the old and the new
    deadline are past (a correction after the fact concerns nobody). One transaction per
    dossier, dedup key `deadline-changed:<dossier>:<campaign>:<which>:<new value>`; the
    announcement stands in for the reminder of the stage due the day it is written
    (`_existing_keys`). Returns the counts: sent, already sent.
    """
    now = now or timezone.now()
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or which not in REMINDER_KEYS:
        return {"sent": 0, "already_sent": 0}
    new, value = _deadline_value(campaign, which)
    if value == previous:
        return {"sent": 0, "already_sent": 0}
    today = local_date(now, campaign.zone)
    new_day = new.date() if isinstance(new, dt.datetime) else new
    previous_day = dt.date.fromisoformat(previous[:10])
    if new_day < today and previous_day < today:
        return {"sent": 0, "already_sent": 0}
    sent = already_sent = 0
    for application_id in _affected(campaign, which).order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            application = _affected(campaign, which).filter(pk=application_id).first()
            if application is None:
                continue
            message = mail_user(
                user=application.candidate,
                template_prefix=DEADLINE_CHANGED_TEMPLATE,
                context={
                    "application": application,
                    "campaign": campaign,
                    "which": which,
                    "deadline": new,
                    "previous": previous,
                },
                dedup_key=deadline_changed_key(application_id, campaign.pk, which, value),
                campaign=campaign,
            )
        sent += message is not None
        already_sent += message is None
    return {"sent": sent, "already_sent": already_sent}


# --- Before a correction window closes ----------------------------------------------------------


def correction_reminder_key(application_id: int, closes_on: dt.date, stage: int) -> str:
    return f"correction-reminder:{application_id}:{closes_on.isoformat()}:T-{stage}"


def correction_reminders_send(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """Remind each candidate whose dossier is incomplete because staff rejected a document,
    at the stage due today, that the window to replace it closes, and which documents.

    The window that counts is the first to close among the dossier's rejected documents not
    replaced yet (a replacement is a new current version, checked again); stages are the
    campaign's `correction_reminder_days` before it, on the calendar of the campaign's zone.
    Dedup key `correction-reminder:<dossier>:<window's last day>:T-<stage>`: a new rejection
    with a later window starts its own stages. Returns the counts: sent, already sent.
    """
    now = now or timezone.now()
    open_windows = (
        Document.objects.filter(
            is_current=True,
            review_status=DocumentReview.REJECTED,
            replaceable_until__gte=minute_started(now),
            application__status=ApplicationStatus.INCOMPLETE,
            application__candidate__is_active=True,
        )
        .select_related("application__campaign")
        .order_by("application_id", "replaceable_until")
    )
    due: dict[int, tuple[str, dt.date, int, int]] = {}
    for document in open_windows:
        if document.application_id in due:
            continue  # its first window to close is the one reminded
        campaign = document.application.campaign
        closes_on = local_date(document.replaceable_until, campaign.zone)
        days_left = days_until(closes_on, local_date(now, campaign.zone))
        stage = reminder_stage(days_left, campaign.correction_reminder_day_list)
        due[document.application_id] = (
            correction_reminder_key(document.application_id, closes_on, stage)
            if stage is not None
            else "",
            closes_on,
            days_left,
            stage,
        )
    keys = [key for key, *_rest in due.values() if key]
    done = set(
        OutboundMessage.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True)
    )
    sent = already_sent = 0
    for application_id, (key, _closes_on, days_left, stage) in due.items():
        if not key:
            continue
        if key in done:
            already_sent += 1
            continue
        with transaction.atomic():
            if _lock_if_still(application_id, status=ApplicationStatus.INCOMPLETE) is None:
                continue
            application = dossier_load(application_id)
            rejected = sorted(
                (
                    document
                    for document in application.current_documents
                    if document.may_be_replaced(now)
                ),
                key=lambda document: document.replaceable_until,
            )
            if not rejected:
                continue
            message = mail_user(
                user=application.candidate,
                template_prefix=CORRECTION_TEMPLATE,
                context={
                    "application": application,
                    "campaign": application.campaign,
                    "days_left": days_left,
                    "stage": stage,
                    "closes_at": rejected[0].replaceable_until,
                    "documents": [
                        {"document": document, "until": document.replaceable_until}
                        for document in rejected
                    ],
                },
                dedup_key=key,
            )
        sent += message is not None
        already_sent += message is None
    return {"sent": sent, "already_sent": already_sent}


def on_campaign_dates_changed(sender, campaign: Campaign, previous: dict, **kwargs) -> None:
    """`tapif.core.services.campaign_dates_changed`: once the change commits, queue the
    announcement of each moved deadline (candidates.tasks.announce_deadline_change)."""
    from candidates.tasks import announce_deadline_change  # the tasks import this module

    for field, which in ANNOUNCED_FIELDS.items():
        if field not in previous:
            continue
        before = previous[field]
        value = (
            campaign.local(before).isoformat(timespec="minutes")
            if isinstance(before, dt.datetime)
            else before.isoformat()
        )
        kwargs = {"campaign_id": campaign.pk, "which": which, "previous": value}
        transaction.on_commit(
            lambda kwargs=kwargs: announce_deadline_change.delay(**kwargs), robust=True
        )
