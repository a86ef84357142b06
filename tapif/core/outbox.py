"""The e-mail outbox: every message is a row first, then a Celery task delivers it.

`mail_user` and `mail_address` write the row inside the caller's transaction (the message
exists exactly when the change causing it does) and dispatch delivery once it commits. A
broker that is down only delays the message: `messages_requeue_pending`, run by beat, sends
again whatever stays pending. A `dedup_key` makes a message unique, so a job run twice, a
retried task or a double click never writes it twice.

Delivery claims the row (one worker at a time), renders it in the recipient's language, sends
it, and records the outcome: sent; back to pending with a growing delay after a transient
error (the mail server is down); failed for good after a permanent one or too many attempts.
A worker killed between sending and recording may send a message once more after its claim
expires: delivery is at least once, never lost.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.utils import timezone, translation
from django.utils.functional import Promise

from tapif.core.audit import audit_record
from tapif.core.exceptions import DomainError
from tapif.core.mail import render_mail
from tapif.core.models import Campaign, OutboundMessage, User

logger = logging.getLogger(__name__)

Status = OutboundMessage.Status

#: Attempts before a message that keeps meeting transient errors is given up.
MAX_ATTEMPTS = 8
#: How long a worker owns a message it is sending; after that another may take it over.
CLAIM_SECONDS = 300
#: A pending message this late was lost on the way to the broker: the beat job sends it again.
REQUEUE_AFTER = dt.timedelta(minutes=5)
REQUEUE_BATCH = 500

#: Sent after a message is delivered, or given up (`message` is the OutboundMessage).
message_sent = Signal()
message_failed = Signal()

#: Templates whose context was rendered before writing (allauth's account e-mails).
PRERENDERED = "prerendered"


class ContextGone(Exception):
    """A record the message refers to no longer exists."""


# --- The context: values and references to records, as JSON ------------------------------------


def encode_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """JSON for the row: records become references, dates and amounts keep their type.

    Lazy translations are resolved now, in the active language (the caller's recipient's).
    """
    return {str(key): _encode(value) for key, value in context.items()}


def decode_context(data: Mapping[str, Any]) -> dict[str, Any]:
    """The context back, records re-read from the database (ContextGone if one was deleted)."""
    return {key: _decode(value) for key, value in data.items()}


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, models.Model):
        if value.pk is None:
            raise TypeError(f"An unsaved {type(value).__name__} cannot go in an e-mail's context")
        return {"$model": value._meta.label_lower, "pk": value.pk}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, Mapping):
        return {"$dict": {str(key): _encode(item) for key, item in value.items()}}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    raise TypeError(f"{type(value).__name__} cannot go in an e-mail's context")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "$model" in value:
        model = apps.get_model(value["$model"])
        try:
            return model._default_manager.get(pk=value["pk"])
        except model.DoesNotExist:
            raise ContextGone(f"{value['$model']} #{value['pk']} no longer exists") from None
    if "$datetime" in value:
        return dt.datetime.fromisoformat(value["$datetime"])
    if "$date" in value:
        return dt.date.fromisoformat(value["$date"])
    if "$decimal" in value:
        return Decimal(value["$decimal"])
    return {key: _decode(item) for key, item in value["$dict"].items()}


# --- Writing messages --------------------------------------------------------------------------


def mail_user(
    *,
    user: User,
    template_prefix: str,
    context: Mapping[str, Any],
    dedup_key: str | None = None,
    campaign: Campaign | None = None,
    dossier: str = "",
    secret_keys: Iterable[str] = (),
) -> OutboundMessage | None:
    """Write an e-mail to an account, in its preferred language (`user` joins the context).

    Call it inside the transaction making the change. Returns None when a message with this
    `dedup_key` exists already (nothing is written or sent twice).
    """
    return mail_address(
        email=user.email,
        language=user.preferred_language,
        template_prefix=template_prefix,
        context={"user": user, **context},
        recipient=user,
        dedup_key=dedup_key,
        campaign=campaign,
        dossier=dossier,
        secret_keys=secret_keys,
    )


def mail_address(
    *,
    email: str,
    language: str,
    template_prefix: str,
    context: Mapping[str, Any],
    recipient: User | None = None,
    reply_to: str = "",
    dedup_key: str | None = None,
    campaign: Campaign | None = None,
    dossier: str = "",
    secret_keys: Iterable[str] = (),
) -> OutboundMessage | None:
    """Write an e-mail to an address (an evaluator without an account, say); see mail_user."""
    with translation.override(language):
        encoded = encode_context(context)
    campaign, dossier = _campaign_and_dossier(context, campaign, dossier)
    try:
        with transaction.atomic():
            message = OutboundMessage.objects.create(
                recipient=recipient,
                to_email=email,
                reply_to=reply_to,
                language=language,
                template=template_prefix,
                context=encoded,
                secret_keys=sorted(set(secret_keys)),
                dedup_key=dedup_key,
                campaign=campaign,
                dossier=dossier,
            )
    except IntegrityError:
        if dedup_key and OutboundMessage.objects.filter(dedup_key=dedup_key).exists():
            return None
        raise
    _dispatch_on_commit(message.pk)
    return message


def mail_prerendered(
    *, email: str, language: str, kind: str, subject: str, text: str, html: str | None
) -> OutboundMessage:
    """An e-mail already rendered by a library (allauth's codes and links): its content is
    secret, erased once sent. `kind` names it in the outbox (the library's template)."""
    message = OutboundMessage.objects.create(
        to_email=email,
        language=language,
        template=f"{PRERENDERED}:{kind}"[:120],
        context={"subject": subject, "text": text, "html": html or ""},
        secret_keys=["subject", "text", "html"],
    )
    transaction.on_commit(lambda: dispatch(message.pk), robust=True)
    return message


def _campaign_and_dossier(
    context: Mapping[str, Any], campaign: Campaign | None, dossier: str
) -> tuple[Campaign | None, str]:
    """Filled from the context's dossier ("application") when the caller did not say."""
    application = context.get("application")
    if application is not None:
        campaign = campaign or getattr(application, "campaign", None)
        dossier = dossier or getattr(application, "number", "") or ""
    return campaign or context.get("campaign"), dossier


# Messages written inside `dispatch_together()`: delivered by one task, over one connection.
_together: ContextVar[list[int] | None] = ContextVar("outbox_together", default=None)


def _dispatch_on_commit(message_id: int) -> None:
    gathered = _together.get()
    if gathered is not None:
        gathered.append(message_id)
    else:
        transaction.on_commit(lambda: dispatch(message_id), robust=True)


@contextmanager
def dispatch_together() -> Iterator[None]:
    """Deliver the messages written inside the block with one task, over one connection to the
    mail server, once the transaction commits (a batch of results: not one task and one SMTP
    session per e-mail)."""
    if _together.get() is not None:  # already gathering: the outer block dispatches
        yield
        return
    gathered: list[int] = []
    token = _together.set(gathered)
    try:
        yield
    finally:
        _together.reset(token)
    if gathered:
        transaction.on_commit(lambda: dispatch_many(gathered), robust=True)


def dispatch_many(message_ids: list[int]) -> None:
    """Hand a batch of messages to one Celery task; see `dispatch`."""
    from tapif.core.tasks import deliver_messages  # tasks import this module

    try:
        deliver_messages.delay(list(message_ids))
    except Exception:  # the broker is unreachable: the messages stay pending, nothing is lost
        logger.warning("%s e-mails left pending: the task queue is unreachable", len(message_ids))


def dispatch(message_id: int) -> None:
    """Hand the message to Celery; a broker that is down leaves it to the requeue job."""
    from tapif.core.tasks import deliver_message  # tasks import this module

    try:
        deliver_message.delay(message_id)
    except Exception:  # the broker is unreachable: the message stays pending, nothing is lost
        logger.warning("E-mail %s left pending: the task queue is unreachable", message_id)


# --- Delivering --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """What one delivery attempt did; `retry_in` (seconds) when it should be tried again."""

    status: str
    retry_in: int | None = None


def messages_deliver(message_ids: Iterable[int]) -> dict[int, Delivery]:
    """Send several messages over one connection to the mail server, each claimed and recorded
    as `message_deliver` does (a message that fails does not stop the others)."""
    mailer = mailers.default
    deliveries = {}
    try:
        mailer.open()
    except Exception:  # the server is down: each message records the error and its retry
        logger.warning("E-mail batch: the mail server could not be reached")
    try:
        for message_id in message_ids:
            deliveries[message_id] = message_deliver(message_id, mailer=mailer)
    finally:
        mailer.close()
    counts = Counter(delivery.status for delivery in deliveries.values())
    logger.info("E-mail batch of %s: %s", len(deliveries), dict(counts))
    return deliveries


def message_deliver(
    message_id: int, *, now: dt.datetime | None = None, mailer: Any = None
) -> Delivery:
    """Send one message if it is due and nobody else is sending it; record the outcome.
    `mailer`: an open mail connection to reuse (`messages_deliver`)."""
    now = now or timezone.now()
    if not _claim(message_id, now):
        status = OutboundMessage.objects.filter(pk=message_id).values_list("status", flat=True)
        return Delivery(status=status.first() or "missing")
    message = OutboundMessage.objects.select_related("recipient").get(pk=message_id)
    try:
        email = _build(message)
        if mailer is None:
            email.send()
        else:
            mailer.send_messages([email])
    except Exception as error:  # classified: a transient one is retried, the rest recorded
        return _record_failure(message, error, now=timezone.now())
    return _record_sent(message, subject=email.subject, now=timezone.now())


def _claim(message_id: int, now: dt.datetime) -> bool:
    """Atomically take a due message (or one whose sender's claim ran out)."""
    due = Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, claimed_until__lt=now
    )
    return bool(
        OutboundMessage.objects.filter(due, pk=message_id).update(
            status=Status.SENDING,
            claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS),
            attempts=F("attempts") + 1,
        )
    )


