from django.db import models
from django.utils.translation import gettext_lazy as _

from candidates.choices import LIVE_PAYMENT_STATUSES, PaymentStatus

__all__ = ["LIVE_PAYMENT_STATUSES", "LineOutcome", "PaymentStatus", "RejectionReason", "Source"]


class RejectionReason(models.TextChoices):
    """Why staff refuse a payment: the candidate reads the label (and the note, if any)."""

    WRONG_AMOUNT = "wrong_amount", _("The amount received is not the application fee")
    NO_MEMO = "no_memo", _("The e-Transfer has no message with your candidate number")
    NOT_RECEIVED = "not_received", _("The payment has not reached the programme's account")
    RECEIPT = "receipt", _("The receipt is unreadable or is not an e-Transfer receipt")
    DETAILS = "details", _("The details declared do not match the e-Transfer received")
    OTHER = "other", _("Other reason (see the note)")


class LineOutcome(models.TextChoices):
    """What became of a bank line at import (or when staff assigned it by hand)."""

    MATCHED = "matched", _("Matched")
    AMOUNT_MISMATCH = "amount_mismatch", _("Amount mismatch")
    DUPLICATE = "duplicate", _("Duplicate: to refund")
    UNMATCHED = "unmatched", _("Unmatched")


class Source(models.TextChoices):
    """How a bank line found its dossier."""

    MEMO = "memo", _("Candidate number in the memo")
    REFERENCE = "reference", _("Declared reference number")
    EMAIL = "email", _("Sender's e-mail")
    MANUAL = "manual", _("Assigned by staff")
