"""Reminders of the results' side of the calendar, run once a day (placements.tasks).

- Before an offer's answer is due: the candidate holding a pending offer, at the campaign's
  `offer_reminder_days` before its deadline (counted on the calendar of the campaign's zone,
  tapif.core.schedule), dedup key `offer-reminder:<offer>:<deadline's day>:T-<stage>`.
- On the results date: every programme manager (tapif.core.roles), on the morning of
  `results_release_date`, while the campaign's results are not released yet (a job that was
  down catches up once the next morning), dedup key `results-day:<campaign>:<date>:<user>`.

Each e-mail is written in its recipient's language, through the outbox (tapif.core.outbox).
docs/notifications.md is the calendar of every message.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from placements.choices import OfferStatus, RoundStatus
from placements.models import Offer, ResultsRelease, SelectionRound
from tapif.core.models import Campaign, OutboundMessage, User
from tapif.core.outbox import mail_user
from tapif.core.roles import PROGRAMME_MANAGER
from tapif.core.schedule import days_until, local_date, minute_started, reminder_stage
from tapif.core.selectors import campaign_current

OFFER_TEMPLATE = "placements/email/offer_reminder"
RESULTS_DAY_TEMPLATE = "placements/email/results_day"


def offer_reminder_key(offer_id: int, due_on: dt.date, stage: int) -> str:
    return f"offer-reminder:{offer_id}:{due_on.isoformat()}:T-{stage}"


def results_day_key(campaign_id: int, day: dt.date, user_id: int) -> str:
    return f"results-day:{campaign_id}:{day.isoformat()}:{user_id}"


# --- Before an offer's answer is due ------------------------------------------------------------


def offer_reminders_send(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Remind each candidate with a pending offer, at the stage due today, of its deadline.

    One transaction per offer, under a lock that skips an offer being answered right now (it
    is looked at again tomorrow, and then no longer pending). Returns the counts: sent,
    already sent (by an earlier run).
    """
    now = now or timezone.now()
    pending = (
        Offer.objects.filter(
            status=OfferStatus.PENDING,
            respond_by__gte=minute_started(now),
            application__candidate__is_active=True,
        )
        .select_related("application__campaign")
        .order_by("pk")
    )
    due: dict[int, tuple[str, int]] = {}
    for offer in pending:
        campaign = offer.application.campaign
        due_on = local_date(offer.respond_by, campaign.zone)
        days_left = days_until(due_on, local_date(now, campaign.zone))
        stage = reminder_stage(days_left, campaign.offer_reminder_day_list)
        if stage is not None:
            due[offer.pk] = (offer_reminder_key(offer.pk, due_on, stage), days_left)
    done = set(
        OutboundMessage.objects.filter(
            dedup_key__in=[key for key, _days in due.values()]
        ).values_list("dedup_key", flat=True)
    )
    sent = already_sent = 0
    for offer_id, (key, days_left) in due.items():
        if key in done:
            already_sent += 1
            continue
        with transaction.atomic():
            offer = (
                Offer.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("application__campaign", "application__candidate", "academie")
                .filter(
                    pk=offer_id, status=OfferStatus.PENDING, respond_by__gte=minute_started(now)
                )
                .first()
            )
            if offer is None:
                continue
            application = offer.application
            message = mail_user(
                user=application.candidate,
                template_prefix=OFFER_TEMPLATE,
                context={
                    "application": application,
                    "campaign": application.campaign,
                    "offer": offer,
                    "days_left": days_left,
                },
                dedup_key=key,
            )
        sent += message is not None
        already_sent += message is None
    return {"sent": sent, "already_sent": already_sent}


# --- On the results date ------------------------------------------------------------------------


def results_released(campaign: Campaign) -> bool:
    """Whether a release of the campaign's results has started (any round)."""
    return ResultsRelease.objects.filter(round__campaign=campaign).exists()


def results_day_reminders_send(*, now: dt.datetime | None = None) -> dict[str, int]:
    """On the morning of the current campaign's `results_release_date`, remind every active
    programme manager that the results are due today, with the round ready to release.

    Nothing before that day, nor once a release has started; a day missed (beat down) is
    caught up the next morning, once (dedup key per campaign, date and manager). Returns the
    counts: sent, already sent.
    """
    now = now or timezone.now()
    campaign = campaign_current()
    if campaign is None:
        return {"sent": 0, "already_sent": 0}
    day = campaign.results_release_date
    if local_date(now, campaign.zone) < day or results_released(campaign):
        return {"sent": 0, "already_sent": 0}
    frozen = (
        SelectionRound.objects.filter(campaign=campaign, status=RoundStatus.FROZEN)
        .order_by("-number")
        .first()
    )
    managers = User.objects.filter(groups__name=PROGRAMME_MANAGER, is_active=True).order_by("pk")
    sent = already_sent = 0
    for manager in managers:
        with transaction.atomic():
            message = mail_user(
                user=manager,
                template_prefix=RESULTS_DAY_TEMPLATE,
                context={
                    "campaign": campaign,
                    "round": frozen,
                    "rounds_url": reverse("admin:placements_selectionround_changelist"),
                },
                dedup_key=results_day_key(campaign.pk, day, manager.pk),
                campaign=campaign,
            )
        sent += message is not None
        already_sent += message is None
    return {"sent": sent, "already_sent": already_sent}
