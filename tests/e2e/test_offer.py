"""A placed candidate accepts their offer in the browser (issue 9).

A round of the current campaign is frozen and its results released (the release makes the offer
of each placed candidate). The best-ranked candidate signs in, follows the link from their
dossier to the offer, reads its terms and deadline, tries to accept without the criminal record
check nor the passport confirmation (an error summary names both), then accepts with a real PDF.
The page then says the offer is accepted, with the file waiting for the embassy's check. The
pages have no serious accessibility violation and fit a phone's width.
"""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from candidates.choices import ApplicationStatus, DocumentKind
from placements.choices import OfferStatus
from placements.offers import offer_for
from placements.release import results_release_start
from placements.services import round_freeze
from selection.services import criteria_ensure
from tests.candidates.factories import tiny_pdf
from tests.e2e.helpers import PASSWORD, axe_violations, describe_violations, log_in
from tests.placements.test_release import manager
from tests.placements.test_rounds import academies, draft_round, reviewed_dossiers

pytestmark = pytest.mark.e2e


@pytest.fixture
def placed(campaign, storage):
    """The first of three reviewed dossiers, placed in the first académie (primary) by a
    released round, able to sign in."""
    criteria_ensure(campaign)
    first, _second, _third = reviewed_dossiers(campaign, ["90", "80", "70"])
    frozen = round_freeze(  # the e2e campaign is still open: frozen early, with a reason
        selection_round=draft_round(campaign, {0: (1, 0)}, waitlist_size=1),
        actor=manager(),
        reason="Frozen early for the browser test",
    )
    results_release_start(  # the e2e campaign's results date is in the coming spring
        selection_round=frozen, actor=manager(), reason="Released early for the browser test"
    )
    first.refresh_from_db()
    assert first.status == ApplicationStatus.PLACED
    user = first.candidate
    user.set_password(PASSWORD)
    user.preferred_language = "en"
    user.save(update_fields=["password", "preferred_language"])
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return first


def test_a_placed_candidate_accepts_the_offer(page: Page, placed, campaign, tmp_path):
    check = tmp_path / "criminal-record-check.pdf"
    check.write_bytes(tiny_pdf())
    academie = academies()[0]

    log_in(page, email=placed.candidate.email)
    page.goto("/en/dossier/")
    page.get_by_role("link", name="See your offer and answer it").click()
    page.wait_for_url(re.compile(r"/en/offer/$"))

    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your offer")
    expect(main).to_contain_text(academie.name)
    expect(main).to_contain_text("Primary")
    expect(page.locator("#offer-deadline")).to_contain_text("14 days left.")
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)

    main.get_by_role("link", name="Accept the offer").click()
    page.wait_for_url(re.compile(r"/en/offer/accept/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Accept the offer")

    # Nothing chosen, nothing ticked: both are named in the error summary, and linked.
    main.get_by_role("button", name="Accept the offer").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Choose the file of your criminal record check (level 1).")
    expect(summary).to_contain_text("Tick this box to confirm that your passport is valid")
    assert offer_for(placed).status == OfferStatus.PENDING
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
    summary.get_by_role("link", name=re.compile("^Criminal record check")).click()
    expect(page.get_by_label("Criminal record check (level 1)")).to_be_focused()

    # On a phone the form fits the screen.
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.get_by_label("Criminal record check (level 1)").set_input_files(check)
    page.get_by_label(re.compile("^I confirm that my passport is valid until")).check()
    main.get_by_role("button", name="Accept the offer").click()

    page.wait_for_url(re.compile(r"/en/offer/$"))
    expect(page.locator(".messages")).to_contain_text("You have accepted the offer")
    expect(main).to_contain_text("You accepted this offer on")
    expect(main).to_contain_text("criminal-record-check.pdf")
    expect(main).to_contain_text("waiting for the embassy's check")
    expect(main.get_by_role("link", name="Accept the offer")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    offer = offer_for(placed)
    placed.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    assert placed.status == ApplicationStatus.OFFER_ACCEPTED
    assert offer.criminal_record.kind == DocumentKind.CRIMINAL_RECORD
    assert offer.criminal_record.original_name == "criminal-record-check.pdf"
