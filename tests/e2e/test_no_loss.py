"""Typed work is never lost, as a candidate would try it: autosave while typing, a Save that
meets a killed session, the language switch mid-form, and live eligibility as one types."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import Page, expect

from candidates import services
from candidates.models import Assets, SectionDraft
from tests.e2e.helpers import log_in, submit_login_form

pytestmark = pytest.mark.e2e

LETTER = "Je souhaite enseigner l’anglais en France, car j’aime transmettre ma langue."


@pytest.fixture
def candidate(make_user, campaign):
    user = make_user(language="en")
    services.application_create(candidate=user, campaign=campaign)
    return user


def test_a_letter_survives_a_killed_session_and_comes_back_after_signing_in(page: Page, candidate):
    log_in(page, email=candidate.email)
    page.goto("/en/dossier/assets/")
    letter = page.locator("#id_motivation_letter")
    letter.fill(LETTER)
    expect(page.locator(".draft-status")).to_contain_text("Draft saved at")  # autosaved
    assert SectionDraft.objects.get().data["motivation_letter"] == LETTER

    SectionDraft.objects.all().delete()  # only the page still holds the letter now
    Session.objects.all().delete()  # the session is killed
    page.get_by_role("button", name="Save this section").click()

    expect(page).to_have_url(re.compile(r"/en/accounts/login/\?next=/en/dossier/assets/"))
    submit_login_form(page, email=candidate.email)
    expect(page).to_have_url(re.compile(r"/en/dossier/assets/$"))
    expect(page.locator("#id_motivation_letter")).to_have_value(LETTER)
    expect(page.get_by_role("status").first).to_contain_text("What you typed before signing in")
    page.get_by_role("button", name="Save this section").click()
    expect(page.get_by_text("Saved.", exact=True)).to_be_visible()
    assert Assets.objects.get().motivation_letter == LETTER
    assert not SectionDraft.objects.exists()


def test_the_language_switch_keeps_typed_fields(page: Page, candidate):
    log_in(page, email=candidate.email)
    page.goto("/en/dossier/identity/")
    page.locator("#id_legal_last_name").fill("Tremblay-Gagnon")
    page.get_by_role("button", name="Français").click()
    expect(page).to_have_url(re.compile(r"/fr/dossier/identity/$"))
    expect(page.locator("#id_legal_last_name")).to_have_value("Tremblay-Gagnon")


def test_eligibility_changes_as_the_birth_date_is_typed(page: Page, candidate, campaign):
    log_in(page, email=candidate.email)
    page.goto("/en/dossier/identity/")
    rules = page.locator("#live-rules")
    expect(rules).to_contain_text("not known yet")
    too_young = campaign.contract_start.replace(year=campaign.contract_start.year - 15)
    page.locator("#id_date_of_birth").fill(too_young.isoformat())
    expect(rules.locator(".rule-fail")).to_have_count(1)
    page.locator("#id_date_of_birth").fill(too_young.replace(year=too_young.year - 10).isoformat())
    expect(rules.locator(".rule-fail")).to_have_count(0)
