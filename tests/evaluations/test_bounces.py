"""An evaluator's invitation that bounces after the relay accepted it: read from the bounce
mailbox (`record_bounce`), it reaches the candidate like a refusal at sending time."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from evaluations.services import INVITATION_TEMPLATE
from tapif.core.models import OutboundMessage
from tests.core.test_bounces import dsn

pytestmark = pytest.mark.django_db


def test_a_late_bounce_of_the_invitation_marks_the_request_undelivered(
    invitation, tmp_path, django_capture_on_commit_callbacks
):
    message = OutboundMessage.objects.get(template=INVITATION_TEMPLATE)
    assert message.status == OutboundMessage.Status.SENT
    invitation.refresh_from_db()
    assert invitation.delivery_failed_at is None
    path = tmp_path / "bounce.eml"
    path.write_bytes(dsn(message.pk))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("record_bounce", str(path), stdout=StringIO())

    invitation.refresh_from_db()
    assert invitation.delivery_failed_at is not None  # the candidate sees it and is told
