"""The demo's application fees, paid as a candidate and an officer would: declared, matched from
one bank export, verified."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.utils import timezone

from candidates.models import Application
from demo.files import demo_png_upload
from payments.choices import PaymentStatus
from payments.matching import COLUMNS
from payments.models import Payment
from payments.services import (
    live_payment,
    payment_declare,
    payments_verify_matched,
    statement_import,
)
from tapif.core.models import Campaign, User


def demo_fees(campaign: Campaign, applications: list[Application], *, admin: User) -> None:
    """Each new candidate declares their e-Transfer, the bank export (one CSV) matches them by the
    number in the memo, and the admin verifies the matched payments."""
    sent_on = timezone.localdate() - dt.timedelta(days=2)
    for application in applications:
        if live_payment(application) is None:
            candidate = application.candidate
            payment_declare(
                application=application,
                actor=candidate,
                amount=campaign.fee_amount,
                sent_on=sent_on,
                sender_name=candidate.get_full_name(),
                reference_number=f"CA{application.number.replace('-', '')}DEMO",
                memo=campaign.etransfer_memo_for(application.number),
                receipt=demo_png_upload("interac-receipt.png"),
            )
    declared = Payment.objects.filter(
        application__in=applications, duplicate=False, status=PaymentStatus.DECLARED
    ).select_related("application__candidate")
    if declared:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for payment in declared:
            candidate = payment.application.candidate
            writer.writerow(
                [
                    (payment.sent_on + dt.timedelta(days=1)).isoformat(),
                    f"{payment.amount:.2f}",
                    payment.currency,
                    payment.sender_name,
                    candidate.email,
                    payment.reference_number,
                    payment.memo,
                ]
            )
        statement_import(
            campaign=campaign, text=out.getvalue(), file_name="demo-etransfers.csv", actor=admin
        )
    matched = Payment.objects.filter(
        application__in=applications, duplicate=False, status=PaymentStatus.MATCHED
    )
    payments_verify_matched(payments=list(matched), actor=admin)
