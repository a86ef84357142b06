"""What the processes write about themselves: one time zone, JSON in production, no personal data.

Every process (gunicorn, the Celery worker and beat, management commands) logs through the
`LOGGING` of tapif/settings.py (gunicorn's own lines through `tapif.gunicorn_conf`):
timestamps in UTC, ISO 8601; one JSON object a line in production (`LOG_FORMAT`); and every
record passes `RedactingFilter`, which masks e-mail addresses and the secrets carried in link
paths (an evaluator's invitation, a staff set-up link, allauth's confirmation and reset keys).

Standard library only: gunicorn's master imports this module without setting up Django.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any

#: An address, also percent-encoded (`%40`) as in a query string. The domain is kept: it tells
#: a mail server's problem apart from one person's.
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+(?:@|%40)((?:[A-Za-z0-9\-]+\.)+[A-Za-z]{2,})")
#: Paths whose next segment is a secret: /<lang>/evaluations/r/<token>/ (invitation),
#: /evaluations/c/<token>/ (address confirmation), /staff/setup/<token>/ (not …/needed/),
#: allauth's /accounts/confirm-email/<key>/ and /accounts/password/reset/key/<uidb36-key>/.
#: Also percent-encoded, as in a `next=` parameter (`%2Fevaluations%2Fr%2F<token>`).
_TOKEN_PATH = re.compile(
    r"((?:/|%2F)(?:evaluations(?:/|%2F)[rc]|staff(?:/|%2F)setup|accounts(?:/|%2F)confirm-email"
    r"|accounts(?:/|%2F)password(?:/|%2F)reset(?:/|%2F)key)(?:/|%2F))"
    r"(?!needed(?:/|%2F))(?:(?!%2F)[^/?#&\s\"'])+",
    re.IGNORECASE,
)
#: Secrets in a query string or a "name=value" message.
_TOKEN_PARAMETER = re.compile(r"(\b(?:token|key|code|secret|password)=)[^&\s\"']+", re.IGNORECASE)

MASK = "[redacted]"


def redact(text: str) -> str:
    """`text` without e-mail addresses (`***@domain`) and link secrets (`[redacted]`)."""
    if not text:
        return text
    text = _EMAIL.sub(r"***@\1", text)
    text = _TOKEN_PATH.sub(rf"\1{MASK}", text)
    return _TOKEN_PARAMETER.sub(rf"\1{MASK}", text)


def redact_value(value: Any) -> Any:
    """`redact` through strings, lists and dictionaries (for structured data: Sentry events)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(item) for item in value)
    return value


class RedactingFilter(logging.Filter):
    """Masks addresses and secrets in a record's message and traceback (on a handler, it sees
    every record the handler writes, whichever logger it comes from)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def utc_timestamp(created: float) -> str:
    """'2026-09-01T13:05:09.123Z': the same instant reads the same in every process."""
    moment = dt.datetime.fromtimestamp(created, tz=dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class UtcFormatter(logging.Formatter):
    """The usual text line, its `asctime` in UTC and ISO 8601 (Django sets the process's time
    zone to TIME_ZONE; Celery and gunicorn would otherwise each write their own)."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return utc_timestamp(record.created)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, process, and the exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": utc_timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for name in ("task_id", "task_name", "status_code"):
            value = getattr(record, name, None)
            if isinstance(value, str | int):
                entry[name] = value
        return json.dumps(entry, ensure_ascii=False)
