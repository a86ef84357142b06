"""Messages to a filtered set of candidates: who receives one, what they read, sending it.

A programme manager picks the dossiers of a campaign by filters (`RecipientFilter`: statuses,
the fee's status, the French level, an académie among the preferences, a document missing),
writes the message in French and in English (`GroupMessage`), reads it as two recipients of
each language would (`group_message_preview`), and sends it (`group_message_send`): one outbox
row per recipient, in their language, with a dedup key per message and dossier so nobody
receives the same message twice, and one timeline entry per dossier. Writing 5,000 rows takes
a handful of queries (bulk inserts), never one per recipient.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.choices import DossierEventKind
from candidates.models import Application, Document, DossierEvent, GroupMessage
from tapif.core.audit import audit_record
from tapif.core.choices import Language
from tapif.core.exceptions import DomainError
from tapif.core.mail import render_mail
from tapif.core.models import OutboundMessage, User
from tapif.core.outbox import dispatch, encode_context

TEMPLATE = "candidates/email/group_message"
BATCH = 1000


@dataclass(frozen=True)
class RecipientFilter:
    """Which dossiers of the campaign receive the message (empty: no condition)."""

    statuses: list[str] = field(default_factory=list)
    payment_status: str = ""  # "none": no fee declared yet
    french_level: str = ""
    academie_id: int | None = None
    missing_document: str = ""  # a DocumentKind with no current version on the dossier

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecipientFilter:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def dedup_key(message_id: int, application_id: int) -> str:
    return f"group-message:{message_id}:{application_id}"


def group_message_recipients(
    *, campaign_id: int, recipient_filter: RecipientFilter
) -> QuerySet[Application]:
    """The campaign's dossiers the filter picks, whose candidate can still be written to
    (anonymised and withdrawn-by-deletion dossiers have no address left)."""
    dossiers = Application.objects.filter(
        campaign_id=campaign_id, anonymised_at__isnull=True, candidate__is_active=True
    )
    if recipient_filter.statuses:
        dossiers = dossiers.filter(status__in=recipient_filter.statuses)
    if recipient_filter.payment_status == "none":
        dossiers = dossiers.filter(payment_status="")
    elif recipient_filter.payment_status:
        dossiers = dossiers.filter(payment_status=recipient_filter.payment_status)
    if recipient_filter.french_level:
        dossiers = dossiers.filter(french_level=recipient_filter.french_level)
    if recipient_filter.academie_id:
        academie = recipient_filter.academie_id
        dossiers = dossiers.filter(
            Q(assets__academie_1_id=academie)
            | Q(assets__academie_2_id=academie)
            | Q(assets__academie_3_id=academie)
        )
    if recipient_filter.missing_document:
        present = Document.objects.filter(
            application=OuterRef("pk"),
            kind=recipient_filter.missing_document,
            is_current=True,
        )
        dossiers = dossiers.exclude(Exists(present))
    return dossiers.order_by("number")


def _recipients_of(message: GroupMessage) -> QuerySet[Application]:
    return group_message_recipients(
        campaign_id=message.campaign_id,
        recipient_filter=RecipientFilter.from_dict(message.filters or {}),
    )


@dataclass(frozen=True)
class Preview:
    number: str
    email: str
    language: str
    subject: str
    text: str


def group_message_preview(*, message: GroupMessage, per_language: int = 2) -> list[Preview]:
    """The message as the first `per_language` recipients of each language will read it."""
    previews = []
    for language in Language.values:
        dossiers = (
            _recipients_of(message)
            .filter(candidate__preferred_language=language)
            .select_related("candidate")[:per_language]
        )
        for dossier in dossiers:
            context = {"group_message": message, "application": dossier, "user": dossier.candidate}
            subject, text, _html = render_mail(TEMPLATE, language=language, context=context)
            previews.append(
                Preview(
                    number=dossier.number,
                    email=dossier.candidate.email,
                    language=language,
                    subject=subject,
                    text=text,
                )
            )
    return previews


@transaction.atomic
def group_message_send(*, message: GroupMessage, actor: User) -> int:
    """Send the message to every dossier its filters pick now; returns how many received it.

    Locks the message and refuses one already sent; writes the outbox rows and the timeline
    entries in bulk (a dossier that already has this message is skipped by its dedup key),
    marks the message sent, audits it (`group_message.send`), and hands the new rows to the
    outbox's delivery once the transaction commits.
    """
    message = GroupMessage.objects.select_for_update().get(pk=message.pk)
    if message.sent_at is not None:
        raise DomainError(_("This message was sent already."), code="sent")
    recipients = list(
        _recipients_of(message).values_list(
            "pk", "number", "candidate_id", "candidate__email", "candidate__preferred_language"
        )
    )
    if not recipients:
        raise DomainError(_("No candidate matches these filters."), code="empty")
    already = set(
        OutboundMessage.objects.filter(
            dedup_key__startswith=f"group-message:{message.pk}:"
        ).values_list("dedup_key", flat=True)
    )
    fresh = [row for row in recipients if dedup_key(message.pk, row[0]) not in already]
    reference = encode_context({"group_message": message})
    OutboundMessage.objects.bulk_create(
        (
            OutboundMessage(
                recipient_id=candidate_id,
                to_email=email,
                language=language or Language.ENGLISH,
                template=TEMPLATE,
                context={
                    **reference,
                    "application": {"$model": "candidates.application", "pk": pk},
                },
                dedup_key=dedup_key(message.pk, pk),
                campaign_id=message.campaign_id,
                dossier=number,
            )
            for pk, number, candidate_id, email, language in fresh
        ),
        batch_size=BATCH,
    )
    subjects = {Language.FRENCH: message.subject_fr, Language.ENGLISH: message.subject_en}
    now = timezone.now()
    DossierEvent.objects.bulk_create(
        (
            DossierEvent(
                application_id=pk,
                kind=DossierEventKind.PROGRAMME_MESSAGE,
                actor=actor,
                note=subjects.get(language, message.subject_en),
                created_at=now,
            )
            for pk, _number, _candidate, _email, language in fresh
        ),
        batch_size=BATCH,
    )
    message.sent_at = now
    message.sent_by = actor
    message.recipients_count = len(fresh)
    message.save(update_fields=["sent_at", "sent_by", "recipients_count"])
    audit_record(
        actor=actor,
        action="group_message.send",
        target=message,
        data={"recipients": len(fresh), "filters": message.filters},
    )
    message_id = message.pk
    transaction.on_commit(lambda: _dispatch_all(message_id), robust=True)
    return len(fresh)


def _dispatch_all(message_id: int) -> None:
    pending = OutboundMessage.objects.filter(
        dedup_key__startswith=f"group-message:{message_id}:",
        status=OutboundMessage.Status.PENDING,
    ).values_list("pk", flat=True)
    for pk in pending.iterator():
        dispatch(pk)
