"""A campaign's calendar walked with the clock moved (issue 24): the jobs are run by hand (the
services the beat tasks call), and each message goes out once, with the right date, in the
recipient's language (one French candidate, one English one).

The campaign is set in Vancouver: applications close on 27 February 2026 at 23:59 Pacific time,
then staff move the close to 6 March; results are due on 15 April 2026. The zone's wording in
the e-mails comes with the moment filter (issue 24's other half); here the dates are checked.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail

from candidates.choices import ApplicationStatus, DocumentKind, DocumentRejection, DocumentReview
from candidates.models import Application, Document
from candidates.reminders import (
    CORRECTION_TEMPLATE,
    DEADLINE_CHANGED_TEMPLATE,
    DEADLINE_TEMPLATE,
    correction_reminders_send,
    deadline_reminders_send,
)
from placements.models import Offer, SelectionRound
from placements.offers import offers_expire
from placements.release import results_release_start
from placements.reminders import (
    OFFER_TEMPLATE,
    RESULTS_DAY_TEMPLATE,
    offer_reminders_send,
    results_day_reminders_send,
)
from placements.services import round_freeze
from selection.services import criteria_ensure
from tapif.core.models import Campaign, OutboundMessage, User
from tapif.core.roles import PROGRAMME_MANAGER
from tapif.core.services import campaign_update
from tests.candidates.dossier import upload
from tests.candidates.factories import ApplicationFactory
from tests.factories import CandidateFactory, StaffFactory
from tests.placements.test_rounds import committee, draft_round, reviewed_dossiers

pytestmark = pytest.mark.usefixtures("private_storage")

PACIFIC = ZoneInfo("America/Vancouver")


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=PACIFIC)


@pytest.fixture
def clock(db):
    with time_machine.travel(at(10, 1, year=2025), tick=False) as traveller:
        yield traveller


@pytest.fixture
def campaign(reference_campaign, clock) -> Campaign:
    Campaign.objects.filter(pk=reference_campaign.pk).update(
        time_zone="America/Vancouver",
        opens_at=at(10, 1, 0, year=2025),
        closes_at=dt.datetime(2026, 2, 27, 23, 59, 59, tzinfo=PACIFIC),
    )
    criteria_ensure(reference_campaign)
    return Campaign.objects.get(pk=reference_campaign.pk)


@pytest.fixture
def run(clock, django_capture_on_commit_callbacks):
    """Run a job at a moment, delivering what it wrote as a worker would once it commits."""

    def run_at(moment: dt.datetime, job, **kwargs):
        clock.move_to(moment)
        with django_capture_on_commit_callbacks(execute=True):
            return job(**kwargs)

    return run_at


def delivered(user: User, template: str) -> list:
    """The e-mails delivered to `user` from `template`, oldest first."""
    ids = set(
        OutboundMessage.objects.filter(recipient=user, template=template).values_list(
            "pk", flat=True
        )
    )
    return [m for m in mail.outbox if int(m.extra_headers["X-Tapif-Message"]) in ids]


def test_a_campaigns_calendar_sends_each_message_once_on_its_day_in_each_language(
    campaign, run, clock, django_capture_on_commit_callbacks
):
    # Opening: a French and an English candidate start their dossiers.
    clock.move_to(at(10, 2, year=2025))
    french = ApplicationFactory(
        campaign=campaign, candidate=CandidateFactory(preferred_language="fr")
    )
    english = ApplicationFactory(
        campaign=campaign, candidate=CandidateFactory(preferred_language="en")
    )
    drafts = {"fr": french, "en": english}

    # Nothing before the first stage; 14 days before the close, one reminder each, once.
    assert run(at(2, 12), deadline_reminders_send)["sent"] == 0
    assert run(at(2, 13), deadline_reminders_send) == {"sent": 2, "already_sent": 0, "stage": 14}
    assert run(at(2, 13, 18), deadline_reminders_send)["sent"] == 0
    (fr_first,) = delivered(french.candidate, DEADLINE_TEMPLATE)
    (en_first,) = delivered(english.candidate, DEADLINE_TEMPLATE)
    assert "27 février 2026" in fr_first.body
    assert "27 February 2026" in en_first.body

    # 18 February: staff move the close to 6 March. One announcement each, even if saved twice.
    new_close = dt.datetime(2026, 3, 6, 23, 59, 59, tzinfo=PACIFIC)
    clock.move_to(at(2, 18, 11))
    for _twice in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            campaign_update(campaign=campaign, values={"closes_at": new_close}, actor=None)
    for language, application in drafts.items():
        (announcement,) = delivered(application.candidate, DEADLINE_CHANGED_TEMPLATE)
        expected = {"fr": "6 mars 2026", "en": "6 March 2026"}[language]
        assert expected in announcement.subject
        assert expected in announcement.body
    (fr_moved,) = delivered(french.candidate, DEADLINE_CHANGED_TEMPLATE)
    assert (
        "les candidatures ferment désormais le 6 mars 2026 à 23 h 59, heure du Pacifique."
        in fr_moved.body
    )
    (en_moved,) = delivered(english.candidate, DEADLINE_CHANGED_TEMPLATE)
    assert "applications now close on 6 March 2026, 11:59 p.m. Pacific time." in en_moved.body

    # The old 7-day stage (20 February) is gone; the stages restart on 6 March, each once.
    for moment, stage in [
        (at(2, 20), 14),
        (at(2, 21), 14),
        (at(2, 27), 7),
        (at(3, 4), 2),
        (at(3, 6, 6), 0),  # the morning of the last day
        (at(3, 6, 20), 0),
    ]:
        assert run(moment, deadline_reminders_send)["stage"] == stage, moment
    for language, application in drafts.items():
        reminders = delivered(application.candidate, DEADLINE_TEMPLATE)
        assert len(reminders) == 5  # 14 (27 Feb), then 14, 7, 2 and 0 before 6 March
        march = {"fr": "6 mars 2026", "en": "6 March 2026"}[language]
        assert all(march in message.body for message in reminders[1:4])
    assert delivered(english.candidate, DEADLINE_TEMPLATE)[-1].subject == (
        f"[TAPIF] Dossier {english.number}: last day to submit it"
    )

    # The deadline minute: open at 23:59 Pacific time on 6 March, closed the next second-minute.
    campaign.refresh_from_db()
    assert campaign.is_open(dt.datetime(2026, 3, 6, 23, 59, 0, tzinfo=PACIFIC))
    assert not campaign.is_open(dt.datetime(2026, 3, 7, 0, 0, 0, tzinfo=PACIFIC))
    assert run(at(3, 7), deadline_reminders_send)["sent"] == 0

    # A correction window: a rejected document, replaceable until 20 March 23:00 Pacific time.
    clock.move_to(at(3, 6, 12))
    for application in drafts.values():
        document = upload(application, DocumentKind.PASSPORT, dt.date(2030, 1, 1))
        Document.objects.filter(pk=document.pk).update(
            review_status=DocumentReview.REJECTED,
            rejection_reason=DocumentRejection.values[0],
            replaceable_until=at(3, 20, 23),
        )
    Application.objects.filter(pk__in=[french.pk, english.pk]).update(
        status=ApplicationStatus.INCOMPLETE
    )
    assert run(at(3, 16), correction_reminders_send) == {"sent": 0, "already_sent": 0}
    assert run(at(3, 17), correction_reminders_send) == {"sent": 2, "already_sent": 0}
    assert run(at(3, 18), correction_reminders_send) == {"sent": 0, "already_sent": 2}
    (fr_fix,) = delivered(french.candidate, CORRECTION_TEMPLATE)
    (en_fix,) = delivered(english.candidate, CORRECTION_TEMPLATE)
    assert "20 mars 2026" in fr_fix.subject
    assert "dans 3 jours" in fr_fix.body
    assert "20 March 2026" in en_fix.subject
    assert "in 3 days" in en_fix.body

    # Results day: the programme manager is reminded on the morning of 15 April, once.
    manager = StaffFactory(preferred_language="fr")
    manager.groups.add(Group.objects.get(name=PROGRAMME_MANAGER))
    assert run(at(4, 14, 23), results_day_reminders_send)["sent"] == 0
    assert run(at(4, 15, 6), results_day_reminders_send) == {"sent": 1, "already_sent": 0}
    assert run(at(4, 16, 6), results_day_reminders_send) == {"sent": 0, "already_sent": 1}
    (results_day,) = delivered(manager, RESULTS_DAY_TEMPLATE)
    assert "15 avril 2026" in results_day.body

    # Release on 20 April: one French, one English candidate placed; offers due 14 days later.
    clock.move_to(at(4, 20, 10))
    placed = reviewed_dossiers(campaign, ["90", "80"])
    for application, language in zip(placed, ["fr", "en"], strict=True):
        User.objects.filter(pk=application.candidate_id).update(preferred_language=language)
    frozen = round_freeze(
        selection_round=draft_round(campaign, {0: (1, 1), 1: (1, 1)}, waitlist_size=0),
        actor=committee(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        results_release_start(selection_round=frozen, actor=manager)
    assert run(at(4, 20, 11), results_day_reminders_send)["sent"] == 0  # released: no more
    offers = {
        offer.application.candidate.preferred_language: offer
        for offer in Offer.objects.filter(round=frozen).select_related("application__candidate")
    }
    assert set(offers) == {"fr", "en"}
    due_on = offers["fr"].respond_by.astimezone(PACIFIC).date()
    days = dt.timedelta(days=1)

    # Offers approaching: 3 days before the answer is due, once each.
    assert run(at(due_on.month, (due_on - 4 * days).day), offer_reminders_send)["sent"] == 0
    three_before = due_on - 3 * days
    assert run(at(three_before.month, three_before.day), offer_reminders_send) == {
        "sent": 2,
        "already_sent": 0,
    }
    assert run(at(three_before.month, three_before.day, 15), offer_reminders_send)["sent"] == 0
    (fr_offer,) = delivered(offers["fr"].application.candidate, OFFER_TEMPLATE)
    (en_offer,) = delivered(offers["en"].application.candidate, OFFER_TEMPLATE)
    assert "4 mai 2026" in fr_offer.subject
    assert "dans 3 jours" in fr_offer.body
    assert "4 May 2026" in en_offer.subject
    assert "in 3 days" in en_offer.body

    # Lapse: past the deadline, both offers lapse once and each candidate is told.
    after = offers["fr"].respond_by + dt.timedelta(hours=1)
    assert run(after, offers_expire)["lapsed"] == 2
    assert run(after + dt.timedelta(hours=1), offers_expire)["lapsed"] == 0
    assert run(after, offer_reminders_send)["sent"] == 0
    for offer in offers.values():
        assert len(delivered(offer.application.candidate, "placements/email/offer_lapsed")) == 1
    assert SelectionRound.objects.get(pk=frozen.pk).campaign_id == campaign.pk
