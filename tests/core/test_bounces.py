"""Bounces that come back after the relay accepted a message (tapif.core.bounces, the
`record_bounce` command, `message_bounced`): a permanent failure marks the outbox message
failed with the server's words; a delay, an auto-reply or a stranger's message changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tapif.core.bounces import bounce_read
from tapif.core.models import OutboundMessage

pytestmark = pytest.mark.django_db


def dsn(message_id: int | str, *, status: str = "5.1.1", action: str = "failed") -> bytes:
    """A delivery status notification as Postfix writes it, returning the refused headers."""
    return f"""From: MAILER-DAEMON@relay.example.org
To: bounces@tapif.example.org
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.example.org

Final-Recipient: rfc822; prof@uni.example.ca
Original-Recipient: rfc822;prof@uni.example.ca
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 5.1.1 <prof@uni.example.ca>:
    Recipient address rejected: User unknown

--B
Content-Type: text/rfc822-headers

From: TAPIF Canada <no-reply@tapif.ca>
To: prof@uni.example.ca
Subject: [TAPIF] An evaluation request
X-Tapif-Message: {message_id}

--B--
""".encode()


def sent_message(**fields) -> OutboundMessage:
    return OutboundMessage.objects.create(
        to_email="prof@uni.example.ca",
        language="en",
        template="core/email/test",
        status=OutboundMessage.Status.SENT,
        **fields,
    )


def record(*raws: bytes, tmp_path) -> str:
    files = []
    for number, raw in enumerate(raws):
        path = tmp_path / f"bounce-{number}.eml"
        path.write_bytes(raw)
        files.append(str(path))
    out = StringIO()
    call_command("record_bounce", *files, stdout=out)
    return out.getvalue()


def test_a_delivery_report_names_the_message_and_the_permanent_failure():
    bounce = bounce_read(dsn(42))

    assert bounce is not None
    assert (bounce.message_id, bounce.status, bounce.permanent) == (42, "5.1.1", True)
    assert "Recipient address rejected: User unknown" in bounce.diagnostic


def test_a_delay_is_read_as_not_permanent_and_other_mail_as_no_bounce():
    assert bounce_read(dsn(42, status="4.4.1", action="delayed")).permanent is False
    assert (
        bounce_read(b"From: prof@uni.example.ca\r\nSubject: Out of office\r\n\r\nBack soon.")
        is None
    )
    assert bounce_read(dsn("")) is None  # a message we did not send


def test_a_permanent_bounce_marks_the_message_failed_with_the_servers_words(
    tmp_path, django_capture_on_commit_callbacks
):
    message = sent_message(
        context={"link": "https://tapif.example.org/r/secret"}, secret_keys=["link"]
    )

    with django_capture_on_commit_callbacks(execute=True):
        output = record(dsn(message.pk), tmp_path=tmp_path)

    message.refresh_from_db()
    assert output.strip().endswith(f"message {message.pk}: marked failed (5.1.1)")
    assert message.status == OutboundMessage.Status.FAILED
    assert message.error.startswith("Bounced (5.1.1): smtp; 550 5.1.1")
    assert message.context == {}  # the link's token is forgotten, as for any failure


def test_a_delay_an_unknown_message_and_a_second_report_change_nothing(tmp_path):
    message = sent_message()

    output = record(
        dsn(message.pk, status="4.4.1", action="delayed"),
        dsn(999_999),
        tmp_path=tmp_path,
    )
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT
    assert f"message {message.pk}: delayed (4.4.1)" in output
    assert "message 999999: unknown or already failed, nothing changed" in output

    record(dsn(message.pk), tmp_path=tmp_path)
    again = record(dsn(message.pk), tmp_path=tmp_path)
    assert "unknown or already failed, nothing changed" in again
