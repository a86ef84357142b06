"""Every change to a payment goes through these functions (the candidate's page, the admin and
the `import_etransfers` command call them).

Each dossier's fee status is recorded on the dossier (`candidates.services.
application_record_payment`) with a timeline entry, in the same transaction as the change.
Imports run one at a time per campaign (the campaign row is locked) and each bank line is stored
once (unique fingerprint); a dossier gets at most one payment that counts (partial unique
constraint), so two imports at once, or an import beside a declaration, never count a payment
twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from candidates import services as dossier_services
from candidates.choices import DocumentKind, DossierEventKind
from candidates.models import Application
from payments import matching
from payments.choices import LIVE_PAYMENT_STATUSES, LineOutcome, PaymentStatus, RejectionReason
from payments.models import BankLine, Payment, StatementImport
from payments.permissions import can_declare_payment, payment_open_to_declaration
from tapif.core.audit import audit_record
from tapif.core.exceptions import DomainError
from tapif.core.models import Campaign, User
from tapif.core.outbox import mail_user
from tapif.core.services import rejection_note_clean

# ---------------------------------------------------------------------------------------------
# Reading the dossier's fee
# ---------------------------------------------------------------------------------------------


def live_payment(application: Application, *, lock: bool = False) -> Payment | None:
    """The payment that counts for the dossier (declared, matched or verified), if any."""
    payments = Payment.objects.filter(
        application=application, duplicate=False, status__in=LIVE_PAYMENT_STATUSES
    )
    if lock:
        payments = payments.select_for_update(of=("self",))
    return payments.select_related("bank_line", "receipt").first()


def fee_status(application: Application) -> str:
    """The dossier's fee in one word: its live payment's status, else the last one's, else ''."""
    last = (
        Payment.objects.filter(application=application, duplicate=False)
        .order_by("-created_at", "-id")
        .values_list("status", flat=True)
    )
    live = last.filter(status__in=LIVE_PAYMENT_STATUSES).first()
    return live or last.first() or ""


def _record(
    application: Application, event: DossierEventKind, actor: User | None, note: str = ""
) -> None:
    dossier_services.application_record_payment(
        application=application,
        status=fee_status(application),
        event=event,
        actor=actor,
        note=note,
    )


# ---------------------------------------------------------------------------------------------
# A payment's status
# ---------------------------------------------------------------------------------------------

#: The moves a payment's status may make. A payment is created declared (by the candidate) or
#: matched (the bank reported it first, or again: a duplicate). The services add what the table
#: cannot say: a duplicate is never verified nor rejected, only refunded; a rejected payment is
#: refunded only if its money was received.
PAYMENT_TRANSITIONS: dict[str, set[str]] = {
    PaymentStatus.DECLARED: {PaymentStatus.MATCHED, PaymentStatus.REJECTED},
    PaymentStatus.MATCHED: {PaymentStatus.VERIFIED, PaymentStatus.REJECTED, PaymentStatus.REFUNDED},
    PaymentStatus.VERIFIED: set(),
    PaymentStatus.REJECTED: {PaymentStatus.REFUNDED},
    PaymentStatus.REFUNDED: set(),
}
#: What the dossier's timeline says of each move.
_PAYMENT_EVENTS = {
    PaymentStatus.MATCHED: DossierEventKind.PAYMENT_MATCHED,
    PaymentStatus.VERIFIED: DossierEventKind.PAYMENT_VERIFIED,
    PaymentStatus.REJECTED: DossierEventKind.PAYMENT_REJECTED,
    PaymentStatus.REFUNDED: DossierEventKind.PAYMENT_REFUNDED,
}


@transaction.atomic
def payment_transition(
    *, payment: Payment, to_status: str, actor: User | None, note: str = "", **changes
) -> Payment:
    """Move `payment` to `to_status` if the table allows it, writing `changes` to its other
    fields, and record the dossier's fee on its timeline (with `note` for the candidate).

    Locks the payment's row and reads its status there; raises DomainError for a move the table
    does not allow, writing nothing. Saves with `update_fields`. The callers check what the table
    cannot say, and write the audit row and the candidate's e-mail (sent after commit).
    """
    current = (
        Payment.objects.select_for_update().values_list("status", flat=True).get(pk=payment.pk)
    )
    if to_status not in PAYMENT_TRANSITIONS[current]:
        raise DomainError(
            _("A payment cannot go from “%(from)s” to “%(to)s”.")
            % {"from": PaymentStatus(current).label, "to": PaymentStatus(to_status).label},
            code="transition",
        )
    payment.status = to_status
    for name, value in changes.items():
        setattr(payment, name, value)
    payment.save(update_fields=["status", *changes, "updated_at"])
    _record(payment.application, _PAYMENT_EVENTS[to_status], actor, note=note)
    return payment


