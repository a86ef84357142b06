"""Payments built through the services, as a candidate, the bank import and staff make them.

- `numbered_dossier("CA27-00042", email=…)`: a draft dossier (ApplicationFactory) given one of
  the candidate numbers the sample bank exports name; needs an open campaign (`campaign_open`).
- `declared_payment(application, **overrides)`: `services.payment_declare` with a real tiny PDF
  receipt (needs `private_storage`); overrides replace any keyword argument.
- `bank_row(**values)` and `statement_csv(*rows)`: a bank export as text; a row is a dict of
  column values (missing ones from `bank_row`) or a raw CSV line.
- `import_statement(text, …)`: `services.statement_import` on the current campaign.
- `matched_payment`, `verified_payment`: a dossier's payment one or two steps further.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from candidates.models import Application
from payments import services
from payments.matching import COLUMNS
from payments.models import Payment
from tapif.core.models import User
from tapif.core.selectors import campaign_current
from tests.candidates.factories import ApplicationFactory, tiny_pdf
from tests.factories import CandidateFactory, StaffFactory

SAMPLES = Path(__file__).parent / "samples"
HEADER = ",".join(COLUMNS)
#: The day before the `campaign_open` fixture's frozen moment (15 January 2026).
SENT_ON = dt.date(2026, 1, 14)
FEE = Decimal("80.00")


def sample_text(name: str) -> str:
    """One of the sample bank exports, as the admin upload or the command would read it."""
    return (SAMPLES / name).read_text(encoding="utf-8")


def numbered_dossier(
    number: str, *, email: str | None = None, language: str = "fr", **candidate
) -> Application:
    """A draft dossier with the given candidate number (and candidate e-mail, if given)."""
    if email is not None:
        candidate["email"] = email
    application = ApplicationFactory(
        candidate=CandidateFactory(preferred_language=language, **candidate)
    )
    Application.objects.filter(pk=application.pk).update(number=number)
    application.refresh_from_db()
    return application


def receipt_upload(
    content: bytes | None = None, name: str = "interac-receipt.pdf", content_type: str = ""
) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, tiny_pdf() if content is None else content, content_type or "application/pdf"
    )


def reference_for(application: Application) -> str:
    """A distinct Interac-looking reference number per dossier."""
    return f"CA9R{application.pk:06d}Q"


def declaration(application: Application, **overrides) -> dict:
    """The keyword arguments of `services.payment_declare` (but `application`)."""
    return {
        "actor": application.candidate,
        "amount": application.campaign.fee_amount,
        "sent_on": SENT_ON,
        "sender_name": "Camille Tremblay",
        "reference_number": reference_for(application),
        "memo": application.campaign.etransfer_memo_for(application.number),
        "receipt": receipt_upload(),
    } | overrides


def declared_payment(application: Application, **overrides) -> Payment:
    return services.payment_declare(
        application=application, **declaration(application, **overrides)
    )


def bank_row(**values: str) -> dict[str, str]:
    """One line of a bank export: an 80.00 CAD e-Transfer received on 15 January 2026."""
    return {
        "date": "2026-01-15",
        "amount": "80.00",
        "currency": "CAD",
        "sender_name": "Camille Tremblay",
        "sender_email": "camille.tremblay@example.ca",
        "reference_number": "CA0Bank00001",
        "message": "",
    } | values


def statement_csv(*rows: Mapping[str, str] | str, header: str = HEADER) -> str:
    """A bank export: the header, then each row (a dict completed by `bank_row`, or raw text)."""
    out = io.StringIO()
    out.write(header + "\n")
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        if isinstance(row, str):
            out.write(row + "\n")
        else:
            full = bank_row(**row)
            writer.writerow([full[column] for column in COLUMNS])
    return out.getvalue()


def bank_row_for(application: Application, **values: str) -> dict[str, str]:
    """A line whose memo names the dossier's number (so the import matches it)."""
    return bank_row(
        **{
            "message": application.campaign.etransfer_memo_for(application.number),
            "reference_number": f"CA0B{application.pk:06d}K",
        }
        | values
    )


def import_statement(
    text: str,
    *,
    actor: User | None = None,
    dry_run: bool = False,
    file_name: str = "statement.csv",
) -> services.ImportReport:
    return services.statement_import(
        campaign=campaign_current(),
        text=text,
        file_name=file_name,
        actor=actor,
        dry_run=dry_run,
    )


def matched_payment(application: Application, *, declare: bool = True, **row) -> Payment:
    """The dossier's payment once the bank export shows it (declared first unless told not)."""
    if declare:
        declared_payment(application)
    import_statement(statement_csv(bank_row_for(application, **row)))
    payment = services.live_payment(application)
    assert payment is not None
    return payment


def verified_payment(application: Application, *, staff: User | None = None) -> Payment:
    payment = matched_payment(application)
    return services.payment_verify(payment=payment, actor=staff or StaffFactory())
