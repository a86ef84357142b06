"""The administration needs a second factor: staff without one are sent to set it up."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from playwright.sync_api import Page, expect

from tapif.core.choices import UserKind
from tests.e2e.helpers import PASSWORD, submit_login_form, totp_code

pytestmark = pytest.mark.e2e

ACTIVATE_TOTP = re.compile(r"/accounts/2fa/totp/activate/$")
CONFIRM_PASSWORD_FOR_TOTP = re.compile(
    r"/fr/accounts/reauthenticate/\?next=%2Ffr%2Faccounts%2F2fa%2Ftotp%2Factivate%2F$"
)


def test_admin_sends_staff_without_totp_to_two_factor_setup(page: Page, make_user):
    staff = make_user(kind=UserKind.STAFF, is_staff=True, first_name="Sophie")

    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/fr/accounts/login/\?next=%2Fadmin%2F$"))
    submit_login_form(page, email=staff.email)

    # The admin refuses and points to the set-up page, which allauth guards with a password
    # confirmation (signing in does not count as one).
    expect(page).to_have_url(CONFIRM_PASSWORD_FOR_TOTP)
    main = page.get_by_role("main")
    expect(main.locator(".message-warning")).to_have_count(1)
    main.locator("input[name=password]").fill(PASSWORD)
    main.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]"
    ).click()

    expect(page).to_have_url(ACTIVATE_TOTP)
    expect(main.locator("input[name=code]")).to_be_visible()
    expect(page.locator("#site-name")).to_have_count(0)

    # Still refused, from any admin address, with the reason.
    page.goto("/admin/core/campaign/")
    expect(page).to_have_url(ACTIVATE_TOTP)
    expect(main.locator(".message-warning")).to_have_count(1)
    expect(page.locator("#site-name")).to_have_count(0)
    assert not Authenticator.objects.filter(user=staff).exists()


def test_admin_superuser_with_totp_signs_in_with_a_code(page: Page, make_user):
    superuser = make_user(is_superuser=True, first_name="Hélène")
    secret = generate_totp_secret()
    TOTP.activate(superuser, secret)

    page.goto("/admin/")
    submit_login_form(page, email=superuser.email)

    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    expect(page.locator("#site-name")).to_have_count(0)
    form = page.get_by_role("main").locator("form").filter(has=page.locator("input[name=code]"))
    form.locator("input[name=code]").fill(totp_code(secret))
    form.locator("button[type=submit]").first.click()

    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#site-name")).to_contain_text("TAPIF Canada")
    expect(page.locator("#user-tools")).to_contain_text("Hélène")
    expect(page.locator("#content-main a[href='/admin/core/campaign/']").first).to_be_visible()
    authenticator = Authenticator.objects.get(user=superuser, type=Authenticator.Type.TOTP)
    assert authenticator.last_used_at is not None
