"""Logs: UTC ISO 8601 time, JSON in production, no e-mail address and no link secret."""

import datetime as dt
import io
import json
import logging
import smtplib
import sys

import pytest
from gunicorn.config import Config

from tapif import gunicorn_conf
from tapif.core.logs import JsonFormatter, RedactingFilter, UtcFormatter, redact
from tapif.env import EnvError, log_format
from tapif.gunicorn_conf import RedactingLogger

TOKEN = "q0Zk3c1W2v-8mYp_LrT5nB7xA9sD4fG6hJ1kL3zX5cV"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("to jo.tremblay+tapif@Example.ca failed", "to ***@Example.ca failed"),
        ("/admin/core/user/?q=jo%40example.ca", "/admin/core/user/?q=***@example.ca"),
        (f"/fr/evaluations/r/{TOKEN}/", "/fr/evaluations/r/[redacted]/"),
        (f"GET /en/evaluations/c/{TOKEN}/ HTTP/1.1", "GET /en/evaluations/c/[redacted]/ HTTP/1.1"),
        (f"/fr/staff/setup/{TOKEN}/", "/fr/staff/setup/[redacted]/"),
        ("/fr/staff/setup/needed/", "/fr/staff/setup/needed/"),
        (f"/fr/accounts/confirm-email/{TOKEN}/", "/fr/accounts/confirm-email/[redacted]/"),
        ("/en/accounts/password/reset/key/2a-c4t9/", "/en/accounts/password/reset/key/[redacted]/"),
        (
            f"/en/verify/?code=ABCDE-FGHJK&token={TOKEN}",
            "/en/verify/?code=[redacted]&token=[redacted]",
        ),
        ("/fr/evaluations/requests/12/", "/fr/evaluations/requests/12/"),
        (
            f"/fr/accounts/login/?next=%2Ffr%2Fevaluations%2Fr%2F{TOKEN}%2F",
            "/fr/accounts/login/?next=%2Ffr%2Fevaluations%2Fr%2F[redacted]%2F",
        ),
        ("status_code=500 in 3 ms", "status_code=500 in 3 ms"),
    ],
)
def test_redact_masks_addresses_and_link_secrets(text, expected):
    assert redact(text) == expected


def _record(msg, *args, exc_info=None) -> logging.LogRecord:
    return logging.getLogger("tapif.core.outbox").makeRecord(
        "tapif.core.outbox", logging.ERROR, __file__, 1, msg, args, exc_info
    )


def _refused_exc_info():
    try:
        raise smtplib.SMTPRecipientsRefused({"jo@example.ca": (550, b"No such user")})
    except smtplib.SMTPRecipientsRefused:
        return sys.exc_info()


def test_the_filter_masks_the_message_its_arguments_and_the_traceback():
    record = _record(
        "E-mail %s given up: %s",
        7,
        "SMTPRecipientsRefused: {'jo@example.ca': (550, b'No such user')}",
        exc_info=_refused_exc_info(),
    )

    assert RedactingFilter().filter(record) is True
    text = logging.Formatter().format(record)

    assert "jo@" not in text
    assert "E-mail 7 given up: SMTPRecipientsRefused: {'***@example.ca'" in text
    assert "Traceback" in text


def test_the_configured_console_handler_masks_every_record():
    """settings.LOGGING: the root's handler, whatever logger a record comes from."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    record = _record("E-mail %s given up: %s", 7, "refused jo@example.ca")

    assert handler.filter(record)
    assert "jo@" not in handler.format(record)
    assert "***@example.ca" in handler.format(record)


def test_json_lines_carry_utc_time_level_logger_and_exception():
    record = _record("delivery failed for %s", "jo@example.ca", exc_info=_refused_exc_info())
    record.created = dt.datetime(2026, 9, 1, 13, 5, 9, 123000, tzinfo=dt.UTC).timestamp()
    RedactingFilter().filter(record)

    entry = json.loads(JsonFormatter().format(record))

    assert entry["time"] == "2026-09-01T13:05:09.123Z"
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "tapif.core.outbox"
    assert entry["message"] == "delivery failed for ***@example.ca"
    assert "SMTPRecipientsRefused" in entry["exception"]
    assert "jo@" not in entry["exception"]


def test_plain_lines_are_timed_in_utc_whatever_the_process_time_zone():
    record = _record("hello")
    record.created = dt.datetime(2026, 1, 15, 23, 30, tzinfo=dt.UTC).timestamp()

    line = UtcFormatter("%(asctime)s %(levelname)s %(message)s").format(record)

    assert line == "2026-01-15T23:30:00.000Z ERROR hello"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "plain"),
        ({"DJANGO_DEBUG": "0"}, "json"),
        ({"DJANGO_DEBUG": "0", "LOG_FORMAT": "plain"}, "plain"),
        ({"LOG_FORMAT": "JSON"}, "json"),
    ],
)
def test_log_format_is_json_in_production_unless_chosen(env, expected):
    assert log_format(env) == expected


def test_log_format_refuses_an_unknown_format():
    with pytest.raises(EnvError, match="LOG_FORMAT must be json or plain"):
        log_format({"LOG_FORMAT": "xml"})


class _Response:
    status = "200 OK"
    sent = 1234
    headers = [("Content-Type", "text/html")]


def _gunicorn_logger(monkeypatch, log_format_name: str) -> tuple[RedactingLogger, io.StringIO]:
    monkeypatch.setenv("LOG_FORMAT", log_format_name)
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("errorlog", "-")
    cfg.set("access_log_format", gunicorn_conf.access_log_format)
    logger = RedactingLogger(cfg)
    stream = io.StringIO()
    for handler in logger.access_log.handlers:
        if getattr(handler, "_gunicorn", False):
            handler.setStream(stream)
    return logger, stream


def _access(logger: RedactingLogger) -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/fr/evaluations/r/{TOKEN}/?email=jo@example.ca",
        "PATH_INFO": f"/fr/evaluations/r/{TOKEN}/",
        "QUERY_STRING": "email=jo@example.ca",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.2",
        "HTTP_REFERER": f"https://tapif.embassy.test/fr/staff/setup/{TOKEN}/",
        "HTTP_USER_AGENT": "Firefox",
    }
    logger.access(
        _Response(), [("REFERER", environ["HTTP_REFERER"])], environ, dt.timedelta(0, 0, 2500)
    )


def test_gunicorn_access_lines_carry_no_token_and_no_address(monkeypatch):
    logger, stream = _gunicorn_logger(monkeypatch, "plain")

    _access(logger)
    line = stream.getvalue()

    assert TOKEN not in line
    assert "jo@" not in line
    assert "email=" not in line  # no query string, as in the proxy's log
    assert '"GET /fr/evaluations/r/[redacted]/ HTTP/1.1" 200 1234 2ms' in line
    assert '"https://tapif.embassy.test/fr/staff/setup/[redacted]/" "Firefox"' in line
    assert line.startswith("10.0.0.2 [")
    assert "Z] " in line


def test_gunicorn_access_lines_are_json_in_production(monkeypatch):
    logger, stream = _gunicorn_logger(monkeypatch, "json")

    _access(logger)
    entry = json.loads(stream.getvalue())

    assert entry["logger"] == "gunicorn.access"
    assert entry["time"].endswith("Z")
    assert "/fr/evaluations/r/[redacted]/" in entry["message"]
    assert TOKEN not in entry["message"]
