"""The e-mail outbox: written with the change, delivered after commit, never twice, never lost."""

import datetime as dt
import smtplib
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st

from candidates import services
from candidates.models import Application
from tapif.core import outbox
from tapif.core.exceptions import DomainError
from tapif.core.jobs import run_job
from tapif.core.models import JobRun, OutboundMessage
from tests.candidates.factories import ApplicationFactory
from tests.factories import CandidateFactory, StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_open")]

SUBMITTED = "candidates/email/submitted"
Status = OutboundMessage.Status


class ServerDownBackend(BaseEmailBackend):
    """The outside world: the mail server hangs up (transient: tried again later)."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class NoSuchUserBackend(BaseEmailBackend):
    """The outside world: the mail server refuses the recipient for good (550)."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused(
            {m.to[0]: (550, b"5.1.1 No such user") for m in email_messages}
        )


@pytest.fixture
def mail_server(settings):
    """Switch the mail server's behaviour: "down", "refusing" or "up" (Django's test outbox)."""
    backends = {
        "down": f"{__name__}.ServerDownBackend",
        "refusing": f"{__name__}.NoSuchUserBackend",
        "up": "django.core.mail.backends.locmem.EmailBackend",
    }

    def switch(state: str) -> None:
        settings.MAILERS = {"default": {"BACKEND": backends[state]}}

    return switch


@pytest.fixture
def dossier(db) -> Application:
    return ApplicationFactory(candidate=CandidateFactory(preferred_language="fr", first_name="Léa"))


def write(dossier, **kwargs) -> OutboundMessage | None:
    return outbox.mail_user(
        user=dossier.candidate,
        template_prefix=SUBMITTED,
        context={"application": dossier, "campaign": dossier.campaign},
        **kwargs,
    )


# --- The context -------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@given(value=json_values)
def test_plain_values_come_back_as_they_were_written(value):
    decoded = outbox.decode_context(outbox.encode_context({"value": value}))

    assert decoded == {"value": value}


def test_records_dates_and_amounts_come_back_with_their_type(dossier):
    moment = timezone.now()
    context = {
        "application": dossier,
        "when": moment,
        "day": dt.date(2027, 4, 15),
        "amount": Decimal("1036.21"),
        "items": [dossier.campaign, ("a", 1)],
    }

    decoded = outbox.decode_context(outbox.encode_context(context))

    assert decoded == {**context, "items": [dossier.campaign, ["a", 1]]}
    assert isinstance(decoded["amount"], Decimal)


def test_a_lazy_text_is_written_in_the_recipients_language():
    with translation.override("fr"):
        encoded = outbox.encode_context({"label": gettext_lazy("Submitted")})

    assert encoded == {"label": "Soumis"}


def test_a_record_deleted_before_delivery_fails_the_message_for_good(dossier, mail_server):
    mail_server("up")
    candidate = CandidateFactory()
    with transaction.atomic():
        message = outbox.mail_user(
            user=dossier.candidate,
            template_prefix=SUBMITTED,
            context={"application": dossier, "campaign": dossier.campaign, "other": candidate},
        )
    candidate.delete()

    assert outbox.message_deliver(message.pk).status == Status.FAILED
    message.refresh_from_db()
    assert "ContextGone" in message.error
    assert mail.outbox == []


def test_what_cannot_be_stored_is_refused_when_written(dossier):
    with pytest.raises(TypeError, match="object cannot go"):
        outbox.encode_context({"thing": object()})


# --- Writing and delivering --------------------------------------------------------------------


def test_the_message_is_written_with_the_change_and_sent_after_commit(
    dossier, mail_server, django_capture_on_commit_callbacks
):
    mail_server("up")
    with django_capture_on_commit_callbacks(execute=True):
        message = write(dossier)
        assert mail.outbox == [], "nothing leaves before the change is saved"

    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 1)
    assert message.dossier == dossier.number
    assert message.campaign == dossier.campaign
    (sent,) = mail.outbox
    assert sent.to == [dossier.candidate.email]
    assert f"Votre dossier {dossier.number} est soumis" in sent.subject
    assert sent.subject == message.subject
    assert "Bonjour Léa," in sent.body
    assert sent.alternatives[0].mimetype == "text/html"


def test_a_change_rolled_back_leaves_no_message(dossier, django_capture_on_commit_callbacks):
    def failing_change():
        with transaction.atomic():
            write(dossier)
            raise RuntimeError("the change fails")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        failing_change()

    assert not OutboundMessage.objects.exists()
    assert mail.outbox == []


