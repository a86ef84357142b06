"""Reading a bank export of received Interac e-Transfers and matching its lines to dossiers.

Pure Python on purpose (no Django import): the admin upload and the `import_etransfers` command
both read a file (`payments.bankfile.read_statement`) then call `match_statement`, and the rules
are tested without a database.

Reading a file (encodings, delimiters, import profiles, every problem at once) is
`payments.bankfile`'s; this module keeps what a line is (`StatementLine`), what a refusal is
(`StatementError`: the physical line, header = 1, the column, a code and its parameters, worded
by `payments.messages`), and how amounts and dates are read: `parse_signed_amount` (thousands
separators, negative debits), `parse_date` (a date with the year last in a given order, or
only when it cannot be read the other way: `12/01/2026` raises AmbiguousDate).

Candidate numbers in a memo (`find_candidate_numbers`): the campaign prefix then the sequence,
whatever the case, with spaces, dashes, dots or underscores anywhere between the prefix's
letters, its digits and the sequence, or nothing (`ca27 00042`, `CA2700042`, `CA 27-42`), all
read as `CA27-00042`. A bare five-digit sequence (`00042`) counts only when the memo names no
prefixed number and that sequence is the only five-digit number in it (once a number with
another campaign's prefix, such as `CA26-00042`, has been set aside). Shorter bare numbers (`42`)
never count: amounts, days and street numbers look just like them.

Matching (`match_line`, rules in order): a candidate number of a known dossier written with its
five digits in the memo (or description); else the Interac reference number a candidate
declared, as the line's reference or anywhere in its memo; else the sender's e-mail equal to the
candidate's; else a number with a digit missing, matched only when the sender's name agrees and
otherwise SUGGESTED; else a declaration whose sender, amount and date agree, SUGGESTED (a
suggestion is never a match: staff confirm it). A memo naming several known dossiers, or a
reference or e-mail shared by several dossiers, decides nothing and the next rule is tried. Once
a dossier is found: the amount and currency must be the fee's (`AMOUNT_MISMATCH`, still naming
the dossier), a dossier already paid gives `DUPLICATE` (to refund), otherwise `MATCHED`.
`match_statement` reads a file's lines in order and treats a dossier MATCHED by an earlier line
as paid, so a second payment is DUPLICATE. Each result explains itself with a message (`{"code":
"matching.…", "params": {…}}`), worded where it is shown (`payments.messages`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

COLUMNS = (
    "date",
    "amount",
    "currency",
    "sender_name",
    "sender_email",
    "reference_number",
    "message",
)
FRENCH_COLUMNS = {
    "date": "date",
    "montant": "amount",
    "devise": "currency",
    "nom_expediteur": "sender_name",
    "courriel_expediteur": "sender_email",
    "numero_reference": "reference_number",
    "message": "message",
}


# A message: a code and its (JSON-serialisable) parameters, worded where it is shown
# (`tapif.core.messages.explain_message`); a plain dict so that this module imports no Django.
Message = dict[str, Any]


def _message(code: str, **params: Any) -> Message:
    return {"code": code, "params": params}


class StatementError(ValueError):
    """A bank export that cannot be read, with the line (header = 1) and the column at fault,
    and what is wrong (`code`, `params`)."""

    def __init__(
        self,
        line_number: int,
        column: str | None,
        code: str,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self.line_number = line_number
        self.column = column
        self.code = code
        self.params = dict(params or {})
        super().__init__(str(self))

    @property
    def message(self) -> Message:
        return {"code": self.code, "params": self.params}

    @property
    def where(self) -> str:
        """`line 3, column amount` (for logs and the command line; the admin words its own)."""
        where = f"line {self.line_number}"
        if self.column:
            where += f", column {self.column}"
        return where

    def __str__(self) -> str:
        return f"{self.where}: {self.code} {self.params}"


@dataclass(frozen=True)
class StatementLine:
    line_number: int
    date: date
    amount: Decimal
    currency: str
    sender_name: str
    sender_email: str
    reference_number: str
    message: str
    #: For a line without a reference number, its rank among the file's identical lines (two
    #: e-Transfers alike in everything the bank shows stay two).
    occurrence: int = 0

    @property
    def fingerprint(self) -> str:
        """The same payment always gives the same value, whatever the file's formatting."""
        parts: tuple[str, ...] = (
            normalise_reference(self.reference_number),
            self.date.isoformat(),
            f"{self.amount:.2f}",
            self.sender_email,
        )
        if not self.reference_number:  # an account-activity line: what the bank wrote
            parts += (" ".join(self.message.split()).lower(), str(self.occurrence))
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def normalise_reference(reference: str) -> str:
    """An Interac reference number compared without case or spaces."""
    return re.sub(r"\s+", "", reference).upper()


