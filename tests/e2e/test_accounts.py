"""Accounts in the browser: sign-up with e-mail confirmation, sign-in, sign-out, language."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from playwright.sync_api import Page, expect

from tapif.core.choices import UserKind
from tapif.core.models import User
from tests.e2e.helpers import PASSWORD, confirmation_link, log_in, log_out, submit_login_form

pytestmark = pytest.mark.e2e


def test_signup_confirm_email_then_log_out_and_in_again(page: Page):
    page.goto("/en/")
    page.get_by_role("main").get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(re.compile(r"/en/accounts/signup/$"))

    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Email").fill("ada.lovelace@example.ca")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("radio", name="Candidate").check()
    page.get_by_label("Language for e-mails and letters").select_option("en")
    page.get_by_role("button", name="Sign up").click()

    # Not signed in yet: the address must be confirmed first.
    expect(page).to_have_url(re.compile(r"/en/accounts/confirm-email/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")
    user = User.objects.get(email="ada.lovelace@example.ca")
    assert (user.first_name, user.last_name) == ("Ada", "Lovelace")
    assert (user.kind, user.preferred_language) == (UserKind.CANDIDATE, "en")
    assert not EmailAddress.objects.get(user=user).verified
    assert mail.outbox[0].subject == "[TAPIF] Please Confirm Your Email Address"

    page.goto(confirmation_link("ada.lovelace@example.ca"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Email Address")
    page.get_by_role("main").get_by_role("button", name="Confirm").click()

    # Confirming signs in and opens the candidate's home (their dossier), in English.
    expect(page).to_have_url(re.compile(r"/en/dossier/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ada")
    assert EmailAddress.objects.get(user=user).verified

    log_out(page)
    page.goto("/en/dossier/")
    expect(page).to_have_url(re.compile(r"/en/accounts/login/\?next=/en/dossier/$"))

    submit_login_form(page, email="ada.lovelace@example.ca")
    expect(page).to_have_url(re.compile(r"/en/dossier/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ada")


def test_signup_without_confirming_cannot_log_in(page: Page):
    page.goto("/fr/accounts/signup/")
    form = page.get_by_role("main").locator("form")
    form.locator("input[name=first_name]").fill("Blaise")
    form.locator("input[name=last_name]").fill("Pascal")
    form.locator("input[name=email]").fill("blaise.pascal@example.ca")
    form.locator("input[name=password1]").fill(PASSWORD)
    form.locator("input[name=password2]").fill(PASSWORD)
    form.locator("input[name=kind][value=candidate]").check()
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/fr/accounts/confirm-email/$"))
    assert User.objects.get(email="blaise.pascal@example.ca").preferred_language == "fr"

    log_in(page, email="blaise.pascal@example.ca", language="fr")

    # The right password is not enough: allauth sends the visitor to the verification page.
    expect(page).to_have_url(re.compile(r"/fr/accounts/confirm-email/$"))
    expect(page.locator("nav form[action$='/accounts/logout/']")).to_have_count(0)
    page.goto("/fr/home/")
    expect(page).to_have_url(re.compile(r"/fr/accounts/login/\?next=/fr/home/$"))
    assert not EmailAddress.objects.get(email="blaise.pascal@example.ca").verified


def test_language_switch_keeps_the_page(page: Page):
    page.goto("/fr/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    page.get_by_role("button", name="English").click()

    expect(page).to_have_url(re.compile(r"/en/accounts/login/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign In")
    expect(page.get_by_role("button", name="Français")).to_be_visible()
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    assert cookies["tapif_language"] == "en"


def test_language_switch_is_stored_for_a_signed_in_user(page: Page, make_user):
    user = make_user(kind=UserKind.PROFESSOR, language="fr", first_name="Gabrielle")
    log_in(page, email=user.email, language="fr")
    expect(page).to_have_url(re.compile(r"/fr/evaluations/requests/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    page.get_by_role("button", name="English").click()

    expect(page).to_have_url(re.compile(r"/en/evaluations/requests/$"))
    user.refresh_from_db()
    assert user.preferred_language == "en"

    # Signing in again from the French login page, in a browser that forgot the language
    # cookie, brings back the English home page: the choice is the account's.
    log_out(page)
    page.context.clear_cookies()
    log_in(page, email=user.email, language="fr")
    expect(page).to_have_url(re.compile(r"/en/evaluations/requests/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My evaluation requests")