def test_the_same_dedup_key_is_written_and_sent_once(
    dossier, mail_server, django_capture_on_commit_callbacks
):
    mail_server("up")
    with django_capture_on_commit_callbacks(execute=True):
        first = write(dossier, dedup_key=f"test:{dossier.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        second = write(dossier, dedup_key=f"test:{dossier.pk}")

    assert first is not None
    assert second is None
    assert OutboundMessage.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_message_already_sent_is_not_sent_again(dossier, mail_server):
    mail_server("up")
    message = write(dossier)
    outbox.message_deliver(message.pk)

    again = outbox.message_deliver(message.pk)

    assert again.status == Status.SENT
    assert len(mail.outbox) == 1


def test_a_broker_that_is_down_leaves_the_message_pending(
    dossier, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from tapif.core import tasks

    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver_message, "delay", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        message = write(dossier)

    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert mail.outbox == []


# --- Failures ----------------------------------------------------------------------------------


def test_a_server_down_is_tried_again_later_with_a_growing_delay(dossier, mail_server):
    mail_server("down")
    message = write(dossier)
    now = timezone.now()

    first = outbox.message_deliver(message.pk, now=now)

    assert first == outbox.Delivery(status=Status.PENDING, retry_in=60)
    message.refresh_from_db()
    assert message.next_attempt_at >= now + dt.timedelta(seconds=60)
    assert "SMTPServerDisconnected" in message.error
    assert outbox.message_deliver(message.pk, now=now).status == Status.PENDING  # not due
    assert message.attempts == 1

    mail_server("up")
    with time_machine.travel(now + dt.timedelta(minutes=2), tick=False):
        assert outbox.message_deliver(message.pk).status == Status.SENT
    message.refresh_from_db()
    assert (message.attempts, message.error) == (2, "")
    assert len(mail.outbox) == 1


def test_a_server_down_for_too_long_fails_the_message(dossier, mail_server):
    mail_server("down")
    message = write(dossier)
    OutboundMessage.objects.filter(pk=message.pk).update(attempts=outbox.MAX_ATTEMPTS - 1)

    assert outbox.message_deliver(message.pk).status == Status.FAILED


def test_a_refused_recipient_fails_for_good_and_secrets_are_erased(dossier, mail_server):
    mail_server("refusing")
    failed = []
    outbox.message_failed.connect(lambda message, **kw: failed.append(message.pk), weak=False)
    message = outbox.mail_user(
        user=dossier.candidate,
        template_prefix=SUBMITTED,
        context={"application": dossier, "campaign": dossier.campaign, "link": "https://x/t0k3n"},
        secret_keys=["link"],
    )

    assert outbox.message_deliver(message.pk).status == Status.FAILED

    message.refresh_from_db()
    assert "No such user" in message.error
    assert "link" not in message.context
    assert "application" in message.context
    assert failed == [message.pk]
    with pytest.raises(DomainError, match="personal link"):
        outbox.message_resend(message=message, actor=StaffFactory())


def test_staff_send_a_failed_message_again(
    dossier, mail_server, django_capture_on_commit_callbacks
):
    mail_server("refusing")
    message = write(dossier)
    outbox.message_deliver(message.pk)
    mail_server("up")

    with django_capture_on_commit_callbacks(execute=True):
        outbox.message_resend(message=message, actor=StaffFactory())

    message.refresh_from_db()
    assert message.status == Status.SENT
    assert len(mail.outbox) == 1
    with pytest.raises(DomainError, match="Only a failed"):
        outbox.message_resend(message=message, actor=StaffFactory())


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (smtplib.SMTPServerDisconnected("bye"), True),
        (ConnectionRefusedError(), True),
        (TimeoutError(), True),
        (smtplib.SMTPResponseException(421, b"try later"), True),
        (smtplib.SMTPResponseException(554, b"rejected"), False),
        (smtplib.SMTPRecipientsRefused({"a@b.c": (450, b"mailbox busy")}), True),
        (smtplib.SMTPRecipientsRefused({"a@b.c": (550, b"no such user")}), False),
        (ValueError("a bug"), False),
    ],
)
def test_which_errors_are_worth_trying_again(error, transient):
    assert outbox.is_transient(error) is transient