# ---------------------------------------------------------------------------------------------
# Reading the CSV export
# ---------------------------------------------------------------------------------------------

_SPACES = "\u00a0\u202f\u2009"  # no-break, narrow no-break and thin spaces (French typography)
_AMOUNT = re.compile(
    r"^(?P<open>\()?(?P<minus>-)?(?:(?P<before>\$|CAD)\s*)?(?P<minus2>-)?"
    r"(?P<number>\d[\d.,' ]*)"
    r"(?:\s*(?P<after>\$|CAD))?(?P<trail>-)?(?P<close>\))?$",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_YEAR_LAST_DATE = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$")
#: The orders a date with the year last (or first) may be written in.
DATE_ORDERS = ("DMY", "MDY", "YMD")


def _number(text: str, decimal: str, thousands: str) -> Decimal:
    """`1,080.00`, `1 080,00`, `1.080,00`, `80`, `80,00` as a Decimal. With the separators
    given (a profile's), they are used as said; otherwise the last `.` or `,` followed by exactly
    two digits is the decimal one, and thousands may be grouped (by ` `, `'`, `.` or `,`) only
    in front of such decimals: a bare `1,080` or `80.000` could be read two ways and is refused."""
    if not decimal and thousands:
        decimal = "," if thousands == "." else "."
    if not decimal:
        found = re.search(r"[.,](\d{2})$", text)
        if found is None:
            if not text.isdigit():
                raise ValueError
            return Decimal(f"{text}.00")
        decimal = text[found.start()]
        thousands = thousands or " '.,".replace(decimal, "")
    units, _sep, cents = text.rpartition(decimal) if decimal in text else (text, "", "")
    if decimal in text and not re.fullmatch(r"\d{2}", cents):
        raise ValueError
    groups = re.split("[" + re.escape(thousands) + "]", units) if thousands else [units]
    if not all(group.isdigit() for group in groups):
        raise ValueError
    if len(groups) > 1 and (len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])):
        raise ValueError
    return Decimal(f"{''.join(groups)}.{cents or '00'}")


def parse_signed_amount(text: str, *, decimal: str = "", thousands: str = "") -> Decimal:
    """An amount as the bank wrote it, negative for money that left the account: `80.00`,
    `1,080.00`, `1 080,00 $`, `$80.00`, `CAD 80.00`, `-80.00`, `(80.00)`, `80.00-`."""
    cleaned = text.strip().translate({ord(space): " " for space in _SPACES})
    found = _AMOUNT.match(cleaned)
    if (
        not found
        or (found["before"] and found["after"])
        or bool(found["open"]) != bool(found["close"])
    ):
        raise ValueError(f"not an amount: {text!r}")
    try:
        amount = _number(found["number"].strip(), decimal, thousands)
    except (ValueError, ArithmeticError):
        raise ValueError(f"not an amount: {text!r}") from None
    signs = [found["open"], found["minus"], found["minus2"], found["trail"]]
    if sum(bool(sign) for sign in signs) > 1:
        raise ValueError(f"not an amount: {text!r}")
    return -amount if any(signs) else amount


