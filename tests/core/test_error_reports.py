"""Error reports: Sentry without personal data when a DSN is set, else mails to ADMINS."""

import logging
import sys

import pytest
from django.core import mail
from django.test import RequestFactory
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from tapif.core.sentry import scrub_breadcrumb, scrub_event, sentry_options
from tapif.env import EnvError, admins_config

TOKEN = "q0Zk3c1W2v-8mYp_LrT5nB7xA9sD4fG6hJ1kL3zX5cV"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", []),
        ("it@embassy.example", ["it@embassy.example"]),
        (
            "IT team <it@embassy.example>, ops@embassy.example",
            ["IT team <it@embassy.example>", "ops@embassy.example"],
        ),
        ('"Doe, Jane" <jane@embassy.example>', ['"Doe, Jane" <jane@embassy.example>']),
    ],
)
def test_admins_come_from_django_admins(raw, expected):
    assert admins_config({"DJANGO_ADMINS": raw}) == expected


def test_admins_refuse_something_that_is_not_an_address():
    with pytest.raises(EnvError, match="DJANGO_ADMINS must be e-mail addresses"):
        admins_config({"DJANGO_ADMINS": "the IT team"})


def test_no_dsn_no_sentry():
    assert sentry_options(dsn="", environment="production", release="") is None


def test_sentry_reports_without_personal_data():
    options = sentry_options(
        dsn="https://key@glitchtip.embassy.example/3", environment="staging", release="v1.4"
    )

    assert options["dsn"] == "https://key@glitchtip.embassy.example/3"
    assert options["environment"] == "staging"
    assert options["release"] == "v1.4"
    assert options["send_default_pii"] is False
    assert options["max_request_body_size"] == "never"
    assert options["include_local_variables"] is False
    assert options["before_send"] is scrub_event
    assert options["before_breadcrumb"] is scrub_breadcrumb
    assert {type(integration) for integration in options["integrations"]} == {
        DjangoIntegration,
        CeleryIntegration,
    }


def test_scrub_event_masks_addresses_and_tokens_and_drops_cookies_and_bodies():
    event = {
        "message": "E-mail 4 given up: refused jo@example.ca",
        "logentry": {"message": "E-mail %s given up: %s", "params": [4, "refused jo@example.ca"]},
        "exception": {
            "values": [
                {
                    "type": "SMTPRecipientsRefused",
                    "value": "{'jo@example.ca': (550, b'No such user')}",
                }
            ]
        },
        "request": {
            "url": f"https://tapif.embassy.example/fr/evaluations/r/{TOKEN}/",
            "query_string": "q=jo%40example.ca",
            "headers": {
                "Referer": f"https://tapif.embassy.example/fr/staff/setup/{TOKEN}/",
                "Cookie": "sessionid=abc",
                "User-Agent": "Firefox",
            },
            "cookies": {"sessionid": "abc"},
            "data": {"email": "jo@example.ca"},
        },
        "user": {"id": "42", "email": "jo@example.ca", "ip_address": "198.51.100.7"},
        "breadcrumbs": {"values": [{"message": "sent to jo@example.ca"}]},
    }

    scrubbed = scrub_event(event, {})
    text = repr(scrubbed)

    assert "jo@" not in text
    assert TOKEN not in text
    assert scrubbed["message"] == "E-mail 4 given up: refused ***@example.ca"
    assert scrubbed["request"]["url"] == (
        "https://tapif.embassy.example/fr/evaluations/r/[redacted]/"
    )
    assert scrubbed["request"]["headers"] == {
        "Referer": "https://tapif.embassy.example/fr/staff/setup/[redacted]/",
        "User-Agent": "Firefox",
    }
    assert "cookies" not in scrubbed["request"]
    assert "data" not in scrubbed["request"]
    assert scrubbed["user"] == {"id": "42"}


def test_scrub_breadcrumb_masks_addresses():
    crumb = {"category": "tapif.core.outbox", "message": "retry for jo@example.ca"}

    assert scrub_breadcrumb(crumb, {})["message"] == "retry for ***@example.ca"


def _server_error(path: str) -> None:
    """As Django's handler logs an unhandled exception (django.request, with the request)."""
    request = RequestFactory().get(path)
    try:
        raise ValueError("could not send to jo@example.ca")
    except ValueError:
        logging.getLogger("django.request").error(
            "Internal Server Error: %s",
            path,
            exc_info=sys.exc_info(),
            extra={"status_code": 500, "request": request},
        )


def test_server_errors_are_mailed_to_the_admins_masked(settings):
    settings.ADMINS = ["IT team <it@embassy.example>"]
    settings.DEBUG = False

    _server_error(f"/fr/evaluations/r/{TOKEN}/")

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["IT team <it@embassy.example>"]
    assert "Internal Server Error: /fr/evaluations/r/[redacted]/" in sent.subject
    assert TOKEN not in sent.subject + sent.body
    assert "jo@" not in sent.body
    assert "ValueError at /fr/evaluations/r/[redacted]/\ncould not send to ***@example.ca" in (
        sent.body
    )


def test_without_admins_no_error_mail_is_sent(settings):
    settings.ADMINS = []
    settings.DEBUG = False

    _server_error("/fr/")

    assert mail.outbox == []
