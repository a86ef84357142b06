"""The administration needs a second factor, set up only from the e-mailed set-up link: staff
without one are refused, and allauth's own set-up page is closed to them."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from playwright.sync_api import Page, expect

from tapif.core.choices import UserKind
from tests.e2e.helpers import submit_login_form, totp_code

pytestmark = pytest.mark.e2e

SETUP_NEEDED = re.compile(r"/staff/setup/needed/$")


def test_admin_refuses_staff_without_a_second_factor_and_offers_no_setup(page: Page, make_user):
    staff = make_user(kind=UserKind.STAFF, is_staff=True, first_name="Sophie")

    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/fr/accounts/login/\?next=%2Fadmin%2F$"))
    submit_login_form(page, email=staff.email)

    # The admin refuses and says where the second factor comes from: the e-mailed link.
    expect(page).to_have_url(SETUP_NEEDED)
    main = page.get_by_role("main")
    expect(main.locator("h1")).to_contain_text("second facteur")
    expect(main.locator("input[name=code]")).to_have_count(0)
    expect(page.locator("#site-name")).to_have_count(0)

    # allauth's own set-up page is closed to staff, even after a password confirmation.
    page.goto("/fr/accounts/2fa/totp/activate/")
    expect(main.locator("h1")).to_contain_text("second facteur")
    expect(main.locator("input[name=code]")).to_have_count(0)

    # Still refused, from any admin address.
    page.goto("/admin/core/campaign/")
    expect(page).to_have_url(SETUP_NEEDED)
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
