"""The e-mail outbox with the real Redis broker and a real Celery worker: a committed message is
delivered once, a broker outage delays mail without losing it or failing the user's action, and a
dedup key keeps a message unique however often it is written or dispatched."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from candidates.models import Application
from evaluations import services as evaluation_services
from evaluations.models import EvaluationRequest
from tapif.core.models import OutboundMessage
from tapif.core.outbox import REQUEUE_AFTER, mail_address, mail_user
from tapif.core.tasks import deliver_message, requeue_pending_messages
from tests.candidates.factories import CAMPAIGN_OPEN_AT, ApplicationFactory
from tests.evaluations.factories import professor_route
from tests.factories import CandidateFactory
from tests.worker.harness import wait_until

pytestmark = pytest.mark.worker

Status = OutboundMessage.Status
SUBMITTED = "candidates/email/submitted"


def status_of(message_id: int) -> str:
    return OutboundMessage.objects.get(pk=message_id).status


def wait_until_sent(message_id: int, *, timeout: float = 15) -> OutboundMessage:
    wait_until(
        lambda: status_of(message_id) == Status.SENT,
        timeout=timeout,
        message=lambda: f"e-mail {message_id} sent (it is {status_of(message_id)})",
    )
    return OutboundMessage.objects.get(pk=message_id)


@pytest.fixture
def dossier(transactional_db) -> Application:
    """A draft dossier on the professor route, made while the campaign is open (the worker
    runs on the real clock: only the making is time-travelled)."""
    with time_machine.travel(CAMPAIGN_OPEN_AT, tick=False):
        return professor_route(
            ApplicationFactory(candidate=CandidateFactory(preferred_language="en"))
        )


def test_a_committed_message_is_delivered_once(celery_worker, mail_drop, dossier):
    candidate = dossier.candidate
    with transaction.atomic():
        message = mail_user(
            user=candidate,
            template_prefix=SUBMITTED,
            context={"application": dossier, "campaign": dossier.campaign},
        )
        assert message is not None
    # Dispatched twice more, as a retried task or the requeue job might: still one e-mail.
    deliver_message.delay(message.pk)
    deliver_message.delay(message.pk)

    sent = wait_until_sent(message.pk)
    celery_worker.drain()

    subject = f"[TAPIF] Your dossier {dossier.number} is submitted"
    assert mail_drop.count() == {(candidate.email, subject): 1}
    (mail,) = mail_drop.messages()
    assert mail.message["X-Tapif-Message"] == str(message.pk)
    assert f"Your TAPIF {dossier.campaign.school_year} dossier {dossier.number}" in mail.text()
    assert (sent.subject, sent.attempts, sent.error) == (subject, 1, "")
    assert sent.sent_at is not None


def test_a_message_whose_transaction_is_rolled_back_is_never_sent(celery_worker, mail_drop):
    candidate = CandidateFactory()

    def write_then_fail() -> None:
        with transaction.atomic():
            mail_address(
                email=candidate.email,
                language="fr",
                template_prefix="candidates/email/reopened",
                context={"user": candidate, "reason": "—"},
                dedup_key="rolled-back",
            )
            raise RuntimeError("the change causing the message fails")

    with pytest.raises(RuntimeError, match="causing the message"):
        write_then_fail()

    celery_worker.drain()

    assert not OutboundMessage.objects.exists()
    assert mail_drop.messages() == []


@pytest.mark.parametrize("outage", ["stopped", "frozen"])
def test_with_the_broker_down_the_action_succeeds_and_the_mail_goes_out_once_it_is_back(
    celery_worker, broker, mail_drop, dossier, outage
):
    """A candidate invites their professor while Redis is down (stopped, or hung with its port
    open): the invitation is saved and its e-mail waits in the outbox; once Redis is back, the
    beat job's requeue hands it to the worker, which sends it once."""
    if outage == "stopped":
        broker.stop()
    else:
        broker.freeze()

    started = time.monotonic()
    with time_machine.travel(CAMPAIGN_OPEN_AT, tick=False):
        request = evaluation_services.evaluation_request_create(
            application=dossier,
            evaluator_name="Hélène Gagnon",
            evaluator_email="helene.gagnon@uottawa.example.ca",
            institution=None,
            relationship="current_professor",
            language="fr",
            actor=dossier.candidate,
        )
    assert time.monotonic() - started < 10, "the action waited on the broker"

    assert EvaluationRequest.objects.filter(pk=request.pk).exists()
    (message,) = OutboundMessage.objects.all()
    assert (message.status, message.attempts, message.to_email) == (
        Status.PENDING,
        0,
        "helene.gagnon@uottawa.example.ca",
    )

    if outage == "stopped":
        broker.start()
    else:
        broker.thaw()
    # Nothing is delivered until the requeue: the task never reached the broker.
    celery_worker.drain(timeout=30)  # the worker reconnects first
    assert status_of(message.pk) == Status.PENDING
    assert mail_drop.messages() == []
    # The beat job sends again what has waited longer than REQUEUE_AFTER: let that time pass.
    OutboundMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - REQUEUE_AFTER - timedelta(minutes=1)
    )
    requeue_pending_messages.delay()

    wait_until_sent(message.pk)
    celery_worker.drain()
    requeue_pending_messages.delay()  # a second run finds nothing left to send
    celery_worker.drain()

    (mail,) = mail_drop.messages()
    assert mail.to == ("helene.gagnon@uottawa.example.ca",)
    assert "/fr/evaluations/r/" in mail.text()
    request.refresh_from_db()
    assert request.sent_at is not None  # the outbox told the request (evaluations.signals)
    assert "link" not in OutboundMessage.objects.get(pk=message.pk).context


def test_one_dedup_key_written_twice_sends_one_email(celery_worker, mail_drop, dossier):
    """Two runs of a job (two transactions) write the same reminder: the second finds it."""
    candidate = dossier.candidate

    def write_reminder() -> OutboundMessage | None:
        with transaction.atomic():
            return mail_address(
                email=candidate.email,
                language="en",
                template_prefix=SUBMITTED,
                context={"user": candidate, "application": dossier, "campaign": dossier.campaign},
                dedup_key=f"deadline-reminder:{dossier.pk}:{dossier.campaign_id}:T-7",
            )

    first = write_reminder()
    second = write_reminder()

    assert first is not None
    assert second is None
    wait_until_sent(first.pk)
    celery_worker.drain()
    assert OutboundMessage.objects.count() == 1
    assert list(mail_drop.count().values()) == [1]