def _lock_application(application_id: int) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("campaign", "candidate")
        .get(pk=application_id)
    )


def _mail_candidate(payment: Payment, template: str, **context) -> None:
    application = payment.application
    candidate = application.candidate
    mail_user(
        user=candidate,
        template_prefix=f"payments/email/{template}",
        context={
            "application": application,
            "campaign": application.campaign,
            "payment": payment,
            **context,
        },
    )


# ---------------------------------------------------------------------------------------------
# The candidate declares
# ---------------------------------------------------------------------------------------------

#: What a declaration writes on a payment (the candidate may correct it while it is declared).
DECLARED_FIELDS = (
    "receipt",
    "amount",
    "currency",
    "sent_on",
    "sender_name",
    "reference_number",
    "memo",
    "declared_at",
)


@transaction.atomic
def payment_declare(
    *,
    application: Application,
    actor: User,
    amount: Decimal,
    sent_on: dt.date,
    sender_name: str,
    reference_number: str,
    memo: str,
    receipt: UploadedFile | None,
) -> Payment:
    """Record the e-Transfer the candidate sent, with its receipt (a private document).

    A first declaration creates the payment; while it waits for the bank (`declared`) the
    candidate may correct it. A payment the bank reported before the candidate declared it gets
    the candidate's details and receipt. An unmatched bank line bearing the declared reference
    number is matched at once. Raises DomainError with the message for the form.
    """
    application = _lock_application(application.pk)
    allowed, reason = can_declare_payment(application)
    if not allowed:
        raise DomainError(reason, code="not_allowed")
    payment = live_payment(application, lock=True)
    if not payment_open_to_declaration(payment):
        raise DomainError(
            _("Your payment has already been received: there is nothing more to declare."),
            code="received",
        )
    if receipt is None and (payment is None or payment.receipt_id is None):
        raise DomainError(_("Upload the receipt of your e-Transfer."), code="receipt")
    first_declaration = payment is None or payment.declared_at is None
    created = payment is None
    if payment is None:
        payment = Payment(application=application, status=PaymentStatus.DECLARED)
    if receipt is not None:
        payment.receipt = dossier_services.document_upload(
            application=application,
            kind=DocumentKind.FEE_RECEIPT,
            upload=receipt,
            actor=actor,
            allow_after_submission=True,
        )
    payment.amount = amount
    payment.currency = application.campaign.fee_currency
    payment.sent_on = sent_on
    payment.sender_name = sender_name.strip()
    payment.reference_number = reference_number.strip()
    payment.memo = memo.strip()
    payment.declared_at = payment.declared_at or timezone.now()
    if created:
        payment.save()
    else:
        payment.save(update_fields=[*DECLARED_FIELDS, "updated_at"])
    audit_record(
        actor=actor,
        action="payment.declare" if first_declaration else "payment.correct",
        target=payment,
        data={"reference": payment.reference_number, "amount": str(payment.amount)},
    )
    if first_declaration:
        _record(application, DossierEventKind.PAYMENT_DECLARED, actor)
    if payment.status == PaymentStatus.DECLARED and payment.bank_line_id is None:
        _claim_waiting_line(payment)
    return payment


def _claim_waiting_line(payment: Payment) -> None:
    """Match an unmatched bank line that carries the reference number just declared."""
    campaign = payment.application.campaign
    reference = matching.normalise_reference(payment.reference_number)
    if not reference:
        return
    waiting = BankLine.objects.select_for_update().filter(
        campaign=campaign, outcome=LineOutcome.UNMATCHED
    )
    line = next(
        (row for row in waiting if matching.normalise_reference(row.reference_number) == reference),
        None,
    )
    if line is None:
        return
    application = payment.application
    facts = _facts(application.number, application.candidate.email, payment)
    result = matching.judge_line(
        _statement_line(line),
        facts,
        matching.MatchedBy.REFERENCE,
        fee=campaign.fee_amount,
        currency=campaign.fee_currency,
    )
    _settle_line(line, result, application, actor=None)


