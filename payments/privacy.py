"""What the payments app holds about a person, for their "My data" download, and what it
removes or forgets of a dossier erased by the retention policy (`tapif.core.privacy`)."""

from __future__ import annotations

from payments.choices import LineOutcome
from payments.models import BankLine, Payment
from tapif.core.privacy import (
    EraseMode,
    ExportSection,
    StoredFile,
    dossier_eraser_register,
    export_register,
)

SECTIONS = (
    ExportSection(
        Payment,
        rows=lambda user: Payment.objects.filter(application__candidate=user).order_by("pk"),
        exclude=("decided_by",),
    ),
    ExportSection(
        BankLine,
        rows=lambda user: BankLine.objects.filter(application__candidate=user).order_by("pk"),
        exclude=("fingerprint", "explanation", "assigned_by", "statement"),
    ),
)

EXCLUDED = {
    "payments.StatementImport": (
        "a bank statement imported by staff; its lines about the person are exported"
    ),
    "payments.ImportProfile": (
        "a bank file's column mapping saved by staff (who made it): nothing about a candidate"
    ),
}


def dossier_erase(*, application_id: int, mode: str) -> list[StoredFile]:
    """A draft's declared payments go (their receipts are the dossier's documents) and its bank
    lines are no longer assigned; an anonymised dossier's keep the amounts and dates, not who
    sent them or what they wrote."""
    if mode == EraseMode.DELETE:
        Payment.objects.filter(application_id=application_id).delete()
        BankLine.objects.filter(application_id=application_id).update(
            application=None, outcome=LineOutcome.UNMATCHED, matched_by=""
        )
    else:
        BankLine.objects.filter(application_id=application_id).update(
            sender_name="", sender_email="", message=""
        )
        Payment.objects.filter(application_id=application_id).update(
            sender_name="", memo="", rejection_note=""
        )
    return []


def register() -> None:
    export_register(*SECTIONS, excluded=EXCLUDED)
    dossier_eraser_register(dossier_erase)
