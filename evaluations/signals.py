"""What the outbox tells the evaluation requests: whether the evaluator's e-mail got through.

An invitation delivered sets the request's `sent_at` (the reminders count from it); an
invitation or reminder refused for good sets `delivery_failed_at`, which the candidate sees and
the daily check tells them about. Connected in EvaluationsConfig.ready.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.dispatch import receiver
from django.utils import timezone

from evaluations.choices import OPEN_STATUSES
from evaluations.models import EvaluationRequest
from evaluations.services import INVITATION_TEMPLATE, REMINDER_TEMPLATE, invitation_dedup_key
from tapif.core.models import OutboundMessage
from tapif.core.outbox import message_failed, message_sent


def _request_id(message: OutboundMessage) -> int | None:
    """The request a message is about (the context keeps the reference once the link is
    erased), or None for any other message."""
    reference = message.context.get("request")
    if isinstance(reference, dict) and reference.get("$model") == "evaluations.evaluationrequest":
        return reference.get("pk")
    return None


def _latest_invitation(message: OutboundMessage) -> QuerySet[EvaluationRequest]:
    """The request whose latest invitation this message is: one for an earlier link (resent
    since, and delivered or refused late) changes nothing."""
    request_id = _request_id(message)
    if message.template != INVITATION_TEMPLATE or request_id is None:
        return EvaluationRequest.objects.none()
    request = EvaluationRequest.objects.filter(pk=request_id).only("resent_count").first()
    if request is None or message.dedup_key != invitation_dedup_key(
        request_id, request.resent_count
    ):
        return EvaluationRequest.objects.none()
    return EvaluationRequest.objects.filter(pk=request_id)


@receiver(message_sent, dispatch_uid="evaluations.invitation_sent")
def invitation_sent(sender, message: OutboundMessage, **kwargs) -> None:
    _latest_invitation(message).update(sent_at=message.sent_at or timezone.now())


@receiver(message_failed, dispatch_uid="evaluations.invitation_failed")
def invitation_failed(sender, message: OutboundMessage, **kwargs) -> None:
    if message.template == REMINDER_TEMPLATE:
        # The address refuses the reminder: it would refuse the next ones too.
        requests = EvaluationRequest.objects.filter(pk=_request_id(message))
    else:
        requests = _latest_invitation(message)
    requests.filter(status__in=OPEN_STATUSES).update(delivery_failed_at=timezone.now())