# ---------------------------------------------------------------------------------------------
# Bank statement import
# ---------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did (or, dry run, would do), line by line and in counts."""

    file_name: str
    dry_run: bool
    lines_read: int
    already_imported: int
    results: list[matching.MatchResult] = field(default_factory=list)
    statement: StatementImport | None = None

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(result.outcome.value for result in self.results)
        return {outcome.value: found.get(outcome.value, 0) for outcome in LineOutcome}


def campaign_dossier_facts(campaign: Campaign) -> dict[str, matching.DossierFacts]:
    """Every dossier of the campaign as the matcher reads it, by candidate number."""
    live = {
        payment.application_id: payment
        for payment in Payment.objects.filter(
            application__campaign=campaign, duplicate=False, status__in=LIVE_PAYMENT_STATUSES
        )
    }
    facts = {}
    rows = Application.objects.filter(campaign=campaign).values_list(
        "pk", "number", "candidate__email"
    )
    for pk, number, email in rows:
        facts[number] = _facts(number, email, live.get(pk))
    return facts


def _facts(number: str, email: str, payment: Payment | None) -> matching.DossierFacts:
    """A dossier is paid once its live payment is matched or verified, not merely declared."""
    return matching.DossierFacts(
        number=number,
        candidate_email=email,
        declared_reference=payment.reference_number if payment and payment.declared_at else None,
        already_paid=payment is not None and payment.status != PaymentStatus.DECLARED,
    )


def statement_import(
    *, campaign: Campaign, text: str, file_name: str, actor: User | None, dry_run: bool = False
) -> ImportReport:
    """Read a bank export and match its new lines to the campaign's dossiers.

    Raises `matching.StatementError` (with the line number) when the file cannot be read: then
    nothing is imported. Lines already imported (same fingerprint) are counted and skipped, so
    importing a file twice changes nothing. A dry run reports the same outcomes, writing nothing.
    """
    lines = matching.parse_statement(text)
    if dry_run:
        return _plan(campaign, lines, file_name, dry_run=True)
    with transaction.atomic():
        # One import at a time per campaign: the second waits, then finds the lines imported.
        Campaign.objects.select_for_update(no_key=True).get(pk=campaign.pk)
        report = _plan(campaign, lines, file_name, dry_run=False)
        report.statement = _store(campaign, report, text, actor)
        audit_record(
            actor=actor,
            action="payments.import",
            target=report.statement,
            data={"counts": report.counts, "already_imported": report.already_imported},
        )
    return report


def _plan(
    campaign: Campaign, lines: list[matching.StatementLine], file_name: str, *, dry_run: bool
) -> ImportReport:
    known = set(
        BankLine.objects.filter(fingerprint__in=[line.fingerprint for line in lines]).values_list(
            "fingerprint", flat=True
        )
    )
    new_lines = []
    for line in lines:
        if line.fingerprint not in known:
            known.add(line.fingerprint)  # the same transfer twice in one file counts once
            new_lines.append(line)
    results = matching.match_statement(
        new_lines,
        campaign_dossier_facts(campaign),
        fee=campaign.fee_amount,
        currency=campaign.fee_currency,
        prefix=campaign.code,
    )
    return ImportReport(
        file_name=file_name,
        dry_run=dry_run,
        lines_read=len(lines),
        already_imported=len(lines) - len(new_lines),
        results=results,
    )


