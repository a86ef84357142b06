"""A results release under concurrency, on real PostgreSQL row locks: two managers starting it
at the same moment get one release; a resumed batch and a delayed one arriving together run
once, the other is refused by the rate limit.

Threads each open their own connection, so the tests run outside a wrapping transaction
(`transaction=True`); the data migrations' rows are put back as in test_freeze_concurrency.
"""

from __future__ import annotations

import pytest
from django.db import connection

from placements.models import ResultsRelease
from placements.release import results_release_batch, results_release_start
from placements.services import round_freeze
from placements.tasks import release_results_batch
from selection.services import criteria_ensure
from tapif.core.models import AuditEntry, Campaign, OutboundMessage
from tests.migration_data import restore_migration_data
from tests.payments.test_concurrency import run_together
from tests.placements.test_release import manager
from tests.placements.test_rounds import committee, draft_round, reviewed_dossiers

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
def queued(monkeypatch) -> list[dict]:
    """Batches handed to the broker are only noted (no worker here)."""
    calls: list[dict] = []
    monkeypatch.setattr(
        release_results_batch,
        "apply_async",
        lambda *, kwargs, countdown=None: calls.append({**kwargs, "countdown": countdown}),
    )
    return calls


@pytest.fixture
def frozen(settings):
    settings.RESULTS_RELEASE_BATCH_SECONDS = 10
    campaign = Campaign.objects.get(school_year="2026-2027")
    criteria_ensure(campaign)
    Campaign.objects.filter(pk=campaign.pk).update(results_messages_per_minute=12)  # 2 a batch
    reviewed_dossiers(campaign, ["90", "80", "70", "60", "50"])
    selection_round = draft_round(campaign, {0: (1, 0), 1: (0, 1)}, waitlist_size=1)
    return round_freeze(selection_round=selection_round, actor=committee())


def test_two_starts_at_once_give_one_release(frozen, queued):
    managers = [manager(), manager()]

    results = run_together(
        lambda: results_release_start(selection_round=frozen, actor=managers[0]),
        lambda: results_release_start(selection_round=frozen, actor=managers[1]),
    )

    assert results[0].pk == results[1].pk
    assert ResultsRelease.objects.count() == 1
    assert AuditEntry.objects.filter(action="results_release.start").count() == 1
    assert len(queued) == 1


def test_two_batches_at_once_tell_one_batch(frozen, queued):
    release = results_release_start(selection_round=frozen, actor=manager())

    results = run_together(
        lambda: results_release_batch(release.pk), lambda: results_release_batch(release.pk)
    )

    assert sorted(batch.outcome for batch in results) == ["told", "too_soon"]
    release.refresh_from_db()
    assert release.processed == 2
    assert OutboundMessage.objects.count() == 2
    assert [q["countdown"] for q in queued] == [None, 10]  # the start's, then the next batch's