def _build(message: OutboundMessage) -> EmailMultiAlternatives:
    if message.template.startswith(f"{PRERENDERED}:"):
        subject, text, html = (message.context.get(key, "") for key in ("subject", "text", "html"))
    else:
        context = decode_context(message.context)
        subject, text, html = render_mail(
            message.template, language=message.language, context=context
        )
        subject = f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}"
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[message.to_email],
        reply_to=[message.reply_to] if message.reply_to else None,
        headers={"X-Tapif-Message": str(message.pk)},
    )
    if html:
        email.attach_alternative(html, "text/html")
    return email


def _record_sent(message: OutboundMessage, *, subject: str, now: dt.datetime) -> Delivery:
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=Status.SENT,
        sent_at=now,
        subject=subject[:255],
        error="",
        claimed_until=None,
        context=_without_secrets(message),
    )
    message.refresh_from_db()
    message_sent.send(sender=OutboundMessage, message=message)
    return Delivery(status=Status.SENT)


def _record_failure(message: OutboundMessage, error: Exception, *, now: dt.datetime) -> Delivery:
    described = f"{type(error).__name__}: {error}"[:2000]
    attempts = OutboundMessage.objects.get(pk=message.pk).attempts
    if is_transient(error) and attempts < MAX_ATTEMPTS:
        delay = retry_delay(attempts)
        logger.warning("E-mail %s: %s; next attempt in %ss", message.pk, described, delay)
        OutboundMessage.objects.filter(pk=message.pk).update(
            status=Status.PENDING,
            next_attempt_at=now + dt.timedelta(seconds=delay),
            claimed_until=None,
            error=described,
        )
        return Delivery(status=Status.PENDING, retry_in=delay)
    logger.error("E-mail %s given up: %s", message.pk, described)
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=Status.FAILED, claimed_until=None, error=described, context=_without_secrets(message)
    )
    message.refresh_from_db()
    message_failed.send(sender=OutboundMessage, message=message)
    return Delivery(status=Status.FAILED)