def _store(
    campaign: Campaign, report: ImportReport, text: str, actor: User | None
) -> StatementImport:
    statement = StatementImport.objects.create(
        campaign=campaign,
        file_name=report.file_name[:255],
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        imported_by=actor if actor is not None and actor.pk else None,
        lines_read=report.lines_read,
        already_imported=report.already_imported,
    )
    applications = dict(Application.objects.filter(campaign=campaign).values_list("number", "pk"))
    kept = []
    for result in report.results:
        try:
            with transaction.atomic():
                line = BankLine.objects.create(
                    statement=statement,
                    campaign=campaign,
                    fingerprint=result.line.fingerprint,
                    line_number=result.line.line_number,
                    received_on=result.line.date,
                    amount=result.line.amount,
                    currency=result.line.currency,
                    sender_name=result.line.sender_name[:200],
                    sender_email=result.line.sender_email[:254],
                    reference_number=result.line.reference_number[:64],
                    message=result.line.message,
                    outcome=LineOutcome.UNMATCHED,
                )
        except IntegrityError:  # imported meanwhile under another campaign
            report.already_imported += 1
            continue
        application_id = applications.get(result.dossier_number or "")
        application = _lock_application(application_id) if application_id else None
        _settle_line(line, result, application, actor=actor)
        kept.append(result)
    report.results = kept
    for outcome, count in report.counts.items():
        setattr(statement, outcome, count)
    statement.already_imported = report.already_imported
    statement.save(update_fields=[*report.counts, "already_imported"])
    return statement


def _statement_line(line: BankLine) -> matching.StatementLine:
    return matching.StatementLine(
        line_number=line.line_number,
        date=line.received_on,
        amount=line.amount,
        currency=line.currency,
        sender_name=line.sender_name,
        sender_email=line.sender_email,
        reference_number=line.reference_number,
        message=line.message,
    )


#: What settling a bank line writes on it (staff who assign it by hand set the last two).
SETTLED_LINE_FIELDS = (
    "outcome",
    "matched_by",
    "explanation",
    "application",
    "assigned_by",
    "assigned_at",
)


def _settle_line(
    line: BankLine,
    result: matching.MatchResult,
    application: Application | None,
    *,
    actor: User | None,
) -> None:
    """Write a line's outcome and what follows for its dossier's payments."""
    line.outcome = LineOutcome(result.outcome.value)
    line.matched_by = result.how.value if result.how else ""
    line.explanation = result.explanation
    line.application = application
    line.save(update_fields=[*SETTLED_LINE_FIELDS])
    if application is None or result.outcome is matching.Outcome.AMOUNT_MISMATCH:
        return
    payment = live_payment(application, lock=True)
    if result.outcome is matching.Outcome.MATCHED and (
        payment is None or (payment.status == PaymentStatus.DECLARED and not payment.bank_line_id)
    ):
        if payment is not None:
            payment_transition(
                payment=payment, to_status=PaymentStatus.MATCHED, actor=actor, bank_line=line
            )
            return
        payment = _payment_from_line(line, application)
        payment.bank_line = line
        payment.status = PaymentStatus.MATCHED
        payment.save()
        _record(application, DossierEventKind.PAYMENT_MATCHED, actor)
        return
    # Already paid (by this import, an earlier one or a verified payment): a refund to make.
    duplicate = _payment_from_line(line, application)
    duplicate.bank_line = line
    duplicate.status = PaymentStatus.MATCHED
    duplicate.duplicate = True
    duplicate.save()
    if line.outcome != LineOutcome.DUPLICATE:
        line.outcome = LineOutcome.DUPLICATE
        line.save(update_fields=["outcome"])


def _payment_from_line(line: BankLine, application: Application) -> Payment:
    """A payment the bank reported before (or without) the candidate's declaration."""
    return Payment(
        application=application,
        amount=line.amount,
        currency=line.currency,
        sent_on=line.received_on,
        sender_name=line.sender_name,
        reference_number=line.reference_number,
        memo=line.message[:400],
    )


@transaction.atomic
def bank_line_assign(*, line: BankLine, application: Application, actor: User) -> BankLine:
    """Staff give an unmatched line its dossier; the same amount and duplicate checks apply."""
    line = BankLine.objects.select_for_update().select_related("campaign").get(pk=line.pk)
    if line.outcome != LineOutcome.UNMATCHED:
        raise DomainError(_("Only an unmatched line can be assigned."), code="assigned")
    if application.campaign_id != line.campaign_id:
        raise DomainError(
            _("Dossier %(number)s belongs to another campaign.") % {"number": application.number},
            code="campaign",
        )
    application = _lock_application(application.pk)
    facts = _facts(application.number, application.candidate.email, live_payment(application))
    result = matching.judge_line(
        _statement_line(line),
        facts,
        matching.MatchedBy.MANUAL,
        fee=line.campaign.fee_amount,
        currency=line.campaign.fee_currency,
    )
    line.assigned_by = actor
    line.assigned_at = timezone.now()
    _settle_line(line, result, application, actor=actor)
    audit_record(
        actor=actor,
        action="payments.assign_line",
        target=line,
        data={"dossier": application.number, "outcome": line.outcome},
    )
    return line


