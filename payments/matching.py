"""Reading a bank export of received Interac e-Transfers and matching its lines to dossiers.

Pure Python on purpose (no Django import): the admin upload and the `import_etransfers` command
both call `parse_statement` then `match_statement`, and the rules are tested without a database.

The CSV export (documented for staff):
- header `date,amount,currency,sender_name,sender_email,reference_number,message`, or in French
  `date,montant,devise,nom_expediteur,courriel_expediteur,numero_reference,message`; columns in
  any order, names compared without case or surrounding spaces (inner spaces count as `_`),
  English and French names may be mixed; unknown extra columns are ignored;
- UTF-8 with or without a byte-order mark; `,` delimiter, or `;` when the header uses more `;`
  than `,` (French spreadsheets do);
- `date`: `2026-01-15`, `2026/01/15` or `15/01/2026`. The slash form with the year last is always
  day first, as Canadian banks export it in French; `01/15/2026` (month first) is refused, and so
  are two-digit years and impossible dates;
- `amount`: `80`, `80.00`, `80,00`, optionally with `$` before or after or `CAD` before or after
  (`$80.00`, `80,00 $`, `CAD 80.00`); no sign, no thousands separator, zero or two decimals;
- `date`, `amount`, `currency` and `reference_number` must not be empty; the others may be.
The first error stops the reading: `StatementError` names the physical line (the header is line
1) and the column, and says what is wrong as a code and its parameters (worded by
`payments.messages`). Blank lines are skipped.

Candidate numbers in a memo (`find_candidate_numbers`): the campaign prefix then the sequence,
whatever the case, with spaces, dashes, dots or underscores anywhere between the prefix's
letters, its digits and the sequence, or nothing (`ca27 00042`, `CA2700042`, `CA 27-42`), all
read as `CA27-00042`. A bare five-digit sequence (`00042`) counts only when the memo names no
prefixed number and that sequence is the only five-digit number in it (once a number with
another campaign's prefix, such as `CA26-00042`, has been set aside). Shorter bare numbers (`42`)
never count: amounts, days and street numbers look just like them.

Matching (`match_line`, rules in order): a candidate number of a known dossier in the memo; else
the Interac reference number a candidate declared; else the sender's e-mail equal to the
candidate's. A memo naming several known dossiers, or a reference or e-mail shared by several
dossiers, decides nothing and the next rule is tried. Once a dossier is found: the amount and
currency must be the fee's (`AMOUNT_MISMATCH`, still naming the dossier), a dossier already paid
gives `DUPLICATE` (to refund), otherwise `MATCHED`. `match_statement` reads a file's lines in
order and treats a dossier MATCHED by an earlier line as paid, so a second payment is DUPLICATE.
Each result explains itself with a message (`{"code": "matching.…", "params": {…}}`), worded
where it is shown (`payments.messages`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
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
REQUIRED_VALUES = ("date", "amount", "currency", "reference_number")
_HEADER_NAMES = {name: name for name in COLUMNS} | FRENCH_COLUMNS


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

    @property
    def fingerprint(self) -> str:
        """The same payment always gives the same value, whatever the file's formatting."""
        parts = (
            normalise_reference(self.reference_number),
            self.date.isoformat(),
            f"{self.amount:.2f}",
            self.sender_email,
        )
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def normalise_reference(reference: str) -> str:
    """An Interac reference number compared without case or spaces."""
    return re.sub(r"\s+", "", reference).upper()


# ---------------------------------------------------------------------------------------------
# Reading the CSV export
# ---------------------------------------------------------------------------------------------