def parse_amount(text: str, *, decimal: str = "", thousands: str = "") -> Decimal:
    """A received amount (`80`, `80,00 $`, `1,080.00`…) as Decimal('80.00'); no sign, no zero."""
    amount = parse_signed_amount(text, decimal=decimal, thousands=thousands)
    if amount <= 0 or any(sign in text for sign in "-()"):
        raise ValueError(f"not an amount: {text!r}")
    return amount


class AmbiguousDate(ValueError):
    """A date with the year last that reads both day first and month first (`12/01/2026`)."""


def year_last_parts(text: str) -> tuple[int, int] | None:
    """The two numbers before the year of `12/01/2026`, or None for another shape."""
    found = _YEAR_LAST_DATE.match(text.strip())
    return (int(found[1]), int(found[3])) if found else None


def parse_date(text: str, order: str = "") -> date:
    """`2026-01-15` or `2026/01/15` always; with the year last, in the `order` given (`DMY`
    or `MDY`), or without one only when the date cannot be read the other way (`15/01/2026`,
    `01/15/2026`): `12/01/2026` then raises AmbiguousDate. Two-digit years are refused."""
    text = text.strip()
    try:
        if found := _ISO_DATE.match(text):
            year, month, day = (int(part) for part in found.groups())
            return date(year, month, day)
        if (found := _YEAR_LAST_DATE.match(text)) and order != "YMD":
            first, second, year = int(found[1]), int(found[3]), int(found[4])
            if not order:
                if first > 12 >= second:
                    order = "DMY"
                elif second > 12 >= first:
                    order = "MDY"
                elif first <= 12 and second <= 12 and first != second:
                    raise AmbiguousDate(f"not a date in a known order: {text!r}")
                else:
                    order = "DMY"  # 05/05/2026 reads the same both ways; 13/13 fails below
            day, month = (first, second) if order == "DMY" else (second, first)
            return date(year, month, day)
    except AmbiguousDate:
        raise
    except ValueError:  # 31/02, month 13
        pass
    raise ValueError(f"not a date: {text!r}")


def parse_statement(text: str) -> list[StatementLine]:
    """Every payment line of a bank export in the generic layout, in file order; raise the
    first problem as StatementError (`payments.bankfile.read_statement` lists them all)."""
    from payments.bankfile import GENERIC, read_statement

    reading = read_statement(text, layout=GENERIC)
    if reading.problems:
        raise reading.problems[0]
    return reading.lines


# ---------------------------------------------------------------------------------------------
# Candidate numbers in a memo
# ---------------------------------------------------------------------------------------------

_SEPARATORS = r"[\s\-_.]*"
# Any campaign-code-shaped prefix (letters, two digits) then a five-digit sequence: seven digits
# in all, so `fee 00042` is not one but `CA26-00042` (another campaign's number) is.
_ANY_PREFIXED = re.compile(
    rf"(?<![A-Za-z0-9])[A-Za-z]{{2,4}}{_SEPARATORS}\d{{2}}{_SEPARATORS}\d{{5}}(?!\d)"
)
_BARE = re.compile(r"(?<![A-Za-z0-9])\d{5}(?![A-Za-z0-9])")


def _prefixed_pattern(prefix: str) -> re.Pattern[str]:
    letters = _SEPARATORS.join(re.escape(char) for char in prefix.strip())
    return re.compile(
        rf"(?<![A-Za-z0-9]){letters}{_SEPARATORS}(\d{{1,6}})(?!\d|[.,]\d)", re.IGNORECASE
    )


def canonical_number(prefix: str, sequence: int) -> str:
    """The number as the platform writes it: `CA27-00042`."""
    return f"{prefix.strip().upper()}-{sequence:05d}"


def find_candidate_numbers(memo: str, prefix: str) -> list[str]:
    """The candidate numbers of the campaign named in a memo, canonical, without repeats, in
    order of appearance (see the module docstring for what counts)."""
    return list(dict.fromkeys(number for number, _full in find_written_numbers(memo, prefix)))


