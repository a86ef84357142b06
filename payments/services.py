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
from payments import bankfile, matching
from payments.choices import (
    LIVE_PAYMENT_STATUSES,
    PAID_OUTCOMES,
    UNSETTLED_OUTCOMES,
    LineOutcome,
    PaymentStatus,
    RejectionReason,
)
from payments.models import BankLine, ImportProfile, Payment, StatementImport
from payments.permissions import can_declare_payment, payment_open_to_declaration
from tapif.core.audit import audit_record
from tapif.core.exceptions import DomainError
from tapif.core.messages import explain_all, message
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
        (
            row
            for row in waiting
            if matching.normalise_reference(row.reference_number) == reference
            or (len(reference) >= 6 and reference in matching.normalise_reference(row.message))
        ),
        None,
    )
    if line is None:
        return
    application = payment.application
    facts = _application_facts(application, payment)
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
    profile: ImportProfile | None = None
    reading: bankfile.Reading | None = None

    @property
    def counts(self) -> dict[str, int]:
        """The new lines by what the import found (staff settle them afterwards)."""
        found = Counter(result.outcome.value for result in self.results)
        return {outcome: found.get(outcome, 0) for outcome in IMPORT_OUTCOMES}

    @property
    def problems(self) -> list[matching.StatementError]:
        return self.reading.problems if self.reading else []

    @property
    def debits(self) -> int:
        return len(self.reading.debits) if self.reading else 0


#: What an import may find for a line (the counts an import keeps).
IMPORT_OUTCOMES = (
    LineOutcome.MATCHED,
    LineOutcome.SUGGESTED,
    LineOutcome.AMOUNT_MISMATCH,
    LineOutcome.DUPLICATE,
    LineOutcome.UNMATCHED,
)


class StatementProblems(matching.StatementError):
    """A file some of whose lines cannot be read: every problem is listed (`problems`), and
    staff may import the readable lines (`partial=True`)."""

    def __init__(self, reading: bankfile.Reading) -> None:
        self.reading = reading
        first = reading.problems[0]
        super().__init__(first.line_number, first.column, first.code, first.params)

    @property
    def problems(self) -> list[matching.StatementError]:
        return self.reading.problems


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
        "pk", "number", "candidate__email", "candidate__first_name", "candidate__last_name"
    )
    for pk, number, email, first_name, last_name in rows:
        facts[number] = _facts(number, email, live.get(pk), name=f"{first_name} {last_name}")
    return facts


def _facts(
    number: str, email: str, payment: Payment | None, *, name: str = ""
) -> matching.DossierFacts:
    """A dossier is paid once its live payment is matched or verified, not merely declared."""
    declared = payment is not None and payment.declared_at is not None
    return matching.DossierFacts(
        number=number,
        candidate_email=email,
        declared_reference=payment.reference_number if payment and declared else None,
        already_paid=payment is not None and payment.status != PaymentStatus.DECLARED,
        candidate_name=name.strip(),
        declared_sender=payment.sender_name if payment and declared else "",
        declared_amount=payment.amount if payment and declared else None,
        declared_on=payment.sent_on if payment and declared else None,
    )


def _application_facts(application: Application, payment: Payment | None):
    return _facts(
        application.number,
        application.candidate.email,
        payment,
        name=application.candidate.get_full_name(),
    )


def statement_read(
    *, data: bytes | str, profile: ImportProfile | None = None
) -> tuple[bankfile.Reading, ImportProfile | None]:
    """Read a bank export with `profile`, or the profile its header is recognised by.

    Raises `matching.StatementError` when the file cannot be read at all (`bankfile.
    UnknownLayout` when no profile fits its header). Writes nothing.
    """
    if profile is not None:
        return bankfile.read_statement(data, layout=profile.layout()), profile
    profiles = list(ImportProfile.objects.all())
    reading = bankfile.read_statement(data, [each.layout() for each in profiles])
    used = next((each for each in profiles if each.name == reading.layout.name), None)
    return reading, used


