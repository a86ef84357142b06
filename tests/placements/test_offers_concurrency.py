"""Freed places under concurrency, on real PostgreSQL row locks (issue 9): two places freed at the
same moment (two declines, two withdrawals) go to two different waitlisted candidates, never one
candidate twice nor one place twice; a decline and the expiry job meeting on the same offer free
its place once; a waitlisted candidate withdrawing while a place is offered to them ends
withdrawn with the place passed on.

Threads each open their own connection, so the tests run outside a wrapping transaction
(`transaction=True`); the data migrations' rows are put back as in test_freeze_concurrency.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection

from candidates.choices import ApplicationStatus
from candidates.models import Application
from placements.choices import OfferStatus, PromotionOutcome
from placements.models import Offer, PromotionLog
from placements.offers import (
    application_withdraw,
    offer_decline,
    offer_for,
    offers_expire,
    place_vacancies,
)
from placements.release import results_release_batch, results_release_start
from placements.services import round_freeze
from placements.tasks import release_results_batch
from selection.services import criteria_ensure
from tapif.core.exceptions import DomainError
from tapif.core.models import Campaign
from tests.migration_data import restore_migration_data
from tests.payments.test_concurrency import run_together
from tests.placements.test_release import manager
from tests.placements.test_rounds import academies, committee, draft_round, reviewed_dossiers

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module", autouse=True)
def _restore_the_migrations_rows(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        restore_migration_data()


@pytest.fixture(autouse=True)
def _migration_rows_present(transactional_db) -> None:
    restore_migration_data()


@pytest.fixture
def released(monkeypatch):
    """Two primary places in one académie (two placed), three on the waitlist; released."""
    monkeypatch.setattr(
        release_results_batch, "apply_async", lambda *, kwargs, countdown=None: None
    )
    campaign = Campaign.objects.get(school_year="2026-2027")
    criteria_ensure(campaign)
    dossiers = reviewed_dossiers(campaign, ["90", "80", "70", "60", "50"])
    frozen = round_freeze(
        selection_round=draft_round(campaign, {0: (2, 0)}, waitlist_size=3), actor=committee()
    )
    release = results_release_start(selection_round=frozen, actor=manager())
    while results_release_batch(release.pk, paced=False).more:
        pass
    return frozen, [Application.objects.get(pk=d.pk) for d in dossiers]


def held_per_dossier() -> Counter:
    return Counter(
        Offer.objects.filter(status__in=[OfferStatus.PENDING, OfferStatus.ACCEPTED]).values_list(
            "application_id", flat=True
        )
    )


def assert_places_held_once(frozen) -> None:
    """Nobody holds two places; the académie's places are held once each, never more."""
    held = held_per_dossier()
    assert set(held.values()) <= {1}
    assert sum(held.values()) == 2
    assert place_vacancies(frozen)[(academies()[0].code, "primary")] == 0


def test_two_declines_at_once_give_the_two_places_to_two_different_candidates(released):
    frozen, (first, second, waiting_1, waiting_2, waiting_3) = released

    run_together(
        lambda: offer_decline(offer=offer_for(first), actor=first.candidate),
        lambda: offer_decline(offer=offer_for(second), actor=second.candidate),
    )

    promoted = {
        a.number
        for a in Application.objects.filter(status=ApplicationStatus.PLACED)
        if offer_for(a).round_id == frozen.pk
    }
    assert promoted == {waiting_1.number, waiting_2.number}
    assert Application.objects.get(pk=waiting_3.pk).status == ApplicationStatus.WAITLISTED
    assert Application.objects.get(pk=waiting_3.pk).result_waitlist_position == 1
    offered = PromotionLog.objects.filter(outcome=PromotionOutcome.OFFERED)
    assert sorted(offered.values_list("application_id", flat=True)) == sorted(
        [waiting_1.pk, waiting_2.pk]
    )
    assert_places_held_once(frozen)


def test_two_withdrawals_at_once_give_the_two_places_to_two_different_candidates(released):
    frozen, (first, second, waiting_1, waiting_2, _waiting_3) = released

    run_together(
        lambda: application_withdraw(application=first, actor=first.candidate),
        lambda: application_withdraw(application=second, actor=second.candidate),
    )

    assert {offer_for(waiting_1).status, offer_for(waiting_2).status} == {OfferStatus.PENDING}
    assert Offer.objects.filter(application__in=[waiting_1, waiting_2]).count() == 2
    assert_places_held_once(frozen)


def test_a_decline_and_the_expiry_job_at_once_free_the_place_once(released):
    frozen, (first, _second, waiting_1, waiting_2, _waiting_3) = released
    offer = offer_for(first)
    Offer.objects.filter(pk=offer.pk).update(respond_by=offer.offered_at + dt.timedelta(seconds=1))

    def decline():
        # When the job lapses the offer first, the decline is refused: it no longer waits.
        try:
            return offer_decline(offer=offer, actor=first.candidate)
        except DomainError as error:
            return error.code

    results = run_together(decline, lambda: offers_expire())

    offer.refresh_from_db()
    assert offer.status in {OfferStatus.DECLINED, OfferStatus.LAPSED}
    if offer.status == OfferStatus.LAPSED:
        assert results[0] == "not_pending"
    assert results[1] == (
        {"lapsed": 1, "promoted": 1}
        if offer.status == OfferStatus.LAPSED
        else {"lapsed": 0, "promoted": 0}
    )
    assert offer_for(waiting_1).status == OfferStatus.PENDING
    assert offer_for(waiting_2) is None
    assert PromotionLog.objects.filter(outcome=PromotionOutcome.OFFERED).count() == 1
    assert_places_held_once(frozen)


def test_a_waitlisted_candidate_withdrawing_as_a_place_is_offered_to_them(released):
    frozen, (first, _second, waiting_1, waiting_2, _waiting_3) = released

    run_together(
        lambda: offer_decline(offer=offer_for(first), actor=first.candidate),
        lambda: application_withdraw(application=waiting_1, actor=waiting_1.candidate),
    )

    assert Application.objects.get(pk=waiting_1.pk).status == ApplicationStatus.WITHDRAWN
    # whichever came first, the place ends with the next candidate, and nobody holds two
    assert offer_for(waiting_2).status == OfferStatus.PENDING
    assert_places_held_once(frozen)
