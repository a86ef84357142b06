"""Reading a bank export, whatever the bank: its encoding, separators, header and dates.

Pure Python on purpose (no Django import), like `payments.matching`, which it feeds with
`StatementLine`s. A `Layout` says where each fact sits in a bank's CSV (an import profile, kept
in the database and edited in the admin, is read into one); `read_statement` reads a file with
the layout given or the one its header is recognised by:

- encoding: UTF-8 with or without a byte-order mark, else Windows-1252 (French exports), unless
  the layout names one;
- delimiter: the most frequent of `,` `;` tab `|` outside quotes in the header line; fields may
  be quoted (a quoted memo may hold commas and line breaks);
- columns: each of the layout's facts is one header name (several accepted names, for a header
  in English or in French); the `description` is every one of its columns joined (`Description
  1` + `Description 2`), searched for the sender, the Interac reference and the candidate number
  when the file has no such column;
- amounts: one signed `amount` column (negative, `(80.00)` or `80.00-` is money that left the
  account) or `credit` and `debit` columns; only credits are read as fees, debits are counted
  and skipped. Separators are the layout's, else read from each amount (`1,080.00`,
  `1 080,00`; a bare `1,080` is refused as ambiguous);
- dates: ISO always; with the year last, in the layout's order (`DMY`/`MDY`), else in the order
  the file itself proves (a day above 12): a file whose dates read both ways (`12/01/2026` and
  nothing above 12) is refused, never guessed.

A file that cannot be read at all (encoding, empty, header, unknown layout, dates in no known
order) raises `StatementError`; `UnknownLayout`, one of them, carries the header and first rows
so that staff can map the columns. Otherwise every problem of every line is listed at once
(`Reading.problems`: line, column, code and parameters), beside the lines that could be read.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from payments.matching import (
    COLUMNS,
    FRENCH_COLUMNS,
    AmbiguousDate,
    StatementError,
    StatementLine,
    parse_date,
    parse_signed_amount,
    year_last_parts,
)

#: The facts a layout may locate, in the order the mapping form shows them.
FIELDS = (
    "date",
    "amount",
    "credit",
    "debit",
    "currency",
    "sender_name",
    "sender_email",
    "reference_number",
    "message",
    "description",
)
#: Facts a line cannot go without, once the layout has their column.
REQUIRED_IF_MAPPED = ("date", "currency", "reference_number")
DELIMITERS = (",", ";", "\t", "|")
ENCODINGS = ("utf-8", "cp1252")
PREVIEW_ROWS = 5


def header_key(cell: str) -> str:
    """A header cell compared without case or surrounding spaces; inner spaces count as `_`
    (`Sender Email` is `sender_email`)."""
    return re.sub(r"\s+", "_", cell.strip().lower())


@dataclass(frozen=True)
class Layout:
    """Where a bank puts each fact of a line (an import profile, as the reader sees it).

    `columns` maps a fact of FIELDS to the header names it may have: any one of them for a fact,
    every one of them (joined by a space) for `description`. `date_order` is `DMY`, `MDY`,
    `YMD` or '' (read from the file); separators '' (read from each amount); `encoding` ''
    (detected); `currency` the one of a file without a currency column.
    """

    name: str
    columns: Mapping[str, Sequence[str]]
    date_order: str = ""
    decimal_separator: str = ""
    thousands_separator: str = ""
    encoding: str = ""
    currency: str = "CAD"
    #: The normalised header of the file the layout was made from (`a|b|c`), if any.
    signature: str = ""

    def names(self, fact: str) -> tuple[str, ...]:
        return tuple(header_key(name) for name in self.columns.get(fact, ()) if name.strip())

    def fits(self, header: Sequence[str]) -> bool:
        """Whether a file with this header can be read with this layout."""
        return not self.missing(header)

    def missing(self, header: Sequence[str]) -> list[str]:
        """The facts whose column the header lacks (a fact's names are alternatives; the
        description's are all needed)."""
        keys = {header_key(cell) for cell in header}
        missing = [
            fact
            for fact in FIELDS
            if fact != "description" and self.names(fact) and not keys & set(self.names(fact))
        ]
        missing += [name for name in self.names("description") if name not in keys]
        return missing

    def problems(self) -> list[str]:
        """What makes the layout unusable, as codes (for the profile's form)."""
        found = []
        if not self.names("date"):
            found.append("layout.no_date")
        if not self.names("amount") and not self.names("credit"):
            found.append("layout.no_amount")
        if self.names("amount") and (self.names("credit") or self.names("debit")):
            found.append("layout.amount_and_credit")
        if self.date_order not in ("", "DMY", "MDY", "YMD"):
            found.append("layout.date_order")
        if self.decimal_separator and self.decimal_separator == self.thousands_separator:
            found.append("layout.separators")
        return found

    @property
    def specificity(self) -> int:
        return sum(len(self.names(fact)) > 0 for fact in FIELDS) + len(self.names("description"))


#: The generic e-Transfer layout (docs/payments.md): the English or French column names, dates
#: and separators read from the file. Shipped as an import profile (data migration).
GENERIC = Layout(
    name="e-Transfer (generic)",
    columns={
        fact: (fact, *(french for french, english in FRENCH_COLUMNS.items() if english == fact))
        for fact in COLUMNS
    }
    | {"amount": ("amount", "montant"), "message": ("message",)},
)

#: Account-activity exports (`"Transaction Date","Description 1","Description 2","CAD$"`…):
#: month-first dates, one signed amount in Canadian dollars, the sender, the reference and the
#: memo inside the descriptions. Shipped as an import profile (data migration).
ACTIVITY = Layout(
    name="Account activity (CAD$)",
    columns={
        "date": ("Transaction Date",),
        "amount": ("CAD$",),
        "description": ("Description 1", "Description 2"),
    },
    date_order="MDY",
    decimal_separator=".",
    thousands_separator=",",
    currency="CAD",
)


def detect_layout(header: Sequence[str], layouts: Sequence[Layout]) -> Layout | None:
    """The layout made from this very header, else the one the header fits that locates the
    most facts (the generic layout fits fewer headers than a bank's own)."""
    signature = "|".join(header_key(cell) for cell in header)
    for layout in layouts:
        if layout.signature and layout.signature == signature and layout.fits(header):
            return layout
    fitting = [layout for layout in layouts if layout.fits(header)]
    return max(fitting, key=lambda layout: layout.specificity, default=None)


# ---------------------------------------------------------------------------------------------
# Bytes to rows
# ---------------------------------------------------------------------------------------------


def decode(data: bytes | str, encoding: str = "") -> tuple[str, str]:
    """The text and the encoding it was read with: the one given, else UTF-8 (a byte-order mark
    dropped), else Windows-1252."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), "utf-8"
    tried = [encoding] if encoding else list(ENCODINGS)
    for name in tried:
        try:
            text = data.decode("utf-8-sig" if name.lower().replace("_", "-") == "utf-8" else name)
        except (UnicodeDecodeError, LookupError):
            continue
        return text.removeprefix("\ufeff"), name
    raise StatementError(1, None, "matching.encoding", {"encoding": encoding or "UTF-8"})


def sniff_delimiter(first_line: str) -> str:
    """The delimiter used most often outside quotes in the header line (`,` when none is)."""
    outside = re.sub(r'"[^"]*"', "", first_line)
    counts = Counter({delimiter: outside.count(delimiter) for delimiter in DELIMITERS})
    delimiter, count = counts.most_common(1)[0]
    return delimiter if count else ","


@dataclass(frozen=True)
class Rows:
    """A file as rows: the header, then (physical line number, cells) for each other row."""

    encoding: str
    delimiter: str
    header: list[str]
    rows: list[tuple[int, list[str]]]


def read_rows(data: bytes | str, encoding: str = "") -> Rows:
    text, used = decode(data, encoding)
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows = []
    next_start = 1
    try:
        for cells in reader:
            line_number, next_start = next_start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = cells
                continue
            rows.append((line_number, cells))
    except csv.Error:
        raise StatementError(next_start, None, "matching.quotes") from None
    if header is None:
        raise StatementError(1, None, "matching.empty")
    return Rows(encoding=used, delimiter=delimiter, header=header, rows=rows)


class UnknownLayout(StatementError):
    """No layout fits the file's header: staff map its columns (the header and the first rows
    are kept to show beside the mapping form)."""

    def __init__(self, rows: Rows, layouts: Sequence[Layout] = ()) -> None:
        self.rows = rows
        closest = min(layouts, key=lambda layout: len(layout.missing(rows.header)), default=None)
        params: dict[str, Any] = {"header": rows.header}
        column = None
        if closest is not None:
            params |= {"closest": closest.name, "columns": closest.missing(rows.header)}
            column = ", ".join(params["columns"])
        super().__init__(1, column, "matching.unknown_layout", params)

    @property
    def preview(self) -> list[list[str]]:
        return [cells for _line, cells in self.rows.rows[:PREVIEW_ROWS]]


# ---------------------------------------------------------------------------------------------
# Rows to lines
# ---------------------------------------------------------------------------------------------


@dataclass
class Reading:
    """What a file gave: its lines (credits, in file order), every problem of the lines that
    could not be read, and the debits skipped."""

    layout: Layout
    encoding: str
    delimiter: str
    date_order: str
    lines: list[StatementLine] = field(default_factory=list)
    problems: list[StatementError] = field(default_factory=list)
    debits: list[int] = field(default_factory=list)

    @property
    def unreadable(self) -> list[int]:
        return sorted({problem.line_number for problem in self.problems})


def _positions(layout: Layout, header: list[str]) -> dict[str, list[int]]:
    keys = [header_key(cell) for cell in header]
    positions: dict[str, list[int]] = {}
    for fact in FIELDS:
        names = layout.names(fact)
        if not names:
            continue
        if fact == "description":
            positions[fact] = [keys.index(name) for name in names if name in keys]
            continue
        found = [index for index, key in enumerate(keys) if key in names]
        if len(found) > 1:
            raise StatementError(1, fact, "matching.column_twice", {"column": fact})
        if found:
            positions[fact] = found
    missing = layout.missing(header)
    if missing:
        raise StatementError(
            1, ", ".join(missing), "matching.columns_missing", {"columns": missing}
        )
    return positions


def _date_order(layout: Layout, rows: Rows, positions: dict[str, list[int]]) -> str:
    """The layout's date order, else the one the file's dates prove; StatementError when they
    prove both, or could be read both ways."""
    if layout.date_order:
        return layout.date_order
    column = positions["date"][0]
    day_first = month_first = None
    ambiguous = None
    for line_number, cells in rows.rows:
        parts = year_last_parts(cells[column]) if column < len(cells) else None
        if parts is None:
            continue
        first, second = parts
        if first > 12 >= second:
            day_first = day_first or (line_number, cells[column].strip())
        elif second > 12 >= first:
            month_first = month_first or (line_number, cells[column].strip())
        elif first != second:
            ambiguous = ambiguous or (line_number, cells[column].strip())
    if day_first and month_first:
        raise StatementError(
            month_first[0],
            "date",
            "matching.dates_both_orders",
            {"day_first": day_first[1], "month_first": month_first[1]},
        )
    if day_first:
        return "DMY"
    if month_first:
        return "MDY"
    if ambiguous:
        raise StatementError(
            ambiguous[0], "date", "matching.dates_ambiguous", {"value": ambiguous[1]}
        )
    return ""


#: Interac reference numbers: 8 to 20 letters and digits, both kinds, and not a candidate
#: number (letters then digits only, `CA2700042`).
_REFERENCE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{8,20}(?![A-Za-z0-9])")
_LETTERS_THEN_DIGITS = re.compile(r"^[A-Za-z]{1,4}\d+$")
#: Words a bank writes around an e-Transfer, never a sender's name.
_NOISE = frozenset(
    {
        *("interac", "e-transfer", "etransfer", "e-transfert", "transfert", "transfer"),
        *("virement", "virmt", "received", "recu", "reçu", "autodeposit", "auto-deposit"),
        *("depot", "dépôt", "automatique", "from", "de", "du", "par", "by", "payment"),
        *("paiement", "money", "deposit", "email", "courriel", "tapif", "fee", "frais"),
        *("application", "inscription", "d'inscription", "candidate", "candidat", "number"),
        *("numero", "numéro", "sent", "envoye", "envoyé", "e-tfr", "etfr", "rcvd", "send"),
        *("msg", "message", "memo", "ref", "reference", "référence", "and", "et", "the"),
        *("le", "la", "les", "for", "pour"),
    }
)


def find_reference(text: str) -> str:
    """The first Interac-reference-looking word of a description (`CA7Kp2Rt9Xq1`), or ''."""
    for found in _REFERENCE.finditer(text):
        word = found[0]
        letters = sum(char.isalpha() for char in word)
        digits = sum(char.isdigit() for char in word)
        if letters >= 2 and digits >= 2 and not _LETTERS_THEN_DIGITS.match(word):
            return word
    return ""


def find_sender(text: str) -> str:
    """A sender's name in a description: its words once the bank's own words, numbers and
    references are set aside (`INTERAC e-Transfer received MARIE TREMBLAY CA7Kp2Rt9Xq1` gives
    `MARIE TREMBLAY`). Only ever used for a suggestion, never for a match."""
    words = []
    for word in re.split(r"[\s,;:/|]+", text):
        bare = word.strip(".-_()[]#*'\"")
        if not bare or bare.lower() in _NOISE or any(char.isdigit() for char in bare):
            continue
        if not all(char.isalpha() or char in "-'’." for char in bare):
            continue
        words.append(bare)
    return " ".join(words)


def _cell(cells: list[str], positions: dict[str, list[int]], fact: str) -> str:
    return " ".join(cells[i].strip() for i in positions.get(fact, []) if cells[i].strip())


def read_statement(
    data: bytes | str,
    layouts: Sequence[Layout] = (),
    *,
    layout: Layout | None = None,
) -> Reading:
    """Read a bank export with `layout`, or the one of `layouts` its header fits (rules in the
    module docstring). Raises StatementError for a file that cannot be read at all
    (UnknownLayout when no layout fits); lists every line's problems otherwise."""
    rows = read_rows(data, layout.encoding if layout else "")
    if layout is None:
        layout = detect_layout(rows.header, layouts)
        if layout is None:
            raise UnknownLayout(rows, layouts)
        if layout.encoding and layout.encoding != rows.encoding:
            rows = read_rows(data, layout.encoding)
    positions = _positions(layout, rows.header)
    order = _date_order(layout, rows, positions)
    reading = Reading(
        layout=layout, encoding=rows.encoding, delimiter=rows.delimiter, date_order=order
    )
    seen: Counter[tuple] = Counter()
    for line_number, cells in rows.rows:
        if len(cells) != len(rows.header):
            reading.problems.append(
                StatementError(
                    line_number,
                    None,
                    "matching.fields",
                    {"expected": len(rows.header), "found": len(cells)},
                )
            )
            continue
        line, problems, debit = _read_line(line_number, cells, positions, layout, order)
        if debit:
            reading.debits.append(line_number)
        elif problems:
            reading.problems.extend(problems)
        elif line is not None:
            key = (line.date, line.amount, line.sender_name, line.message, line.reference_number)
            seen[key] += 1
            if not line.reference_number:  # the same transfer twice in one file stays two
                line = _with_occurrence(line, seen[key])
            reading.lines.append(line)
    return reading