def _without_secrets(message: OutboundMessage) -> dict[str, Any]:
    return {key: value for key, value in message.context.items() if key not in message.secret_keys}


def is_transient(error: Exception) -> bool:
    """Worth trying again later: the server is unreachable or answered 4xx (try later)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, smtplib.SMTPServerDisconnected | ConnectionError | TimeoutError) or (
        isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)
    )


def retry_delay(attempts: int) -> int:
    """Seconds before the next attempt: 1, 2, 4… minutes, at most an hour."""
    return min(60 * 2 ** max(attempts - 1, 0), 3600)


# --- Staff and beat ----------------------------------------------------------------------------


def messages_requeue_pending(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Dispatch again the messages nobody delivered: pending past their time (the broker was
    down, or the task was lost) or held by a worker whose claim ran out. Run by beat."""
    now = now or timezone.now()
    stuck = OutboundMessage.objects.filter(
        Q(status=Status.PENDING, next_attempt_at__lte=now - REQUEUE_AFTER)
        | Q(status=Status.SENDING, claimed_until__lt=now)
    ).order_by("next_attempt_at", "pk")
    ids = list(stuck.values_list("pk", flat=True)[:REQUEUE_BATCH])
    for message_id in ids:
        dispatch(message_id)
    return {"requeued": len(ids)}


@transaction.atomic
def message_resend(*, message: OutboundMessage, actor: User) -> OutboundMessage:
    """Staff send a failed message again (once the cause is fixed: an address, the server)."""
    message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.status != Status.FAILED:
        raise DomainError(
            translation.gettext("Only a failed e-mail can be sent again."), code="not_failed"
        )
    if any(key not in message.context for key in message.secret_keys):
        raise DomainError(
            translation.gettext(
                "This e-mail held a personal link or code, erased when it failed: ask the "
                "person to request a new one."
            ),
            code="secret_erased",
        )
    message.status, message.attempts, message.next_attempt_at = Status.PENDING, 0, timezone.now()
    message.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_record(
        actor=actor,
        action="outbound_message.resend",
        target=message,
        data={"error": message.error},
        dossier=message.dossier,
    )
    transaction.on_commit(lambda: dispatch(message.pk), robust=True)
    return message


def message_bounced(*, message_id: int, status: str, diagnostic: str) -> OutboundMessage | None:
    """Record that a sent message came back refused for good (a 5.x.x delivery status
    notification read from the bounce mailbox: tapif.core.bounces).

    Locks the message; a message already failed, or unknown (pruned, another site's), changes
    nothing and returns None. Otherwise it becomes *Failed* with the server's words as its
    error, and `message_failed` is sent after commit, as for a refusal at sending time: an
    evaluator's invitation gets its `delivery_failed_at` (the candidate is told), and the staff
    alert counts it."""
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status == OutboundMessage.Status.FAILED:
            return None
        message.status = OutboundMessage.Status.FAILED
        message.error = f"Bounced ({status}): {diagnostic}"[:2000]
        message.context = _without_secrets(message)
        message.save(update_fields=["status", "error", "context"])
        transaction.on_commit(lambda: message_failed.send(sender=OutboundMessage, message=message))
    logger.warning("E-mail %s bounced: %s", message.pk, status)
    return message