def statement_import(
    *,
    campaign: Campaign,
    file_name: str,
    actor: User | None,
    data: bytes | str | None = None,
    text: str | None = None,
    profile: ImportProfile | None = None,
    dry_run: bool = False,
    partial: bool = False,
) -> ImportReport:
    """Read a bank export (`data`, bytes as uploaded, or `text`) and match its new lines to
    the campaign's dossiers.

    Raises `matching.StatementError` when the file cannot be read, and `StatementProblems`
    (every problem listed) when some lines cannot be, unless `partial`: then the readable
    lines are imported and the others reported. Nothing is imported on a refusal. Lines
    already imported (same fingerprint) are counted and skipped, so importing a file twice
    changes nothing. A dry run reports the same outcomes, writing nothing.
    """
    content = data if data is not None else (text or "")
    reading, profile = statement_read(data=content, profile=profile)
    if reading.problems and not partial:
        raise StatementProblems(reading)
    if dry_run:
        return _plan(campaign, reading, profile, file_name, dry_run=True)
    with transaction.atomic():
        # One import at a time per campaign: the second waits, then finds the lines imported.
        Campaign.objects.select_for_update(no_key=True).get(pk=campaign.pk)
        report = _plan(campaign, reading, profile, file_name, dry_run=False)
        raw = content.encode() if isinstance(content, str) else content
        report.statement = _store(campaign, report, raw, actor)
        audit_record(
            actor=actor,
            action="payments.import",
            target=report.statement,
            data={
                "counts": report.counts,
                "already_imported": report.already_imported,
                "profile": profile.name if profile else reading.layout.name,
                "unreadable": reading.unreadable,
                "debits": len(reading.debits),
            },
        )
    return report


def _plan(
    campaign: Campaign,
    reading: bankfile.Reading,
    profile: ImportProfile | None,
    file_name: str,
    *,
    dry_run: bool,
) -> ImportReport:
    lines = reading.lines
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
        profile=profile,
        reading=reading,
    )


