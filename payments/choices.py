from django.db import models
from django.utils.translation import gettext_lazy as _

from candidates.choices import LIVE_PAYMENT_STATUSES, PaymentStatus

__all__ = [
    "LIVE_PAYMENT_STATUSES",
    "PAID_OUTCOMES",
    "TO_REFUND_OUTCOMES",
    "UNSETTLED_OUTCOMES",
    "DateOrder",
    "DecimalSeparator",
    "FileEncoding",
    "LineOutcome",
    "PaymentStatus",
    "RejectionReason",
    "Source",
    "ThousandsSeparator",
]


class RejectionReason(models.TextChoices):
    """Why staff refuse a payment: the candidate reads the label (and the note, if any)."""

    WRONG_AMOUNT = "wrong_amount", _("The amount received is not the application fee")
    NO_MEMO = "no_memo", _("The e-Transfer has no message with your candidate number")
    NOT_RECEIVED = "not_received", _("The payment has not reached the programme's account")
    RECEIPT = "receipt", _("The receipt is unreadable or is not an e-Transfer receipt")
    DETAILS = "details", _("The details declared do not match the e-Transfer received")
    OTHER = "other", _("Other reason (see the note)")


class LineOutcome(models.TextChoices):
    """Where a bank line stands: what the import found, then what staff settled it as.

    Changed only by `services.bank_line_transition` (its table says which moves are allowed).
    """

    MATCHED = "matched", _("Matched")
    CONFIRMED = "confirmed", _("Suggestion confirmed")
    SUGGESTED = "suggested", _("Suggestion to confirm")
    AMOUNT_MISMATCH = "amount_mismatch", _("Amount mismatch")
    MISMATCH_TOLD = "mismatch_told", _("Amount mismatch: candidate told")
    DUPLICATE = "duplicate", _("Duplicate: to refund")
    REFUNDED = "refunded", _("Refunded")
    RETURNED = "returned", _("Returned to sender")
    NOT_FEE = "not_fee", _("Not a fee")
    UNMATCHED = "unmatched", _("Unmatched")


#: Lines staff still have to decide on (the admin's home counts them).
UNSETTLED_OUTCOMES = frozenset(
    {LineOutcome.UNMATCHED, LineOutcome.SUGGESTED, LineOutcome.AMOUNT_MISMATCH}
)
#: Lines whose money counts as a fee.
PAID_OUTCOMES = frozenset({LineOutcome.MATCHED, LineOutcome.CONFIRMED})
#: Lines whose money is to go back to the sender.
TO_REFUND_OUTCOMES = frozenset({LineOutcome.DUPLICATE, LineOutcome.MISMATCH_TOLD})


class DateOrder(models.TextChoices):
    """How an import profile reads a date written with the year last (or first)."""

    FROM_FILE = "", _("Read from the file (an ambiguous file is refused)")
    DMY = "DMY", _("Day, month, year (28/11/2026)")
    MDY = "MDY", _("Month, day, year (11/28/2026)")
    YMD = "YMD", _("Year, month, day (2026-11-28)")


class DecimalSeparator(models.TextChoices):
    FROM_FILE = "", _("Read from each amount")
    POINT = ".", _("Point (80.00)")
    COMMA = ",", _("Comma (80,00)")


class ThousandsSeparator(models.TextChoices):
    FROM_FILE = "", _("Read from each amount")
    COMMA = ",", _("Comma (1,080.00)")
    SPACE = " ", _("Space (1 080,00)")
    POINT = ".", _("Point (1.080,00)")
    APOSTROPHE = "'", _("Apostrophe (1'080.00)")


class FileEncoding(models.TextChoices):
    DETECT = "", _("Detect (UTF-8, else Windows-1252)")
    UTF8 = "utf-8", _("UTF-8")
    CP1252 = "cp1252", _("Windows-1252 (Western European)")


class Source(models.TextChoices):
    """How a bank line found its dossier."""

    MEMO = "memo", _("Candidate number in the memo")
    REFERENCE = "reference", _("Declared reference number")
    EMAIL = "email", _("Sender's e-mail")
    NAME = "name", _("Sender's name, amount and date (a suggestion)")
    MANUAL = "manual", _("Assigned by staff")
