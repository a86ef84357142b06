"""The words of the payments app's codes: why a bank line went where it did, and why a bank
export was refused.

`payments.matching` is pure Python: it returns messages (`{"code", "params"}`) and `BankLine`
keeps them; these words make the text where it is shown (`tapif.core.messages.explain`, in the
active language). Registered in `PaymentsConfig.ready`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from payments.matching import COLUMNS, MatchedBy
from tapif.core.messages import Word, messages_register, worded

#: The bank export's columns by their English names, as staff call them in their language (the
#: French names are those a French header may use).
COLUMN_NAMES = {
    "date": pgettext_lazy("bank export column", "date"),
    "amount": pgettext_lazy("bank export column", "amount"),
    "currency": pgettext_lazy("bank export column", "currency"),
    "sender_name": pgettext_lazy("bank export column", "sender_name"),
    "sender_email": pgettext_lazy("bank export column", "sender_email"),
    "reference_number": pgettext_lazy("bank export column", "reference_number"),
    "message": pgettext_lazy("bank export column", "message"),
}

#: How a line's dossier was found.
HOW = {
    MatchedBy.MEMO.value: pgettext_lazy("bank line found by", "its number is in the memo"),
    MatchedBy.REFERENCE.value: pgettext_lazy(
        "bank line found by", "the candidate declared this reference number"
    ),
    MatchedBy.EMAIL.value: pgettext_lazy(
        "bank line found by", "the sender’s e-mail is the candidate’s"
    ),
    MatchedBy.MANUAL.value: pgettext_lazy("bank line found by", "assigned by hand"),
}


def column_name(column: str) -> str:
    """A column (English name) as staff call it in the active language."""
    return str(COLUMN_NAMES.get(column, column))


def column_names(columns: Iterable[str], separator: str = ", ") -> str:
    return separator.join(column_name(column) for column in columns)


def _header() -> str:
    return column_names(COLUMNS, ",")


def _worded(text: Promise, **wording: Callable[[Any], str]) -> Word:
    """A sentence some of whose parameters are worded first; `expected` is always the header."""
    word = worded(text, **wording)
    return lambda params: word({"expected": _header(), **params})


def _how(value: Any) -> str:
    return str(HOW.get(str(value), value))


WORDS: dict[str, Word] = {
    # Refusals of a bank export (StatementError).
    "matching.column_twice": _("The column %(column)s appears twice in the header."),
    "matching.columns_missing": _worded(
        _("Missing column(s) in the header: %(columns)s. Expected: %(expected)s."),
        columns=column_names,
    ),
    "matching.empty": _worded(
        _("The file is empty: the first line must be the header %(expected)s.")
    ),
    "matching.fields": _("Expected %(expected)s fields like the header, found %(found)s."),
    "matching.value_empty": _worded(_("The %(column)s is empty."), column=column_name),
    "matching.date": _(
        "“%(value)s” is not a date: write 2026-01-15, 2026/01/15 or 15/01/2026 (day first)."
    ),
    "matching.amount": _("“%(value)s” is not an amount: write 80.00, 80,00 or 80.00 $."),
    "matching.currency": _(
        "“%(value)s” is not a currency code such as CAD (or it contradicts the amount)."
    ),
    # What became of a bank line (MatchResult, BankLine.explanation).
    "matching.unmatched": _(
        "No dossier recognised: no known candidate number in the memo, and neither the "
        "reference number nor the sender’s e-mail belongs to a single dossier."
    ),
    "matching.amount_mismatch": _worded(
        _("Dossier %(number)s (%(how)s): %(paid)s received, the fee is %(due)s."), how=_how
    ),
    "matching.duplicate": _worded(
        _("Dossier %(number)s (%(how)s) is already paid: refund this %(paid)s."), how=_how
    ),
    "matching.matched": _worded(_("Fee of dossier %(number)s received (%(how)s)."), how=_how),
}


def register() -> None:
    """Declare this app's words (`AppConfig.ready()`)."""
    messages_register(WORDS)
    messages_register(AUDIT_ACTIONS)


# Audit actions recorded by this app's services, read by the dossier's history and the audit
# log through `tapif.core.messages.explain`.
AUDIT_ACTIONS = {
    "payment.declare": _("Fee payment declared"),
    "payment.correct": _("Fee declaration corrected"),
    "payment.verify": _("Fee payment verified"),
    "payment.reject": _("Fee payment rejected"),
    "payment.refund": _("Fee payment refunded"),
    "payments.assign_line": _("Bank line assigned to the dossier"),
    "payments.import": _("Bank statement imported"),
}