def find_written_numbers(memo: str, prefix: str) -> list[tuple[str, bool]]:
    """`find_candidate_numbers` with, for each, whether its sequence was written with its five
    digits (`CA27-00042`, `00042`: True; `CA27-0042`, `CA27-42`: False, a digit may be
    missing)."""
    found = [
        (canonical_number(prefix, int(m[1])), len(m[1]) >= 5)
        for m in _prefixed_pattern(prefix).finditer(memo)
    ]
    if not found:
        others_removed = _ANY_PREFIXED.sub(" ", memo)
        bare = {m[0] for m in _BARE.finditer(others_removed)}
        if len(bare) == 1:
            found = [(canonical_number(prefix, int(bare.pop())), True)]
    full: dict[str, bool] = {}
    for number, whole in found:
        full[number] = full.get(number, False) or whole
    return list(full.items())


def normalise_name(name: str) -> str:
    """A name compared without accents, case, punctuation or word order."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(sorted(re.findall(r"[a-z]+", plain.lower())))


def normalise_candidate_number(text: str, prefix: str) -> str | None:
    """`text` read as exactly one candidate number of the campaign (`ca27 00042`, `CA2700042`,
    `00042` → `CA27-00042`), or None if it is anything else."""
    text = text.strip()
    found = _prefixed_pattern(prefix).fullmatch(text)
    if found:
        return canonical_number(prefix, int(found[1]))
    if re.fullmatch(r"\d{5}", text):
        return canonical_number(prefix, int(text))
    return None


# ---------------------------------------------------------------------------------------------
# Matching lines to dossiers
# ---------------------------------------------------------------------------------------------


class Outcome(StrEnum):
    MATCHED = "matched"
    SUGGESTED = "suggested"
    AMOUNT_MISMATCH = "amount_mismatch"
    DUPLICATE = "duplicate"
    UNMATCHED = "unmatched"


class MatchedBy(StrEnum):
    MEMO = "memo"
    REFERENCE = "reference"
    EMAIL = "email"
    NAME = "name"
    MANUAL = "manual"


@dataclass(frozen=True)
class DossierFacts:
    """A dossier as the matcher reads it: its candidate, and what the candidate declared."""

    number: str
    candidate_email: str
    declared_reference: str | None
    already_paid: bool
    candidate_name: str = ""
    declared_sender: str = ""
    declared_amount: Decimal | None = None
    declared_on: date | None = None

    def named(self, sender: str) -> bool:
        """Whether the line's sender is the candidate or the sender they declared."""
        sender = normalise_name(sender)
        return bool(sender) and sender in {
            normalise_name(self.candidate_name),
            normalise_name(self.declared_sender),
        }


@dataclass(frozen=True)
class MatchResult:
    line: StatementLine
    outcome: Outcome
    dossier_number: str | None
    how: MatchedBy | None
    explanation: Message


Dossiers = Mapping[str, DossierFacts] | Sequence[DossierFacts]
#: How many days a bank may take to show an e-Transfer the candidate says they sent.
DAYS_TO_ARRIVE = 7


def _by_number(dossiers: Dossiers) -> dict[str, DossierFacts]:
    values: Iterable[DossierFacts] = (
        dossiers.values() if isinstance(dossiers, Mapping) else dossiers
    )
    return {dossier.number.strip().upper(): dossier for dossier in values}


def _only(candidates: list[DossierFacts]) -> DossierFacts | None:
    return candidates[0] if len(candidates) == 1 else None


def _compact(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text).upper()


