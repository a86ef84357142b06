"""The results release in the admin (issue 8): the button on a frozen round's page, the
confirmation with its figures, who may release, the progress on the round's page and the
read-only list of releases."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from placements.models import ResultsRelease, SelectionRound
from placements.services import round_freeze
from selection.services import criteria_ensure
from tapif.core.models import AuditEntry, Campaign, OutboundMessage
from tapif.core.roles import AUDITOR, COMMITTEE_MEMBER, PROGRAMME_MANAGER, REVIEWER, ROLES
from tests.factories import EASTERN
from tests.placements.test_release import ineligible_dossier
from tests.placements.test_rounds import (
    draft_round,
    log_in,
    member_of,
    reviewed_dossiers,
)

pytestmark = [pytest.mark.django_db]

RELEASE = "placements.release_results"


@pytest.fixture
def campaign(reference_campaign) -> Campaign:
    criteria_ensure(reference_campaign)
    return reference_campaign


@pytest.fixture
def frozen(campaign) -> SelectionRound:
    """Five ranked (two placed, one waitlisted, two not selected), one ineligible, one still
    eligible without a review (left out)."""
    reviewed_dossiers(campaign, ["90", "80", "70", "60", "50"])
    reviewed_dossiers(campaign, ["40"], status="eligible")
    ineligible_dossier(campaign, "ZZ-00001")
    selection_round = draft_round(campaign, {0: (1, 0), 1: (0, 1)}, waitlist_size=1)
    return round_freeze(
        selection_round=selection_round,
        actor=member_of(COMMITTEE_MEMBER, PROGRAMME_MANAGER),
        reason="Frozen with the unreviewed dossier left out",
    )


def change_url(selection_round) -> str:
    return reverse("admin:placements_selectionround_change", args=[selection_round.pk])


def release_url(selection_round) -> str:
    return reverse("admin:placements_selectionround_release", args=[selection_round.pk])


def progress_url(selection_round) -> str:
    return reverse("admin:placements_selectionround_release_progress", args=[selection_round.pk])


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_programme_manager_sees_the_button_on_a_frozen_round_only(client, campaign, frozen):
    draft = draft_round(campaign, {0: (1, 0)})
    log_in(client, member_of(PROGRAMME_MANAGER))

    page = text(client.get(change_url(frozen)))
    draft_page = text(client.get(change_url(draft)))

    assert f'href="{release_url(frozen)}"' in page
    assert "Release results…" in page
    assert "Release results…" not in draft_page
    assert "Not released" in text(client.get(reverse("admin:placements_selectionround_changelist")))


def test_the_confirmation_says_who_gets_what_the_rate_and_how_long(client, frozen):
    log_in(client, member_of(PROGRAMME_MANAGER))

    page = text(client.get(release_url(frozen)))

    assert "Release the results of" in page
    assert "each of these 6 candidates" in page
    assert "at most 120 result e-mails a minute: batches of 20 every 10 seconds" in page
    assert "less than a minute in all" in page
    rows = {
        "Accepted and placed": "2",
        "Waitlisted": "1",
        "Not selected": "2",
        "Ineligible": "1",
    }
    for label, count in rows.items():
        assert f"<td>{label}</td><td>{count}</td>" in page
    assert "with the académie and the school level, and the explanation" in page
    assert "with their position, and the explanation" in page
    assert "with the reasons staff gave at the decision" in page
    assert "<td>Eligible</td><td>1</td>" in page  # left out: not ranked
    assert not ResultsRelease.objects.exists()


def test_the_estimated_duration_follows_the_campaigns_rate(client, campaign, frozen):
    Campaign.objects.filter(pk=campaign.pk).update(results_messages_per_minute=1)
    log_in(client, member_of(PROGRAMME_MANAGER))

    page = text(client.get(release_url(frozen)))

    assert "at most 1 result e-mails a minute: batches of 1 every 60 seconds" in page
    assert "about 5 minutes in all" in page


def test_releasing_needs_the_box_ticked(client, frozen):
    log_in(client, member_of(PROGRAMME_MANAGER))

    response = client.post(release_url(frozen), {})

    assert response.status_code == 200
    assert "This field is required." in text(response)
    assert not ResultsRelease.objects.exists()


def test_the_programme_manager_releases_and_follows_the_progress(
    client, frozen, mailoutbox, django_capture_on_commit_callbacks
):
    manager = member_of(PROGRAMME_MANAGER)
    log_in(client, manager)

    with django_capture_on_commit_callbacks(execute=True):  # no broker: it all runs now
        response = client.post(release_url(frozen), {"confirm": "on"})

    assert response.status_code == 302
    assert response["Location"] == change_url(frozen)
    release = ResultsRelease.objects.get(round=frozen)
    assert (release.status, release.processed, release.started_by) == ("done", 6, manager)
    assert len(mailoutbox) == 6
    assert AuditEntry.objects.filter(action="results_release.start", actor=manager).exists()
    page = text(client.get(change_url(frozen)))
    # (The test's transaction holds the batches until the view has answered: its message is
    # the one a worker's release gets; without a test transaction it says "are released".)
    assert "The release of 2026-2027 · round 1 has started: 6 candidates are told" in page
    assert "6 of 6 candidates told (100 %)" in page
    assert '<td class="release-sent">6</td>' in page
    assert '<td class="release-failed">0</td>' in page
    assert '<th scope="row">Accepted and placed</th><td>2</td>' in page
    assert "Release results…" not in page  # released: no button any more
    assert "window.setInterval" not in page  # done: nothing to refresh

    again = client.post(release_url(frozen), {"confirm": "on"})  # a double click
    assert again.status_code == 302
    assert ResultsRelease.objects.count() == 1
    assert len(mailoutbox) == 6


def test_a_running_release_refreshes_its_progress(
    client, frozen, monkeypatch, django_capture_on_commit_callbacks
):
    """With a broker the batches are queued: the page shows the release running, and polls."""
    from placements.tasks import release_results_batch

    monkeypatch.setattr(release_results_batch, "apply_async", lambda **kwargs: None)
    log_in(client, member_of(PROGRAMME_MANAGER))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(release_url(frozen), {"confirm": "on"})

    response = client.get(change_url(frozen))
    page = text(response)
    fragment = text(client.get(progress_url(frozen)))

    assert "0 of 6 candidates told (0 %)" in page
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}">' in page
    assert "window.setInterval" in page
    assert "The release of 2026-2027 · round 1 has started: 6 candidates are told" in page
    assert f'data-url="{progress_url(frozen)}"' in page
    assert fragment.strip().startswith('<div class="release-progress" data-running="yes">')
    assert "0 of 6 candidates told (0 %)" in fragment
    assert "<html" not in fragment


@pytest.mark.parametrize("role", [REVIEWER, COMMITTEE_MEMBER, AUDITOR])
def test_other_roles_cannot_release(client, frozen, role):
    log_in(client, member_of(role))

    page = client.get(change_url(frozen))
    asked = client.get(release_url(frozen))
    posted = client.post(release_url(frozen), {"confirm": "on"})

    assert asked.status_code == posted.status_code == 403
    assert "Release results…" not in text(page)
    assert not ResultsRelease.objects.exists()
    assert not OutboundMessage.objects.exists()


def test_a_draft_round_is_not_released(client, campaign):
    reviewed_dossiers(campaign, ["90"])
    draft = draft_round(campaign, {0: (1, 0)})
    log_in(client, member_of(PROGRAMME_MANAGER))

    response = client.post(release_url(draft), {"confirm": "on"}, follow=True)

    assert "Only a frozen round&#x27;s results can be released" in text(response)
    assert not ResultsRelease.objects.exists()


def test_releases_are_listed_read_only_with_their_figures(
    client, frozen, django_capture_on_commit_callbacks
):
    log_in(client, member_of(PROGRAMME_MANAGER))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(release_url(frozen), {"confirm": "on"})
    release = ResultsRelease.objects.get()
    log_in(client, member_of(AUDITOR))

    listing = client.get(reverse("admin:placements_resultsrelease_changelist"))
    detail = client.get(reverse("admin:placements_resultsrelease_change", args=[release.pk]))

    assert listing.status_code == detail.status_code == 200
    assert "6 / 6" in text(listing)
    assert listing.context["has_add_permission"] is False
    page = text(detail)
    assert "<td>Accepted and placed</td><td>2</td>" in page
    assert "<td>Ineligible</td><td>1</td>" in page
    assert "<td>Sent</td><td>6</td>" in page
    assert detail.context["has_change_permission"] is False


def test_only_the_programme_manager_holds_the_release_permission():
    holders = {name for name, permissions in ROLES.items() if RELEASE in permissions}
    groups = set(
        Group.objects.filter(
            permissions__content_type__app_label="placements",
            permissions__codename="release_results",
        ).values_list("name", flat=True)
    )

    assert holders == groups == {PROGRAMME_MANAGER}


def test_before_the_results_date_the_confirmation_asks_why_and_records_it(
    client, frozen, django_capture_on_commit_callbacks
):
    manager = member_of(PROGRAMME_MANAGER)
    # 14 April 2026 in Toronto: the results are due on the 15th.
    with time_machine.travel(dt.datetime(2026, 4, 14, 10, 0, tzinfo=EASTERN), tick=False):
        log_in(client, manager)
        page = text(client.get(release_url(frozen)))
        assert "Why release before the results date" in page
        assert "The results are due on 15 April 2026." in page

        refused = client.post(release_url(frozen), {"confirm": "on"})
        assert refused.status_code == 200
        assert "This field is required." in text(refused)
        assert not ResultsRelease.objects.exists()

        with django_capture_on_commit_callbacks(execute=True):
            done = client.post(
                release_url(frozen), {"confirm": "on", "reason": "Committee met early"}
            )

    assert done.status_code == 302
    entry = AuditEntry.objects.get(action="results_release.early", actor=manager)
    assert entry.data == {"date": "2026-04-15", "reason": "Committee met early"}


def test_on_the_results_date_no_reason_is_asked(client, frozen):
    with time_machine.travel(dt.datetime(2026, 4, 15, 0, 30, tzinfo=EASTERN), tick=False):
        log_in(client, member_of(PROGRAMME_MANAGER))
        assert "Why release before the results date" not in text(client.get(release_url(frozen)))
