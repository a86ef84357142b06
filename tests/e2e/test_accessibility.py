"""axe-core finds no serious or critical accessibility violation on the main pages.

axe-core (vendor/axe.min.js) runs in the page as the browser renders it: real CSS, so colour
contrast is checked too. A failure lists each rule broken, with the elements concerned.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import axe_violations, describe_violations, log_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    "path",
    [
        "/fr/",
        "/en/",
        "/fr/accounts/login/",
        "/en/accounts/login/",
        "/fr/accounts/signup/",
        "/en/accounts/signup/",
    ],
)
def test_public_page_has_no_serious_accessibility_violation(page: Page, path: str):
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    violations = axe_violations(page)

    assert not violations, f"{path}:\n{describe_violations(violations)}"


def test_signup_errors_have_no_serious_accessibility_violation(page: Page):
    page.goto("/en/accounts/signup/")
    form = page.get_by_role("main").locator("form")
    form.locator("input[name=email]").fill("not-an-address@example")
    form.locator("input[name=password1]").fill("short")
    form.locator("input[name=password2]").fill("different")
    # Skip the browser's own checks to see the server's error messages.
    form.evaluate("form => form.noValidate = true")
    form.locator("button[type=submit]").click()
    expect(page.get_by_role("alert")).to_be_visible()

    violations = axe_violations(page)

    assert not violations, f"signup with errors:\n{describe_violations(violations)}"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_candidate_home_has_no_serious_accessibility_violation(
    page: Page, make_user, language: str
):
    candidate = make_user(language=language, first_name="Ada")
    log_in(page, email=candidate.email, language=language)
    expect(page).to_have_url(re.compile(rf"/{language}/dossier/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ada")

    violations = axe_violations(page)

    assert not violations, f"candidate home ({language}):\n{describe_violations(violations)}"
