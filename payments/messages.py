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
    "credit": pgettext_lazy("bank export column", "credit"),
    "debit": pgettext_lazy("bank export column", "debit"),
    "description": pgettext_lazy("bank export column", "description"),
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
    MatchedBy.NAME.value: pgettext_lazy(
        "bank line found by", "the sender’s name, the amount and the date of a declaration"
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
        "“%(value)s” is not a date: expected 2026-01-15, or the day, the month and the year "
        "in the order of the import profile."
    ),
    "matching.date_ambiguous": _(
        "“%(value)s” can be read day first or month first: choose an import profile that "
        "says the date order."
    ),
    "matching.dates_ambiguous": _(
        "The dates of this file can be read day first or month first (“%(value)s”, and no "
        "day above 12): nothing is guessed. Import it with a profile that says the date order."
    ),
    "matching.dates_both_orders": _(
        "The dates of this file are written day first (“%(day_first)s”) and month first "
        "(“%(month_first)s”): import it with a profile that says the date order."
    ),
    "matching.encoding": _(
        "The file cannot be read as %(encoding)s text: export it again as CSV, or choose a "
        "profile with its encoding."
    ),
    "matching.quotes": _("A quoted field is not closed: the file is cut or badly quoted."),
    "matching.unknown_layout": lambda params: _unknown_layout(params),
    "matching.no_amount": _("Neither the credit nor the debit column has an amount."),
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
    "matching.suggested_number": _(
        "Suggestion: dossier %(number)s, whose number the memo gives with a digit missing, "
        "and nothing else agrees. Confirm it if this %(paid)s is its fee, or assign the line."
    ),
    "matching.suggested_name": _(
        "Suggestion: dossier %(number)s declared an e-Transfer of %(paid)s from %(sender)s "
        "sent on %(declared_on)s. Confirm it if it is this one, or assign the line."
    ),
    "payments.suggestion_dismissed": _(
        "The suggestion was turned down: assign the line to its dossier, or settle it."
    ),
    # Import profiles that could not read a line (`bankfile.Layout.problems`).
    "layout.no_date": _("Choose the column of the date."),
    "layout.no_amount": _("Choose the column of the amount, or of the credits."),
    "layout.amount_and_credit": _(
        "Choose either one amount column or credit and debit columns, not both."
    ),
    "layout.date_order": _("Choose the date order."),
    "layout.separators": _("The decimal and the thousands separators must differ."),
    "layout.missing": _("A column chosen is not in the file's header."),
}


def _unknown_layout(params: dict[str, Any]) -> str:
    header = ", ".join(str(cell) for cell in params.get("header", []))
    if params.get("closest"):
        return _(
            "No import profile fits this header (%(header)s). The closest, “%(closest)s”, "
            "misses: %(columns)s. Choose a profile, or map the columns in the admin."
        ) % {
            "header": header,
            "closest": params["closest"],
            "columns": column_names(params.get("columns", [])),
        }
    return _("No import profile fits this header (%(header)s): map the columns in the admin.") % {
        "header": header
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
    "payments.settle_line": _("Bank line settled"),
    "payments.profile_create": _("Bank import profile created"),
    "payments.profile_change": _("Bank import profile changed"),
}