def _identify(
    line: StatementLine, dossiers: dict[str, DossierFacts], prefix: str
) -> tuple[DossierFacts | None, MatchedBy | None, Message | None]:
    """The dossier a line names (and how), or the one it only suggests (with why)."""
    written = [
        (dossiers[n], full)
        for n, full in find_written_numbers(line.message, prefix)
        if n in dossiers
    ]
    if found := _only([dossier for dossier, full in written if full]):
        return found, MatchedBy.MEMO, None
    reference = normalise_reference(line.reference_number)
    memo = _compact(line.message)
    declared = [
        d
        for d in dossiers.values()
        if d.declared_reference
        and (
            normalise_reference(d.declared_reference) == reference
            or (len(_compact(d.declared_reference)) >= 6 and _compact(d.declared_reference) in memo)
        )
    ]
    if found := _only(declared):
        return found, MatchedBy.REFERENCE, None
    if line.sender_email:
        same_email = [
            d for d in dossiers.values() if d.candidate_email.strip().lower() == line.sender_email
        ]
        if found := _only(same_email):
            return found, MatchedBy.EMAIL, None
    if (found := _only([dossier for dossier, _full in written])) is not None:
        if found.named(line.sender_name):  # a digit missing, but the name agrees
            return found, MatchedBy.MEMO, None
        return (
            found,
            MatchedBy.MEMO,
            _message("matching.suggested_number", number=found.number, paid=_paid(line)),
        )
    same_payment = [
        d
        for d in dossiers.values()
        if d.declared_amount == line.amount
        and d.declared_on is not None
        and 0 <= (line.date - d.declared_on).days <= DAYS_TO_ARRIVE
        and d.declared_sender
        and d.named(line.sender_name)
    ]
    if (found := _only(same_payment)) is not None and found.declared_on is not None:
        return (
            found,
            MatchedBy.NAME,
            _message(
                "matching.suggested_name",
                number=found.number,
                sender=line.sender_name,
                paid=_paid(line),
                declared_on=found.declared_on.isoformat(),
            ),
        )
    return None, None, None


def _paid(line: StatementLine) -> str:
    return f"{line.amount:.2f} {line.currency}"


def match_line(
    line: StatementLine, dossiers: Dossiers, *, fee: Decimal, currency: str, prefix: str
) -> MatchResult:
    """The outcome of one bank line against the campaign's dossiers (rules in the module
    docstring)."""
    dossier, how, suggestion = _identify(line, _by_number(dossiers), prefix)
    if dossier is None or how is None:
        return MatchResult(
            line,
            Outcome.UNMATCHED,
            None,
            None,
            _message("matching.unmatched"),
        )
    if suggestion is not None:
        return MatchResult(line, Outcome.SUGGESTED, dossier.number, how, suggestion)
    return judge_line(line, dossier, how, fee=fee, currency=currency)


def judge_line(
    line: StatementLine, dossier: DossierFacts, how: MatchedBy, *, fee: Decimal, currency: str
) -> MatchResult:
    """The outcome of a line once its dossier is known (found by `match_line` or by staff):
    the amount and currency must be the fee's, and a dossier already paid gets a DUPLICATE."""
    number = dossier.number
    paid = f"{line.amount:.2f} {line.currency}"
    due = f"{fee:.2f} {currency.upper()}"
    facts = {"number": number, "how": how.value, "paid": paid}
    if line.amount != fee or line.currency != currency.upper():
        return MatchResult(
            line,
            Outcome.AMOUNT_MISMATCH,
            number,
            how,
            _message("matching.amount_mismatch", due=due, **facts),
        )
    if dossier.already_paid:
        return MatchResult(
            line,
            Outcome.DUPLICATE,
            number,
            how,
            _message("matching.duplicate", **facts),
        )
    return MatchResult(
        line,
        Outcome.MATCHED,
        number,
        how,
        _message("matching.matched", **facts),
    )


def match_statement(
    lines: Sequence[StatementLine],
    dossiers: Dossiers,
    *,
    fee: Decimal,
    currency: str,
    prefix: str,
) -> list[MatchResult]:
    """`match_line` for each line in file order, a dossier MATCHED by an earlier line counting
    as already paid for the later ones."""
    current = _by_number(dossiers)
    results = []
    for line in lines:
        result = match_line(line, current, fee=fee, currency=currency, prefix=prefix)
        if result.outcome is Outcome.MATCHED and result.dossier_number is not None:
            key = result.dossier_number.strip().upper()
            current[key] = replace(current[key], already_paid=True)
        results.append(result)
    return results
