"""Reading a bounce: the delivery status notification (RFC 3464) a mail server sends back when
it refuses a message after the relay had accepted it. Pure: bytes in, facts out.

Every message tapif sends carries `X-Tapif-Message: <outbox id>` (tapif.core.outbox). A
notification returns the refused message's headers (a `text/rfc822-headers` part, or the whole
message as `message/rfc822`), so the header tells which outbox message bounced; the
`message/delivery-status` part says whether the failure is permanent (`Action: failed`,
`Status: 5.x.x`) or only a delay (`4.x.x`, the server keeps trying).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message

MESSAGE_HEADER = "X-Tapif-Message"
_HEADER_LINE = re.compile(rb"^X-Tapif-Message:\s*(\d+)\s*$", re.IGNORECASE | re.MULTILINE)
_STATUS = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")


@dataclass(frozen=True)
class Bounce:
    message_id: int  # the outbox message refused
    status: str  # the enhanced status code, "5.1.1"
    permanent: bool  # a 5.x.x failure: the address will refuse the next messages too
    diagnostic: str  # the remote server's words, for staff


def bounce_read(raw: bytes) -> Bounce | None:
    """The bounce this e-mail reports, or None when it is not a delivery status notification
    about a message tapif sent (an auto-reply, a delay notice without status, spam)."""
    mail = message_from_bytes(raw, policy=policy.compat32)
    message_id = _returned_message_id(mail, raw)
    status, diagnostic = _delivery_status(mail)
    if message_id is None or status is None:
        return None
    return Bounce(
        message_id=message_id,
        status=status,
        permanent=status.startswith("5."),
        diagnostic=diagnostic,
    )


def _returned_message_id(mail: Message, raw: bytes) -> int | None:
    for part in mail.walk():
        if part.get_content_type() in ("text/rfc822-headers", "message/rfc822"):
            payload = part.get_payload(decode=part.get_content_type() != "message/rfc822")
            text = payload if isinstance(payload, bytes) else str(_first(payload)).encode()
            found = _HEADER_LINE.search(text)
            if found:
                return int(found.group(1))
    # Some servers quote the returned headers in the human-readable part instead.
    found = _HEADER_LINE.search(raw)
    return int(found.group(1)) if found else None


def _first(payload):
    return payload[0] if isinstance(payload, list) and payload else payload


def _delivery_status(mail: Message) -> tuple[str | None, str]:
    """The first failed recipient's status code and diagnostic from the report's
    message/delivery-status part (its per-recipient fields come as header blocks)."""
    for part in mail.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks if isinstance(blocks, list) else []:
            action = (block.get("Action") or "").strip().lower()
            status = (block.get("Status") or "").strip().split(" ")[0]
            if action in ("failed", "delayed") and _STATUS.match(status):
                diagnostic = " ".join((block.get("Diagnostic-Code") or "").split())
                return status, diagnostic[:500]
    return None, ""
