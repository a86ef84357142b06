"""The selection committee in the browser: preview a draft round, freeze it, read and export it.

Three reviewed dossiers of the current campaign and a draft round with one primary and one
secondary place at the first académie (waitlist of 1) are in the database. A committee member
(staff, "Committee member" group, an authenticator app) opens the committee's pages, sees the
preview clearly labelled as such, freezes the round through the rounds' admin ("Freeze…", then
confirms), then sees the frozen list with its hash, the per-académie table and downloads the
CSV. Staff read the pages in English.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from placements.choices import RoundStatus
from placements.models import RankEntry, SelectionRound
from selection.services import criteria_ensure
from tapif.core.choices import UserKind
from tapif.core.models import Campaign, User
from tapif.core.roles import COMMITTEE_MEMBER
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.helpers import axe_violations, describe_violations, submit_login_form, totp_code
from tests.placements.test_rounds import academies, draft_round, reviewed_dossiers

pytestmark = pytest.mark.e2e


@pytest.fixture
def staff_page(browser: Browser, browser_context_args: dict) -> Iterator[Page]:
    context = browser.new_context(**{**browser_context_args, "locale": "en-CA"})
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def member(make_user) -> tuple[User, str]:
    user = make_user(
        kind=UserKind.STAFF, is_staff=True, language="en", first_name="Claire", last_name="Comité"
    )
    user.groups.add(Group.objects.get(name=COMMITTEE_MEMBER))
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret


def _admin_log_in(page: Page, user: User, secret: str) -> None:
    page.goto("/admin/")
    submit_login_form(page, email=user.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    form = page.get_by_role("main").locator("form").filter(has=page.locator("input[name=code]"))
    form.locator("input[name=code]").fill(totp_code(secret))
    form.locator("button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/admin/$"))


def test_committee_previews_freezes_reads_and_exports_a_round(staff_page: Page, member, campaign):
    criteria_ensure(campaign)
    # Applications closed yesterday: a round is frozen once the window has shut.
    Campaign.objects.filter(pk=campaign.pk).update(closes_at=timezone.now() - dt.timedelta(days=1))
    dossiers = reviewed_dossiers(campaign, ["90", "80", "70"])
    selection_round = draft_round(campaign, {0: (1, 1)}, waitlist_size=1)
    first = academies()[0]
    user, secret = member
    page = staff_page

    _admin_log_in(page, user, secret)
    page.goto("/admin/committee/")
    page.get_by_role("link", name=f"Round {selection_round.number}").click()
    page.wait_for_url(re.compile(rf"/admin/committee/{selection_round.pk}/$"))

    # The draft round: the live preview, said to be one.
    expect(page.get_by_role("status")).to_contain_text("Preview — nothing saved")
    table = page.locator("#ranked-list")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator("tbody tr").first).to_contain_text(dossiers[0].number)
    expect(table.locator("tbody tr").first).to_contain_text("Accepted")
    expect(table.locator("tbody tr").nth(2)).to_contain_text("Waitlisted (no. 1)")
    assert not RankEntry.objects.exists()
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)

    # Filters by GET.
    page.get_by_label("Decision", exact=True).select_option("accepted")
    page.get_by_role("button", name="Filter").click()
    expect(table.locator("tbody tr")).to_have_count(2)

    # Freeze through the rounds' admin.
    page.goto("/admin/placements/selectionround/")
    page.locator(f"input[name=_selected_action][value='{selection_round.pk}']").check()
    page.locator("select[name=action]").select_option("freeze")
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Freeze")
    page.get_by_label("I have checked the preview: freeze this round").check()
    page.get_by_role("button", name="Freeze").click()
    expect(page.locator(".messagelist")).to_contain_text("is frozen")
    selection_round.refresh_from_db()
    assert selection_round.status == RoundStatus.FROZEN

    # The frozen list: what was recorded, with its hash, no preview banner.
    page.goto(f"/admin/committee/{selection_round.pk}/")
    expect(page.locator(".round-hash")).to_contain_text(selection_round.snapshot_sha256)
    expect(page.locator(".preview-banner")).to_have_count(0)
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator("tbody tr").first).to_contain_text(first.name)

    # Per académie.
    page.get_by_role("link", name="Per académie").click()
    row = page.locator(f"#academies tr[data-academie='{first.code}']")
    expect(row).to_contain_text(first.name)
    expect(row.locator("td").nth(6)).to_have_text("3")  # first-choice requests
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)

    # The CSV.
    page.get_by_role("link", name="Ranked list").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename == (
        f"committee-{campaign.code}-round-{selection_round.number}.csv"
    )
    text = download.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[1] for r in rows[1:]] == [d.number for d in dossiers]
    assert SelectionRound.objects.get(pk=selection_round.pk).status == RoundStatus.FROZEN

    # On a phone the page does not scroll sideways: the wide table scrolls inside its region.
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    expect(page.get_by_role("region", name=re.compile("Ranked list"))).to_be_visible()