_SPACES = "\u00a0\u202f\u2009"  # no-break, narrow no-break and thin spaces (French typography)
_AMOUNT = re.compile(
    r"^(?:(?P<before>\$|CAD)\s*)?"
    r"(?P<units>\d+)(?:[.,](?P<cents>\d{2}))?"
    r"(?:\s*(?P<after>\$|CAD))?$",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_DAY_FIRST_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def parse_amount(text: str) -> Decimal:
    """`80`, `80.00`, `80,00`, `80.00 $`, `$80.00`, `CAD 80.00`… as Decimal('80.00')."""
    cleaned = text.strip().translate({ord(space): " " for space in _SPACES})
    found = _AMOUNT.match(cleaned)
    if not found or (found["before"] and found["after"]):
        raise ValueError(f"not an amount: {text!r}")
    amount = Decimal(f"{found['units']}.{found['cents'] or '00'}")
    if amount <= 0:
        raise ValueError(f"not an amount: {text!r}")
    return amount


def parse_date(text: str) -> date:
    """`2026-01-15`, `2026/01/15` or `15/01/2026` (always day first)."""
    text = text.strip()
    if found := _ISO_DATE.match(text):
        year, month, day = (int(part) for part in found.groups())
    elif found := _DAY_FIRST_DATE.match(text):
        day, month, year = (int(part) for part in found.groups())
    else:
        raise ValueError(f"not a date: {text!r}")
    try:
        return date(year, month, day)
    except ValueError:  # 31/02, or a month-first 01/15/2026
        raise ValueError(f"not a date: {text!r}") from None


def _header_key(cell: str) -> str:
    return re.sub(r"\s+", "_", cell.strip().lower())


def _read_header(cells: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = _HEADER_NAMES.get(_header_key(cell))
        if name is None:
            continue
        if name in positions:
            raise StatementError(1, name, "matching.column_twice", {"column": name})
        positions[name] = index
    missing = [name for name in COLUMNS if name not in positions]
    if missing:
        raise StatementError(
            1, ", ".join(missing), "matching.columns_missing", {"columns": missing}
        )
    return positions


def _delimiter(first_line: str) -> str:
    return ";" if first_line.count(";") > first_line.count(",") else ","


def parse_statement(text: str) -> list[StatementLine]:
    """Every payment line of a bank export, in file order; raise StatementError on the first
    line that cannot be read."""
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise StatementError(1, None, "matching.empty")
    positions = _read_header(header)
    lines = []
    next_start = reader.line_num + 1
    for cells in reader:
        line_number, next_start = next_start, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise StatementError(
                line_number, None, "matching.fields", {"expected": len(header), "found": len(cells)}
            )
        lines.append(_read_line(line_number, {name: cells[i] for name, i in positions.items()}))
    return lines


def _read_line(line_number: int, values: dict[str, str]) -> StatementLine:
    for column in REQUIRED_VALUES:
        if not values[column].strip():
            raise StatementError(line_number, column, "matching.value_empty", {"column": column})
    try:
        when = parse_date(values["date"])
    except ValueError:
        raise StatementError(
            line_number, "date", "matching.date", {"value": values["date"]}
        ) from None
    try:
        amount = parse_amount(values["amount"])
    except ValueError:
        raise StatementError(
            line_number, "amount", "matching.amount", {"value": values["amount"]}
        ) from None
    currency = values["currency"].strip().upper()
    if not _CURRENCY.match(currency) or ("CAD" in values["amount"].upper() and currency != "CAD"):
        raise StatementError(
            line_number, "currency", "matching.currency", {"value": values["currency"]}
        )
    return StatementLine(
        line_number=line_number,
        date=when,
        amount=amount,
        currency=currency,
        sender_name=values["sender_name"].strip(),
        sender_email=values["sender_email"].strip().lower(),
        reference_number=values["reference_number"].strip(),
        message=values["message"].strip(),
    )


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
    found = [canonical_number(prefix, int(m[1])) for m in _prefixed_pattern(prefix).finditer(memo)]
    if not found:
        others_removed = _ANY_PREFIXED.sub(" ", memo)
        bare = {m[0] for m in _BARE.finditer(others_removed)}
        if len(bare) == 1:
            found = [canonical_number(prefix, int(bare.pop()))]
    return list(dict.fromkeys(found))


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
    AMOUNT_MISMATCH = "amount_mismatch"
    DUPLICATE = "duplicate"
    UNMATCHED = "unmatched"


class MatchedBy(StrEnum):
    MEMO = "memo"
    REFERENCE = "reference"
    EMAIL = "email"
    MANUAL = "manual"


@dataclass(frozen=True)
class DossierFacts:
    number: str
    candidate_email: str
    declared_reference: str | None
    already_paid: bool


@dataclass(frozen=True)
class MatchResult:
    line: StatementLine
    outcome: Outcome
    dossier_number: str | None
    how: MatchedBy | None
    explanation: Message


Dossiers = Mapping[str, DossierFacts] | Sequence[DossierFacts]


def _by_number(dossiers: Dossiers) -> dict[str, DossierFacts]:
    values: Iterable[DossierFacts] = (
        dossiers.values() if isinstance(dossiers, Mapping) else dossiers
    )
    return {dossier.number.strip().upper(): dossier for dossier in values}


def _only(candidates: list[DossierFacts]) -> DossierFacts | None:
    return candidates[0] if len(candidates) == 1 else None


def _identify(
    line: StatementLine, dossiers: dict[str, DossierFacts], prefix: str
) -> tuple[DossierFacts | None, MatchedBy | None]:
    named = [dossiers[n] for n in find_candidate_numbers(line.message, prefix) if n in dossiers]
    if found := _only(named):
        return found, MatchedBy.MEMO
    reference = normalise_reference(line.reference_number)
    declared = [
        d
        for d in dossiers.values()
        if d.declared_reference and normalise_reference(d.declared_reference) == reference
    ]
    if found := _only(declared):
        return found, MatchedBy.REFERENCE
    if line.sender_email:
        same_email = [
            d for d in dossiers.values() if d.candidate_email.strip().lower() == line.sender_email
        ]
        if found := _only(same_email):
            return found, MatchedBy.EMAIL
    return None, None


def match_line(
    line: StatementLine, dossiers: Dossiers, *, fee: Decimal, currency: str, prefix: str
) -> MatchResult:
    """The outcome of one bank line against the campaign's dossiers (rules in the module
    docstring)."""
    dossier, how = _identify(line, _by_number(dossiers), prefix)
    if dossier is None or how is None:
        return MatchResult(
            line,
            Outcome.UNMATCHED,
            None,
            None,
            _message("matching.unmatched"),
        )
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
