import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from tapif.core.bounces import bounce_read
from tapif.core.outbox import message_bounced


class Command(BaseCommand):
    help = (
        "Record bounces: read delivery status notifications (one e-mail per FILE, or one on "
        "standard input, as a mail server's pipe delivers it) and mark the outbox messages they "
        "report as failed. Delays (4.x.x) and other mail are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="e-mail files (.eml); none: standard input")

    def handle(self, *args, files, **options):
        sources = [(name, Path(name).read_bytes()) for name in files] or [
            ("stdin", sys.stdin.buffer.read())
        ]
        for name, raw in sources:
            self.stdout.write(f"{name}: {self._record(raw)}")

    def _record(self, raw: bytes) -> str:
        bounce = bounce_read(raw)
        if bounce is None:
            return "not a bounce of a message we sent: ignored"
        if not bounce.permanent:
            return f"message {bounce.message_id}: delayed ({bounce.status}), the server retries"
        message = message_bounced(
            message_id=bounce.message_id, status=bounce.status, diagnostic=bounce.diagnostic
        )
        if message is None:
            return f"message {bounce.message_id}: unknown or already failed, nothing changed"
        return f"message {bounce.message_id}: marked failed ({bounce.status})"