def _with_occurrence(line: StatementLine, occurrence: int) -> StatementLine:
    from dataclasses import replace

    return replace(line, occurrence=occurrence)


def _read_line(
    line_number: int,
    cells: list[str],
    positions: dict[str, list[int]],
    layout: Layout,
    order: str,
) -> tuple[StatementLine | None, list[StatementError], bool]:
    """(the line, its problems, whether it is a debit to skip)."""
    value = {fact: _cell(cells, positions, fact) for fact in positions}
    problems: list[StatementError] = []

    def problem(where: str | None, code: str, **params: Any) -> None:
        problems.append(StatementError(line_number, where, code, params))

    for column in REQUIRED_IF_MAPPED:
        if column in positions and not value[column]:
            problem(column, "matching.value_empty", column=column)
    when = None
    if value.get("date"):
        try:
            when = parse_date(value["date"], order)
        except AmbiguousDate:
            problem("date", "matching.date_ambiguous", value=value["date"])
        except ValueError:
            problem("date", "matching.date", value=value["date"])
    separators = {
        "decimal": layout.decimal_separator,
        "thousands": layout.thousands_separator,
    }
    amount: Decimal | None = None
    amount_text = ""
    if "amount" in positions:
        amount_text = value["amount"]
        if not amount_text:
            problem("amount", "matching.value_empty", column="amount")
        else:
            try:
                amount = parse_signed_amount(amount_text, **separators)
            except ValueError:
                problem("amount", "matching.amount", value=amount_text)
        if amount is not None and amount <= 0:
            return None, [], True
    else:
        amount_text = value.get("credit", "")
        if not amount_text:
            if value.get("debit"):
                return None, [], True
            problem("credit", "matching.no_amount")
        else:
            try:
                amount = parse_signed_amount(amount_text, **separators)
            except ValueError:
                problem("credit", "matching.amount", value=amount_text)
            if amount is not None and amount <= 0:
                return None, [], True
    currency = value.get("currency", "").upper() or layout.currency.upper()
    wrong_currency = not re.fullmatch(r"[A-Z]{3}", currency) or (
        "CAD" in amount_text.upper() and currency != "CAD"
    )
    if wrong_currency and value.get("currency"):
        problem("currency", "matching.currency", value=value["currency"])
    if problems or when is None or amount is None:
        return None, problems, False
    description = value.get("description", "")
    message = " ".join(part for part in (value.get("message", ""), description) if part)
    reference = value.get("reference_number", "") or find_reference(description)
    sender = value.get("sender_name", "") or find_sender(description)
    return (
        StatementLine(
            line_number=line_number,
            date=when,
            amount=amount,
            currency=currency,
            sender_name=sender,
            sender_email=value.get("sender_email", "").lower(),
            reference_number=reference,
            message=message,
        ),
        [],
        False,
    )