# ---------------------------------------------------------------------------------------------
# Staff decide
# ---------------------------------------------------------------------------------------------


def _lock_payment(payment: Payment) -> Payment:
    locked = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("application__campaign", "application__candidate")
        .get(pk=payment.pk)
    )
    _lock_application(locked.application_id)
    return locked


def payment_verifiable(payment: Payment) -> bool:
    """Only a payment matched to a bank line, and not a duplicate, can be verified."""
    return PaymentStatus.VERIFIED in PAYMENT_TRANSITIONS[payment.status] and not payment.duplicate


@transaction.atomic
def payment_verify(*, payment: Payment, actor: User) -> Payment:
    """Staff confirm a matched payment: the dossier's fee is paid (the candidate is told)."""
    payment = _lock_payment(payment)
    if payment.status == PaymentStatus.VERIFIED:
        return payment
    if not payment_verifiable(payment):
        raise DomainError(
            _("Only a payment matched to a bank line, and not a duplicate, can be verified."),
            code="status",
        )
    payment_transition(
        payment=payment,
        to_status=PaymentStatus.VERIFIED,
        actor=actor,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    audit_record(actor=actor, action="payment.verify", target=payment)
    _mail_candidate(payment, "verified")
    return payment


def payments_verify_matched(*, payments, actor: User) -> tuple[int, int]:
    """Verify every matched payment among `payments`; (verified, skipped). Each is atomic."""
    verified = skipped = 0
    for payment in payments:
        if not payment_verifiable(payment):
            skipped += 1
            continue
        try:
            payment_verify(payment=payment, actor=actor)
        except DomainError:  # changed by someone else since the list was read
            skipped += 1
        else:
            verified += 1
    return verified, skipped


@transaction.atomic
def payment_reject(*, payment: Payment, actor: User, reason: str, note: str = "") -> Payment:
    """Staff refuse a declared or matched payment; the candidate reads why and declares again."""
    payment = _lock_payment(payment)
    note = rejection_note_clean(reasons=RejectionReason, reason=reason, note=note)
    if PaymentStatus.REJECTED not in PAYMENT_TRANSITIONS[payment.status] or payment.duplicate:
        raise DomainError(
            _("Only a declared or matched payment can be rejected (a duplicate is refunded)."),
            code="status",
        )
    # The timeline keeps the reason in the candidate's language, not the staff member's.
    with translation.override(payment.application.candidate.preferred_language):
        label = str(RejectionReason(reason).label)
    payment_transition(
        payment=payment,
        to_status=PaymentStatus.REJECTED,
        actor=actor,
        note=f"{label}. {note}" if note else label,
        rejection_reason=reason,
        rejection_note=note,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    audit_record(
        actor=actor, action="payment.reject", target=payment, data={"reason": reason, "note": note}
    )
    _mail_candidate(payment, "rejected", reason=RejectionReason(reason).label, note=note)
    return payment


@transaction.atomic
def payment_refund(*, payment: Payment, actor: User, note: str = "") -> Payment:
    """Staff record that they sent the money back: a duplicate, or a rejected payment received."""
    note = note.strip()
    payment = _lock_payment(payment)
    # The money was received and does not count: a duplicate, or a rejected payment.
    refundable = (
        PaymentStatus.REFUNDED in PAYMENT_TRANSITIONS[payment.status]
        and payment.bank_line_id is not None
        and (payment.duplicate or payment.status not in LIVE_PAYMENT_STATUSES)
    )
    if not refundable:
        raise DomainError(
            _("Only a duplicate, or a rejected payment that was received, can be refunded."),
            code="status",
        )
    payment_transition(
        payment=payment,
        to_status=PaymentStatus.REFUNDED,
        actor=actor,
        note=note,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    audit_record(actor=actor, action="payment.refund", target=payment, data={"note": note})
    _mail_candidate(payment, "refunded", note=note)
    return payment
