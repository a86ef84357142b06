"""Error reports to Sentry (or a self-hosted GlitchTip, which speaks the same protocol).

`sentry_options` turns the settings' values into `sentry_sdk.init`'s arguments, or None when no
DSN is set (then Django mails `ADMINS` instead, see tapif/core/admin_mail.py). Nothing personal
leaves: no default PII (user, IP, cookies), no request body, no local variables, and every
string of an event and its breadcrumbs passes `tapif.core.logs.redact` (e-mail addresses, link
tokens) in `scrub_event`.
"""

from __future__ import annotations

from typing import Any

from tapif.core.logs import redact_value

#: Request parts never sent, whatever the SDK collected.
_DROPPED_REQUEST_KEYS = ("cookies", "data", "env")
_DROPPED_HEADERS = frozenset({"cookie", "authorization", "x-csrftoken"})


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's `before_send`: the event with no address, token, cookie or request body."""
    event = redact_value(event)
    request = event.get("request")
    if isinstance(request, dict):
        for key in _DROPPED_REQUEST_KEYS:
            request.pop(key, None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                name: value
                for name, value in headers.items()
                if name.lower() not in _DROPPED_HEADERS
            }
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {key: value for key, value in user.items() if key == "id"}
    return event


def scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's `before_breadcrumb`: log lines and SQL kept, addresses and tokens masked."""
    return redact_value(crumb)


def sentry_options(*, dsn: str, environment: str, release: str) -> dict[str, Any] | None:
    """`sentry_sdk.init`'s arguments, or None without a DSN."""
    if not dsn.strip():
        return None
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    return {
        "dsn": dsn.strip(),
        "environment": environment or "production",
        "release": release or None,
        "integrations": [DjangoIntegration(), CeleryIntegration()],
        "send_default_pii": False,
        "max_request_body_size": "never",
        "include_local_variables": False,
        "before_send": scrub_event,
        "before_breadcrumb": scrub_breadcrumb,
        # Errors only: no performance tracing.
        "traces_sample_rate": 0.0,
    }


def sentry_init(*, dsn: str, environment: str, release: str) -> bool:
    """Start reporting errors when a DSN is set (from settings, so web, worker and beat do)."""
    options = sentry_options(dsn=dsn, environment=environment, release=release)
    if options is None:
        return False
    import sentry_sdk

    sentry_sdk.init(**options)
    return True