def _store(
    campaign: Campaign, report: ImportReport, raw: bytes, actor: User | None
) -> StatementImport:
    statement = StatementImport.objects.create(
        campaign=campaign,
        file_name=report.file_name[:255],
        sha256=hashlib.sha256(raw).hexdigest(),
        imported_by=actor if actor is not None and actor.pk else None,
        profile=report.profile,
        lines_read=report.lines_read,
        already_imported=report.already_imported,
        debits=report.debits,
        unreadable=len(report.reading.unreadable) if report.reading else 0,
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
    counts = {str(outcome): count for outcome, count in report.counts.items()}
    for outcome, count in counts.items():
        setattr(statement, outcome, count)
    statement.already_imported = report.already_imported
    statement.save(update_fields=[*counts, "already_imported"])
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


# ---------------------------------------------------------------------------------------------
# A bank line's outcome
# ---------------------------------------------------------------------------------------------

#: The moves a bank line's outcome may make. An import writes the first outcome (from
#: `unmatched`); staff settle the rest. A line whose money counts (matched, confirmed) is
#: refunded only through its payment, once the payment is rejected.
LINE_TRANSITIONS: dict[str, set[str]] = {
    LineOutcome.UNMATCHED: {
        LineOutcome.MATCHED,
        LineOutcome.SUGGESTED,
        LineOutcome.AMOUNT_MISMATCH,
        LineOutcome.DUPLICATE,
        LineOutcome.RETURNED,
        LineOutcome.NOT_FEE,
    },
    LineOutcome.SUGGESTED: {
        LineOutcome.CONFIRMED,
        LineOutcome.MATCHED,
        LineOutcome.AMOUNT_MISMATCH,
        LineOutcome.DUPLICATE,
        LineOutcome.UNMATCHED,
        LineOutcome.RETURNED,
        LineOutcome.NOT_FEE,
    },
    LineOutcome.AMOUNT_MISMATCH: {
        LineOutcome.MISMATCH_TOLD,
        LineOutcome.REFUNDED,
        LineOutcome.RETURNED,
    },
    LineOutcome.MISMATCH_TOLD: {LineOutcome.REFUNDED, LineOutcome.RETURNED},
    LineOutcome.DUPLICATE: {LineOutcome.REFUNDED},
    LineOutcome.MATCHED: {LineOutcome.REFUNDED},
    LineOutcome.CONFIRMED: {LineOutcome.REFUNDED},
    LineOutcome.REFUNDED: set(),
    LineOutcome.RETURNED: set(),
    LineOutcome.NOT_FEE: set(),
}


def bank_line_allows(line: BankLine, to_outcome: str) -> bool:
    """Whether the line may move to `to_outcome` now (the admin offers only these actions)."""
    if to_outcome not in LINE_TRANSITIONS[line.outcome]:
        return False
    if to_outcome == LineOutcome.REFUNDED and line.outcome in PAID_OUTCOMES:
        payment = Payment.objects.filter(bank_line=line).first()
        return payment is not None and payment.status == PaymentStatus.REJECTED
    return True


def _line_move(line: BankLine, to_outcome: str, *, actor: User | None, **changes) -> None:
    """Write the line's new outcome (and `changes`) if the table allows the move."""
    if to_outcome != line.outcome and to_outcome not in LINE_TRANSITIONS[line.outcome]:
        raise DomainError(
            _("A bank line cannot go from “%(from)s” to “%(to)s”.")
            % {"from": LineOutcome(line.outcome).label, "to": LineOutcome(to_outcome).label},
            code="transition",
        )
    line.outcome = to_outcome
    fields = ["outcome", *changes]
    for name, value in changes.items():
        setattr(line, name, value)
    if to_outcome not in UNSETTLED_OUTCOMES and actor is not None and actor.pk:
        line.settled_by = actor
        line.settled_at = timezone.now()
        fields += ["settled_by", "settled_at"]
    line.save(update_fields=fields)


@transaction.atomic
def bank_line_transition(
    *, line: BankLine, to_outcome: str, actor: User | None, note: str = "", **changes
) -> BankLine:
    """Move a bank line to `to_outcome` if the table allows it, with staff's `note`.

    Locks the line and reads its outcome there; raises DomainError for a move the table does
    not allow, writing nothing. Saves with `update_fields`, records who settled it and an
    audit row (from, to, note). The callers add what follows (payments, e-mails).
    """
    locked = BankLine.objects.select_for_update().get(pk=line.pk)
    line.outcome = locked.outcome
    before = locked.outcome
    if note:
        changes["note"] = note
    _line_move(line, to_outcome, actor=actor, **changes)
    audit_record(
        actor=actor,
        action="payments.settle_line",
        target=line,
        data={"from": before, "to": to_outcome, "note": note},
        dossier=line.application.number if line.application_id else "",
    )
    return line


#: What settling a bank line writes on it (staff who assign it by hand set the last two).
SETTLED_LINE_FIELDS = (
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
    confirmed: bool = False,
) -> None:
    """Write a line's outcome and what follows for its dossier's payments (a `confirmed`
    suggestion that matches becomes `confirmed`)."""
    outcome = LineOutcome(result.outcome.value)
    payment = None
    if application is not None and outcome in (LineOutcome.MATCHED, LineOutcome.DUPLICATE):
        payment = live_payment(application, lock=True)
        fresh = payment is None or (
            payment.status == PaymentStatus.DECLARED and not payment.bank_line_id
        )
        outcome = LineOutcome.MATCHED if outcome == LineOutcome.MATCHED and fresh else outcome
        if outcome == LineOutcome.MATCHED and not fresh:
            outcome = LineOutcome.DUPLICATE  # paid meanwhile (this import, or another)
        if outcome == LineOutcome.MATCHED and confirmed:
            outcome = LineOutcome.CONFIRMED
    changes = {
        "matched_by": result.how.value if result.how else "",
        "explanation": result.explanation,
        "application": application,
        "assigned_by": line.assigned_by,
        "assigned_at": line.assigned_at,
    }
    if confirmed or line.assigned_by_id:
        bank_line_transition(line=line, to_outcome=outcome, actor=actor, **changes)
    else:
        _line_move(line, outcome, actor=None, **changes)
    if application is None or outcome not in (
        LineOutcome.MATCHED,
        LineOutcome.CONFIRMED,
        LineOutcome.DUPLICATE,
    ):
        return
    if outcome != LineOutcome.DUPLICATE:
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


def _lock_line(line: BankLine) -> BankLine:
    return (
        BankLine.objects.select_for_update(of=("self",))
        .select_related("campaign", "application__candidate")
        .get(pk=line.pk)
    )


def _judge(line: BankLine, application: Application, how: matching.MatchedBy):
    facts = _application_facts(application, live_payment(application))
    return matching.judge_line(
        _statement_line(line),
        facts,
        how,
        fee=line.campaign.fee_amount,
        currency=line.campaign.fee_currency,
    )


@transaction.atomic
def bank_line_assign(*, line: BankLine, application: Application, actor: User) -> BankLine:
    """Staff give an unmatched line (or one whose suggestion is wrong) its dossier; the same
    amount and duplicate checks apply."""
    line = _lock_line(line)
    if not bank_line_allows(line, LineOutcome.MATCHED):
        raise DomainError(
            _("Only an unmatched line, or a suggestion, can be assigned."), code="assigned"
        )
    if application.campaign_id != line.campaign_id:
        raise DomainError(
            _("Dossier %(number)s belongs to another campaign.") % {"number": application.number},
            code="campaign",
        )
    application = _lock_application(application.pk)
    result = _judge(line, application, matching.MatchedBy.MANUAL)
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


def _suggested(line: BankLine) -> BankLine:
    line = _lock_line(line)
    if line.outcome != LineOutcome.SUGGESTED or line.application_id is None:
        raise DomainError(_("This line is not a suggestion."), code="status")
    return line


@transaction.atomic
def bank_line_confirm(*, line: BankLine, actor: User) -> BankLine:
    """Staff confirm the dossier the import suggested for a line: the amount and duplicate
    checks apply as for any match (a confirmed suggestion pays the dossier's fee)."""
    line = _suggested(line)
    application = _lock_application(line.application_id)
    result = _judge(line, application, matching.MatchedBy(line.matched_by or "manual"))
    _settle_line(line, result, application, actor=actor, confirmed=True)
    return line


@transaction.atomic
def bank_line_dismiss(*, line: BankLine, actor: User) -> BankLine:
    """Staff turn down a suggestion: the line is unmatched again, to assign or settle."""
    line = _suggested(line)
    return bank_line_transition(
        line=line,
        to_outcome=LineOutcome.UNMATCHED,
        actor=actor,
        application=None,
        matched_by="",
        explanation=message("payments.suggestion_dismissed"),
    )


@transaction.atomic
def bank_line_tell_mismatch(*, line: BankLine, actor: User) -> BankLine:
    """E-mail the candidate that the amount received is not the fee, and what to do: send the
    difference (if they sent less), or have this e-Transfer refunded and send the fee."""
    line = _lock_line(line)
    if line.outcome != LineOutcome.AMOUNT_MISMATCH or line.application_id is None:
        raise DomainError(
            _("Only a line with the wrong amount for a dossier can be told."), code="status"
        )
    bank_line_transition(line=line, to_outcome=LineOutcome.MISMATCH_TOLD, actor=actor)
    campaign = line.campaign
    short = campaign.fee_amount - line.amount if line.currency == campaign.fee_currency else None
    _mail_line(
        line,
        "amount_mismatch",
        fee=campaign.fee_amount,
        fee_currency=campaign.fee_currency,
        difference=short if short is not None and short > 0 else None,
        recipient=campaign.etransfer_recipient,
        memo=campaign.etransfer_memo_for(line.application.number),
    )
    return line


def bank_line_refundable(line: BankLine) -> bool:
    return bank_line_allows(line, LineOutcome.REFUNDED)


@transaction.atomic
def bank_line_refund(*, line: BankLine, actor: User, note: str = "") -> BankLine:
    """Staff record that a line's money was sent back: a duplicate (through its payment), a
    wrong amount, or a rejected payment's line. The candidate is told by e-mail."""
    line = _lock_line(line)
    if not bank_line_refundable(line):
        raise DomainError(
            _(
                "Only a duplicate, a wrong amount, or the line of a rejected payment can be "
                "refunded."
            ),
            code="status",
        )
    payment = Payment.objects.filter(bank_line=line).first()
    if payment is not None:
        payment_refund(payment=payment, actor=actor, note=note)
        line.refresh_from_db()
        return line
    bank_line_transition(line=line, to_outcome=LineOutcome.REFUNDED, actor=actor, note=note)
    if line.application_id is not None:
        _mail_line(line, "line_refunded", note=note.strip())
    return line


@transaction.atomic
def bank_line_return(*, line: BankLine, actor: User, note: str = "") -> BankLine:
    """Staff record that the e-Transfer was returned to its sender (declined, or sent back to
    someone who is not a candidate); no candidate is told."""
    line = _lock_line(line)
    if not bank_line_allows(line, LineOutcome.RETURNED):
        raise DomainError(
            _("Only a line that pays no fee can be returned to its sender."), code="status"
        )
    return bank_line_transition(
        line=line, to_outcome=LineOutcome.RETURNED, actor=actor, note=note.strip()
    )


@transaction.atomic
def bank_line_not_fee(*, line: BankLine, actor: User, note: str) -> BankLine:
    """Staff record that the line is no TAPIF fee (another payment to the account), with a note
    saying what it is."""
    note = note.strip()
    if not note:
        raise DomainError(_("Say in a note what this payment is."), code="note")
    line = _lock_line(line)
    if not bank_line_allows(line, LineOutcome.NOT_FEE):
        raise DomainError(
            _("Only an unmatched line, or a suggestion, can be marked as not a fee."),
            code="status",
        )
    return bank_line_transition(line=line, to_outcome=LineOutcome.NOT_FEE, actor=actor, note=note)


def _mail_line(line: BankLine, template: str, **context) -> None:
    application = line.application
    mail_user(
        user=application.candidate,
        template_prefix=f"payments/email/{template}",
        context={
            "application": application,
            "campaign": application.campaign,
            "line": line,
            **context,
        },
        campaign=application.campaign,
        dossier=application.number,
    )


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
    if payment.bank_line_id is not None:
        line = BankLine.objects.select_related("application").get(pk=payment.bank_line_id)
        if LineOutcome.REFUNDED in LINE_TRANSITIONS[line.outcome]:
            bank_line_transition(line=line, to_outcome=LineOutcome.REFUNDED, actor=actor, note=note)
    _mail_candidate(payment, "refunded", note=note)
    return payment


# ---------------------------------------------------------------------------------------------
# Import profiles
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def import_profile_save(
    *,
    actor: User,
    name: str,
    columns: dict[str, list[str]],
    profile: ImportProfile | None = None,
    header: list[str] | None = None,
    date_order: str = "",
    decimal_separator: str = "",
    thousands_separator: str = "",
    encoding: str = "",
    currency: str = "CAD",
) -> ImportProfile:
    """Save how a bank lays out its export (a new `profile`, from the mapping form of a first
    import, or one edited in the admin); a file with `header` is recognised by it next time.
    Raises DomainError if the mapping cannot read a line, or the name is taken."""
    name = name.strip()
    if not name:
        raise DomainError(_("Give the profile a name."), code="name")
    taken = ImportProfile.objects.filter(name__iexact=name)
    if profile is not None:
        taken = taken.exclude(pk=profile.pk)
    if taken.exists():
        raise DomainError(
            _("A profile is already called “%(name)s”.") % {"name": name}, code="name"
        )
    created = profile is None
    profile = profile or ImportProfile(created_by=actor)
    before = {} if created else {"columns": profile.columns, "date_order": profile.date_order}
    profile.name = name
    profile.columns = {fact: list(names) for fact, names in columns.items() if names}
    profile.date_order = date_order
    profile.decimal_separator = decimal_separator
    profile.thousands_separator = thousands_separator
    profile.encoding = encoding
    profile.currency = currency.strip().upper() or "CAD"
    if header:
        profile.header_signature = ImportProfile.signature_of(header)
    problems = profile.layout().problems()
    if header and profile.layout().missing(header):
        problems.append("layout.missing")
    if problems:
        raise DomainError(explain_all(message(code) for code in problems), code="layout")
    profile.save()
    audit_record(
        actor=actor,
        action="payments.profile_create" if created else "payments.profile_change",
        target=profile,
        data={
            "before": before,
            "after": {"columns": profile.columns, "date_order": profile.date_order},
        },
    )
    return profile