def test_retry_delays_grow_and_stop_at_an_hour():
    assert [outbox.retry_delay(n) for n in (1, 2, 3, 7, 8)] == [60, 120, 240, 3600, 3600]


# --- The requeue job ---------------------------------------------------------------------------


def test_the_requeue_job_sends_what_was_left_pending_and_nothing_else(
    dossier, mail_server, django_capture_on_commit_callbacks
):
    mail_server("up")
    lost = write(dossier)
    recent = write(dossier)
    abandoned = write(dossier)
    now = timezone.now()
    OutboundMessage.objects.filter(pk=lost.pk).update(
        next_attempt_at=now - dt.timedelta(minutes=10)
    )
    OutboundMessage.objects.filter(pk=abandoned.pk).update(
        status=Status.SENDING, claimed_until=now - dt.timedelta(seconds=1), attempts=1
    )

    summary = run_job("deliver_pending_mail", outbox.messages_requeue_pending)

    assert summary == {"requeued": 2}
    statuses = dict(OutboundMessage.objects.values_list("pk", "status"))
    assert statuses == {lost.pk: Status.SENT, recent.pk: Status.PENDING, abandoned.pk: Status.SENT}
    run = JobRun.objects.get()
    assert (run.job, run.status, run.summary) == ("deliver_pending_mail", "done", summary)


def test_a_failing_job_is_recorded_as_failed():
    def broken():
        raise RuntimeError("database unreachable")

    with pytest.raises(RuntimeError):
        run_job("deadline_reminders", broken)

    run = JobRun.objects.get()
    assert run.status == JobRun.Status.FAILED
    assert run.error == "RuntimeError: database unreachable"
    assert run.finished_at is not None


# --- Through a real action ---------------------------------------------------------------------


def test_a_submission_writes_its_confirmation_in_the_same_transaction(
    mail_server, django_capture_on_commit_callbacks
):
    from tests.candidates.dossier import complete_dossier

    mail_server("up")
    dossier = complete_dossier(
        ApplicationFactory(candidate=CandidateFactory(preferred_language="en"))
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=dossier, actor=dossier.candidate)

    message = OutboundMessage.objects.get(template=SUBMITTED)
    assert (message.to_email, message.status) == (dossier.candidate.email, Status.SENT)
    assert mail.outbox[0].subject.endswith(f"Your dossier {dossier.number} is submitted")


def test_job_runs_older_than_ninety_days_are_pruned():
    from tapif.core.jobs import job_runs_prune

    now = timezone.now()
    old = JobRun.objects.create(job="deadline_reminders", started_at=now - dt.timedelta(days=91))
    recent = JobRun.objects.create(job="deadline_reminders", started_at=now - dt.timedelta(days=89))

    assert job_runs_prune(now=now) == 1
    assert list(JobRun.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not JobRun.objects.filter(pk=old.pk).exists()


def test_runs_with_nothing_to_do_in_a_row_are_one_row():
    run_job("deliver_pending_mail", lambda: {"requeued": 0})
    run_job("deliver_pending_mail", lambda: {"requeued": 0})
    run_job("deliver_pending_mail", lambda: {"requeued": 2})
    run_job("deliver_pending_mail", lambda: {"requeued": 0})

    runs = list(JobRun.objects.order_by("started_at", "id").values_list("summary", "repeats"))
    assert runs == [({"requeued": 0}, 2), ({"requeued": 2}, 1), ({"requeued": 0}, 1)]


class CountingBackend(BaseEmailBackend):
    """The outside world: a mail server that counts the connections opened to it."""

    opened = 0
    sent: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection = None

    def open(self):
        if self.connection is None:
            type(self).opened += 1
            self.connection = object()
            return True
        return False

    def close(self):
        self.connection = None

    def send_messages(self, email_messages):
        created = self.open()
        type(self).sent.extend(email_messages)
        if created:
            self.close()
        return len(email_messages)


def test_messages_written_together_are_sent_by_one_task_over_one_connection(
    dossier, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.CountingBackend"}}
    CountingBackend.opened, CountingBackend.sent = 0, []
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
        outbox.dispatch_together(),
    ):
        messages = [write(dossier, dedup_key=f"batch:{n}") for n in range(5)]
    assert len(callbacks) == 1  # one dispatch for the whole batch
    assert CountingBackend.opened == 1
    assert len(CountingBackend.sent) == 5
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {Status.SENT}
    assert {m.pk for m in messages} == set(OutboundMessage.objects.values_list("pk", flat=True))
