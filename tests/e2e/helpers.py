"""What the browser journeys share: signing in and out, reading e-mails, TOTP codes, axe."""

from __future__ import annotations

import re
import time
from pathlib import Path

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from playwright.sync_api import Page, expect

PASSWORD = "Un-mot-de-passe-solide-2026"
AXE_SOURCE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text()
CONFIRMATION_LINK = re.compile(r"https?://\S+/accounts/confirm-email/[^\s/]+/")


def submit_login_form(page: Page, *, email: str, password: str = PASSWORD) -> None:
    """Fill allauth's login form on the current page and send it (any language)."""
    form = page.locator("main form").filter(has=page.locator("input[name=login]"))
    form.locator("input[name=login]").fill(email)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()


def log_in(page: Page, *, email: str, password: str = PASSWORD, language: str = "en") -> None:
    page.goto(f"/{language}/accounts/login/")
    submit_login_form(page, email=email, password=password)


def log_out(page: Page) -> None:
    """Use the "Log out" button of the main navigation (a POST form)."""
    page.locator("nav form[action$='/accounts/logout/'] button[type=submit]").click()
    expect(page.locator("nav form[action$='/accounts/logout/']")).to_have_count(0)


def confirmation_link(email: str) -> str:
    """The e-mail confirmation link of the one message sent to `email`."""
    messages = [message for message in mail.outbox if email in message.to]
    assert len(messages) == 1, [(message.to, message.subject) for message in mail.outbox]
    match = CONFIRMATION_LINK.search(messages[0].body)
    assert match, messages[0].body
    return match.group(0)


def totp_code(secret: str) -> str:
    """The current code of an authenticator app holding `secret`.

    allauth accepts only the current period's code (no tolerance): near the end of a period,
    wait for the next one so the code cannot expire between typing and checking.
    """
    period = mfa_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 5:
        time.sleep(left + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def axe_violations(page: Page, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list:
    """Run axe-core on the current page; the violations of the given impacts.

    axe is evaluated through the DevTools protocol, which the site's CSP (no inline scripts)
    does not block, so the page is tested with its real headers.
    """
    page.evaluate(AXE_SOURCE)
    results = page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return {
                passes: results.passes.length,
                violations: results.violations.map((v) => ({
                    id: v.id,
                    impact: v.impact,
                    help: v.help,
                    nodes: v.nodes.map((n) => ({
                        target: n.target.join(" "),
                        html: n.html,
                        summary: n.failureSummary,
                    })),
                })),
            };
        }"""
    )
    assert results["passes"] > 0, "axe-core did not run any check"
    return [v for v in results["violations"] if v["impact"] in impacts]


def describe_violations(violations: list) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {node['target']}: {node['html']}")
            lines.append(f"        {node['summary']}".replace("\n", "\n        "))
    return "\n".join(lines)
