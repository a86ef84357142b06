"""Two committee members freezing two draft rounds of one campaign at the same moment, on real
PostgreSQL row locks: exactly one round is frozen, the other is refused and stays a draft.

Threads each open their own connection, so the test runs outside a wrapping transaction
(`transaction=True`); the data migrations' rows are put back before each test and after the
module, for the tests that follow on the same database.
"""

from __future__ import annotations

import pytest
from django.db import connection

from placements.choices import RoundStatus
from placements.models import Placement, RankEntry, SelectionRound
from placements.services import round_freeze
from tapif.core.exceptions import DomainError
from tapif.core.models import Campaign
from tests.migration_data import restore_migration_data
from tests.payments.test_concurrency import run_together
from tests.placements.test_rounds import committee, draft_round, reviewed_dossiers

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module", autouse=True)
def _restore_the_migrations_rows(django_db_setup, django_db_blocker):
    """A transactional test ends by emptying every table: put the migrations' rows back once
    this module is done, for the tests that follow on this database."""
    yield
    with django_db_blocker.unblock():
        restore_migration_data()


@pytest.fixture(autouse=True)
def _migration_rows_present(transactional_db) -> None:
    restore_migration_data()


def test_two_freezes_of_one_campaign_at_once_give_one_frozen_round():
    campaign = Campaign.objects.get(school_year="2026-2027")
    reviewed_dossiers(campaign, ["90", "80", "70"])
    first = draft_round(campaign, {0: (1, 0)})
    second = draft_round(campaign, {0: (2, 0)})
    members = [committee(), committee()]

    def freeze(selection_round: SelectionRound, index: int):
        try:
            return round_freeze(selection_round=selection_round, actor=members[index])
        except DomainError as error:
            return error

    results = run_together(lambda: freeze(first, 0), lambda: freeze(second, 1))

    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1
    assert refused[0].code == "round_already_frozen"
    frozen = SelectionRound.objects.get(campaign=campaign, status=RoundStatus.FROZEN)
    assert SelectionRound.objects.filter(status=RoundStatus.DRAFT).count() == 1
    assert RankEntry.objects.filter(round=frozen).count() == 3
    assert RankEntry.objects.exclude(round=frozen).count() == 0
    assert Placement.objects.exclude(round=frozen).count() == 0
