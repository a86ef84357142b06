"""Reading bank exports of e-Transfers and matching their lines to dossiers.

Pure module, so no database: these tests build `StatementLine` and `DossierFacts` directly or
parse CSV text, including the two sample files kept for the import's integration tests.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments.bankfile import GENERIC, read_statement
from payments.matching import (
    AmbiguousDate,
    DossierFacts,
    MatchedBy,
    Outcome,
    StatementError,
    StatementLine,
    find_candidate_numbers,
    match_line,
    match_statement,
    normalise_candidate_number,
    parse_amount,
    parse_date,
    parse_statement,
)
from tests.words import en, fr

SAMPLES = Path(__file__).parent / "samples"
HEADER = "date,amount,currency,sender_name,sender_email,reference_number,message"
FEE = Decimal("80.00")
TERMS = {"fee": FEE, "currency": "CAD", "prefix": "CA27"}


def csv_of(*rows: str, header: str = HEADER) -> str:
    return "\n".join((header, *rows)) + "\n"


def line(
    message: str = "",
    *,
    amount: str = "80.00",
    currency: str = "CAD",
    email: str = "someone@example.ca",
    reference: str = "CA0Ref00001",
    line_number: int = 2,
) -> StatementLine:
    return StatementLine(
        line_number=line_number,
        date=date(2026, 1, 15),
        amount=Decimal(amount),
        currency=currency,
        sender_name="Some One",
        sender_email=email,
        reference_number=reference,
        message=message,
    )


def dossier(
    number: str, *, email: str = "", reference: str | None = None, paid: bool = False
) -> DossierFacts:
    return DossierFacts(
        number=number,
        candidate_email=email or f"{number.lower()}@example.ca",
        declared_reference=reference,
        already_paid=paid,
    )


DOSSIERS = [dossier(f"CA27-{n:05d}") for n in range(40, 50)]


# --- candidate numbers in a memo ------------------------------------------------------------


@pytest.mark.parametrize(
    "memo",
    [
        "ca27-00042",
        "CA27 00042",
        "CA2700042",
        "CA27 - 00042",
        "c.a. 27_00042",
        "CA27-42",
        "00042",
        "TAPIF application fee CA27-00042",
        "Fee for dossier CA27-00042, thanks! Marie",
        "fee 00042 paid 2026-01-15, 80.00$",
        "TAPIF CA27-00042 CA27-00042",
    ],
)
def test_find_candidate_numbers_reads_memo_variants(memo):
    assert find_candidate_numbers(memo, "CA27") == ["CA27-00042"]


@pytest.mark.parametrize(
    "memo",
    [
        "",
        "Happy birthday!",
        "42",
        "fee 80.00",
        "0042",
        "000042x",
        "12345 and 00042",
        "CA26-00042",
        "CA26 00042",
        "call 514-555-1234",
    ],
)
def test_find_candidate_numbers_finds_nothing(memo):
    assert find_candidate_numbers(memo, "CA27") == []


def test_find_candidate_numbers_keeps_two_prefixed_numbers_in_order():
    memo = "TAPIF CA27-00043 and ca27 00042 for my sister"
    assert find_candidate_numbers(memo, "CA27") == ["CA27-00043", "CA27-00042"]


def test_find_candidate_numbers_prefers_prefixed_to_bare():
    assert find_candidate_numbers("CA27-00043 (old ref 00042)", "CA27") == ["CA27-00043"]


def test_find_candidate_numbers_ignores_an_amount_after_the_prefix():
    assert find_candidate_numbers("CA27 80.00 fee", "CA27") == []


def test_find_candidate_numbers_bare_beside_another_campaigns_number():
    assert find_candidate_numbers("CA26-00001 then 00042", "CA27") == ["CA27-00042"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ca27-00042", "CA27-00042"),
        ("  CA27 00042 ", "CA27-00042"),
        ("CA2700042", "CA27-00042"),
        ("00042", "CA27-00042"),
        ("42", None),
        ("CA26-00042", None),
        ("CA27-00042 CA27-00043", None),
        ("", None),
    ],
)
def test_normalise_candidate_number(text, expected):
    assert normalise_candidate_number(text, "CA27") == expected


separators = st.sampled_from(["", "-", " ", " - ", "  ", "_", ".", "\u00a0"])


@given(
    sequence=st.integers(min_value=1, max_value=99999),
    prefix_case=st.sampled_from(["CA27", "ca27", "Ca27", "cA27"]),
    separator=separators,
    padded=st.booleans(),
    before=st.sampled_from(["", "TAPIF application fee ", "Frais TAPIF: ", "("]),
    after=st.sampled_from(["", " thanks", ")", ", Marie", "."]),
)
def test_property_formatting_variations_normalise_to_one_number(
    sequence, prefix_case, separator, padded, before, after
):
    digits = f"{sequence:05d}" if padded else str(sequence)
    written = f"{prefix_case}{separator}{digits}"
    canonical = f"CA27-{sequence:05d}"
    assert normalise_candidate_number(written, "CA27") == canonical
    assert find_candidate_numbers(f"{before}{written}{after}", "CA27") == [canonical]


# --- matching one line ----------------------------------------------------------------------


def test_match_line_by_memo():
    result = match_line(line("TAPIF application fee ca27 00042"), DOSSIERS, **TERMS)
    assert (result.outcome, result.dossier_number, result.how) == (
        Outcome.MATCHED,
        "CA27-00042",
        MatchedBy.MEMO,
    )
    assert (
        en(result.explanation) == "Fee of dossier CA27-00042 received (its number is in the memo)."
    )
    assert fr(result.explanation) == (
        "Frais du dossier CA27-00042 reçus (son numéro figure dans le message)."
    )


def test_match_line_accepts_a_mapping_of_dossiers():
    by_number = {d.number: d for d in DOSSIERS}
    result = match_line(line("00042"), by_number, **TERMS)
    assert (result.outcome, result.dossier_number) == (Outcome.MATCHED, "CA27-00042")


def test_match_line_wrong_amount_names_the_dossier():
    result = match_line(line("CA27-00042", amount="75.00"), DOSSIERS, **TERMS)
    assert (result.outcome, result.dossier_number, result.how) == (
        Outcome.AMOUNT_MISMATCH,
        "CA27-00042",
        MatchedBy.MEMO,
    )
    assert en(result.explanation) == (
        "Dossier CA27-00042 (its number is in the memo): 75.00 CAD received, the fee is 80.00 CAD."
    )


def test_match_line_wrong_currency_is_an_amount_mismatch():
    result = match_line(line("CA27-00042", currency="USD"), DOSSIERS, **TERMS)
    assert (result.outcome, result.dossier_number) == (Outcome.AMOUNT_MISMATCH, "CA27-00042")


def test_match_line_already_paid_is_a_duplicate_to_refund():
    dossiers = [dossier("CA27-00042", paid=True)]
    result = match_line(line("CA27-00042"), dossiers, **TERMS)
    assert (result.outcome, result.dossier_number) == (Outcome.DUPLICATE, "CA27-00042")
    assert "refund" in en(result.explanation)
    assert "rembourser" in fr(result.explanation)


def test_match_line_wrong_amount_on_a_paid_dossier_is_an_amount_mismatch():
    dossiers = [dossier("CA27-00042", paid=True)]
    result = match_line(line("CA27-00042", amount="75.00"), dossiers, **TERMS)
    assert result.outcome == Outcome.AMOUNT_MISMATCH


def test_match_line_unknown_memo_is_unmatched():
    result = match_line(line("Happy birthday!"), DOSSIERS, **TERMS)
    assert (result.outcome, result.dossier_number, result.how) == (Outcome.UNMATCHED, None, None)
    assert en(result.explanation).startswith("No dossier recognised")
    assert fr(result.explanation).startswith("Aucun dossier reconnu")


def test_match_line_number_of_no_dossier_is_unmatched():
    result = match_line(line("CA27-00999"), DOSSIERS, **TERMS)
    assert result.outcome == Outcome.UNMATCHED


def test_match_line_falls_back_to_the_declared_reference():
    dossiers = [*DOSSIERS, dossier("CA27-00060", reference="ca8lkj 3hgf4d")]
    result = match_line(line("application fee", reference="CA8LkJ3hGf4D"), dossiers, **TERMS)
    assert (result.outcome, result.dossier_number, result.how) == (
        Outcome.MATCHED,
        "CA27-00060",
        MatchedBy.REFERENCE,
    )


def test_match_line_falls_back_to_the_senders_email():
    dossiers = [*DOSSIERS, dossier("CA27-00060", email="Alex.Martin@example.org")]
    result = match_line(line("", email="alex.martin@example.org"), dossiers, **TERMS)
    assert (result.outcome, result.dossier_number, result.how) == (
        Outcome.MATCHED,
        "CA27-00060",
        MatchedBy.EMAIL,
    )


def test_match_line_memo_wins_over_reference_and_email():
    dossiers = [
        dossier("CA27-00042"),
        dossier("CA27-00043", email="payer@example.ca", reference="CA0Ref00001"),
    ]
    result = match_line(line("CA27-00042", email="payer@example.ca"), dossiers, **TERMS)
    assert (result.dossier_number, result.how) == ("CA27-00042", MatchedBy.MEMO)


def test_match_line_reference_wins_over_email():
    dossiers = [
        dossier("CA27-00042", reference="CA0Ref00001"),
        dossier("CA27-00043", email="payer@example.ca"),
    ]
    result = match_line(line("", email="payer@example.ca"), dossiers, **TERMS)
    assert (result.dossier_number, result.how) == ("CA27-00042", MatchedBy.REFERENCE)


def test_match_line_two_known_numbers_in_memo_decide_nothing():
    result = match_line(line("CA27-00042 and CA27-00043", email="x@example.ca"), DOSSIERS, **TERMS)
    assert result.outcome == Outcome.UNMATCHED


def test_match_line_two_numbers_one_known_takes_the_known_one():
    result = match_line(line("CA27-00042 and CA27-00999"), DOSSIERS, **TERMS)
    assert (result.outcome, result.dossier_number) == (Outcome.MATCHED, "CA27-00042")


def test_match_line_two_numbers_then_email_decides():
    dossiers = [*DOSSIERS[:3], dossier("CA27-00043", email="payer@example.ca")]
    result = match_line(line("CA27-00042 CA27-00043", email="payer@example.ca"), dossiers, **TERMS)
    assert (result.dossier_number, result.how) == ("CA27-00043", MatchedBy.EMAIL)


def test_match_line_email_shared_by_two_dossiers_decides_nothing():
    dossiers = [
        dossier("CA27-00042", email="family@example.ca"),
        dossier("CA27-00043", email="family@example.ca"),
    ]
    result = match_line(line("", email="family@example.ca"), dossiers, **TERMS)
    assert result.outcome == Outcome.UNMATCHED


def test_match_line_empty_sender_email_matches_no_empty_candidate_email():
    dossiers = [DossierFacts("CA27-00042", "", None, already_paid=False)]
    assert match_line(line("", email=""), dossiers, **TERMS).outcome == Outcome.UNMATCHED


# --- matching a statement -------------------------------------------------------------------


def test_match_statement_two_payments_for_one_dossier():
    lines = [line("CA27-00042", line_number=2), line("ca27 00042", line_number=3)]
    outcomes = [r.outcome for r in match_statement(lines, DOSSIERS, **TERMS)]
    assert outcomes == [Outcome.MATCHED, Outcome.DUPLICATE]


def test_match_statement_mismatch_then_good_payment_is_matched():
    lines = [line("CA27-00042", amount="75.00"), line("CA27-00042")]
    outcomes = [r.outcome for r in match_statement(lines, DOSSIERS, **TERMS)]
    assert outcomes == [Outcome.AMOUNT_MISMATCH, Outcome.MATCHED]


def test_match_statement_does_not_change_the_callers_dossiers():
    by_number = {d.number: d for d in DOSSIERS}
    match_statement([line("CA27-00042")], by_number, **TERMS)
    assert by_number["CA27-00042"].already_paid is False


@given(
    payments=st.lists(
        st.tuples(
            st.integers(min_value=40, max_value=52),
            st.sampled_from(["80.00", "75.00"]),
            st.sampled_from(["CAD", "USD"]),
        ),
        max_size=25,
    ),
    paid=st.sets(st.integers(min_value=40, max_value=49)),
)
def test_property_match_statement_never_matches_one_dossier_twice(payments, paid):
    dossiers = [dossier(f"CA27-{n:05d}", paid=n in paid) for n in range(40, 50)]
    lines = [
        line(f"CA27-{n:05d}", amount=amount, currency=currency, line_number=i + 2)
        for i, (n, amount, currency) in enumerate(payments)
    ]
    results = match_statement(lines, dossiers, **TERMS)
    matched = [r.dossier_number for r in results if r.outcome == Outcome.MATCHED]
    assert len(matched) == len(set(matched))
    assert not set(matched) & {f"CA27-{n:05d}" for n in paid}
    for result in results:
        assert (result.dossier_number is None) == (result.outcome == Outcome.UNMATCHED)


# --- reading the CSV ------------------------------------------------------------------------


def test_parse_statement_reads_a_line():
    text = csv_of(
        "2026-01-15,80.00,cad, Marie Tremblay ,Marie.Tremblay@Example.ca, CA7Kp2Rt9Xq1 ,fee"
    )
    assert parse_statement(text) == [
        StatementLine(
            line_number=2,
            date=date(2026, 1, 15),
            amount=Decimal("80.00"),
            currency="CAD",
            sender_name="Marie Tremblay",
            sender_email="marie.tremblay@example.ca",
            reference_number="CA7Kp2Rt9Xq1",
            message="fee",
        )
    ]


@pytest.mark.parametrize(
    "text",
    ["80", "80.00", "80,00", "80.00 $", "$80.00", "80,00 $", "80,00\u00a0$", "CAD 80.00", "80 CAD"],
)
def test_parse_amount_accepts_the_banks_formats(text):
    assert parse_amount(text) == Decimal("80.00")
    assert str(parse_amount(text)) == "80.00"


@pytest.mark.parametrize(
    "text",
    [
        "eighty",
        "",
        "80.0",
        "80.000",
        "-80.00",
        "0",
        "1,000",
        "80.00.00",
        "1,0000.00",
        "$80.00 $",
        "€80",
        "8O",
    ],
)
def test_parse_amount_refuses_anything_else(text):
    with pytest.raises(ValueError, match=r"^not an amount"):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-15", date(2026, 1, 15)),
        ("2026/01/15", date(2026, 1, 15)),
        ("15/01/2026", date(2026, 1, 15)),
        ("01/15/2026", date(2026, 1, 15)),
        ("15-01-2026", date(2026, 1, 15)),
        ("05/05/2026", date(2026, 5, 5)),
        (" 2026-1-5 ", date(2026, 1, 5)),
    ],
)
def test_parse_date_accepts_iso_and_dates_that_read_one_way(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["15/01/26", "2026-02-30", "31/04/2026", "13/13/2026", "Jan 15 2026", ""]
)
def test_parse_date_refuses_invalid(text):
    with pytest.raises(ValueError, match=r"^not a date"):
        parse_date(text)


def test_parse_date_never_guesses_an_ambiguous_date():
    with pytest.raises(AmbiguousDate):
        parse_date("12/01/2026")
    assert parse_date("12/01/2026", "DMY") == date(2026, 1, 12)
    assert parse_date("12/01/2026", "MDY") == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1,080.00", "1080.00"), ("1 080,00 $", "1080.00"), ("1.080,00", "1080.00")],
)
def test_parse_amount_reads_thousands_separators(text, expected):
    assert parse_amount(text) == Decimal(expected)


def test_parse_statement_missing_column_is_reported_once_for_the_header():
    text = "date,amount,currency,sender_name,sender_email,message\n2026-01-15,80,CAD,A,a@b.c,fee\n"
    with pytest.raises(StatementError) as caught:
        parse_statement(text)
    error = caught.value
    assert (error.line_number, error.column) == (1, "reference_number")
    assert "reference_number" in en(error.message)
    assert "numero_reference" in fr(error.message)
    assert str(error).startswith("line 1, column reference_number: ")
    assert f"{error.where}: {en(error.message)}".startswith(
        "line 1, column reference_number: Missing column"
    )


def test_parse_statement_bad_amount_names_its_line():
    text = csv_of(
        "2026-01-15,80.00,CAD,A,a@example.ca,R1,fee",
        "",
        "2026-01-16,eighty,CAD,B,b@example.ca,R2,fee",
    )
    with pytest.raises(StatementError) as caught:
        parse_statement(text)
    assert (caught.value.line_number, caught.value.column) == (4, "amount")
    assert "“eighty” is not an amount" in en(caught.value.message)
    assert "« eighty » n’est pas un montant" in fr(caught.value.message)


def test_parse_statement_line_numbers_are_physical_after_a_multiline_memo():
    text = csv_of(
        '2026-01-15,80.00,CAD,A,a@example.ca,R1,"fee\nCA27-00042"',
        "2026-01-16,80.00,CAD,B,b@example.ca,R2,fee",
        "2026-13-16,80.00,CAD,C,c@example.ca,R3,fee",
    )
    with pytest.raises(StatementError) as caught:
        parse_statement(text)
    assert (caught.value.line_number, caught.value.column) == (5, "date")


def test_parse_statement_accepts_quoted_comma_amounts():
    text = csv_of('2026-01-15,"80,00",CAD,A,a@example.ca,R1,fee', "2026-01-15,80.00 $,CAD,B,,R2,")
    assert [(s.amount, s.sender_email, s.message) for s in parse_statement(text)] == [
        (Decimal("80.00"), "a@example.ca", "fee"),
        (Decimal("80.00"), "", ""),
    ]


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("2026-01-15,80.00,,A,a@example.ca,R1,fee", "currency"),
        ("2026-01-15,80.00,CAD,A,a@example.ca,,fee", "reference_number"),
        ("2026-01-15,80.00,CA,A,a@example.ca,R1,fee", "currency"),
        ("2026-01-15,CAD 80.00,USD,A,a@example.ca,R1,fee", "currency"),
        (",80.00,CAD,A,a@example.ca,R1,fee", "date"),
        ("2026-15-01,80.00,CAD,A,a@example.ca,R1,fee", "date"),
    ],
)
def test_parse_statement_refuses_a_bad_value(row, column):
    with pytest.raises(StatementError) as caught:
        parse_statement(csv_of(row))
    assert (caught.value.line_number, caught.value.column) == (2, column)


def test_parse_statement_refuses_a_short_row():
    with pytest.raises(StatementError) as caught:
        parse_statement(csv_of("2026-01-15,80.00,CAD"))
    assert (caught.value.line_number, caught.value.column) == (2, None)
    assert en(caught.value.message) == "Expected 7 fields like the header, found 3."


@pytest.mark.parametrize("text", ["", "\ufeff", "\n\n"])
def test_parse_statement_refuses_an_empty_file(text):
    with pytest.raises(StatementError) as caught:
        parse_statement(text)
    assert caught.value.line_number == 1


def test_parse_statement_refuses_a_column_given_twice():
    header = HEADER + ",montant"
    with pytest.raises(StatementError) as caught:
        parse_statement(csv_of(header=header))
    assert (caught.value.line_number, caught.value.column) == (1, "amount")


def test_parse_statement_header_any_order_case_spaces_and_extra_columns():
    header = " Message ,REFERENCE_NUMBER,Sender Email,sender_name,Balance,Currency,Amount,DATE"
    text = csv_of("fee CA27-00042,R1,a@example.ca,A,1000.00,CAD,80.00,2026-01-15", header=header)
    [parsed] = parse_statement(text)
    assert (parsed.message, parsed.reference_number, parsed.amount, parsed.date) == (
        "fee CA27-00042",
        "R1",
        Decimal("80.00"),
        date(2026, 1, 15),
    )


def test_parse_statement_french_header_with_bom_and_semicolons():
    text = (
        "\ufeffdate;montant;devise;nom_expediteur;courriel_expediteur;numero_reference;message\r\n"
        "15/01/2026;80,00 $;CAD;Élodie Bérubé;elodie@exemple.ca;R1;Frais TAPIF CA27-00050\r\n"
    )
    [parsed] = parse_statement(text)
    assert (parsed.line_number, parsed.date, parsed.amount, parsed.sender_name) == (
        2,
        date(2026, 1, 15),
        Decimal("80.00"),
        "Élodie Bérubé",
    )


def test_parse_statement_english_header_with_bom():
    text = "\ufeff" + csv_of("2026-01-15,80.00,CAD,A,a@example.ca,R1,fee")
    assert [s.reference_number for s in parse_statement(text)] == ["R1"]


def test_same_line_twice_gives_the_same_fingerprint():
    row = "2026-01-15,80.00,CAD,A,a@example.ca,CA7Kp2Rt9Xq1,fee"
    first, second = parse_statement(csv_of(row, row))
    assert first.line_number != second.line_number
    assert first.fingerprint == second.fingerprint
    assert len(first.fingerprint) == 64


def test_fingerprint_ignores_formatting_but_not_the_payment():
    english = csv_of("2026-01-15,80.00,CAD,A,A@Example.ca,ca7kp2 rt9xq1,fee")
    french = (
        "date;montant;devise;nom_expediteur;courriel_expediteur;numero_reference;message\n"
        "15/01/2026;80,00 $;cad;Autre nom;a@example.ca;CA7KP2RT9XQ1;autre message\n"
    )
    other_day = csv_of("2026-01-16,80.00,CAD,A,a@example.ca,CA7KP2RT9XQ1,fee")
    [en], [fr], [other] = (parse_statement(t) for t in (english, french, other_day))
    assert en.fingerprint == fr.fingerprint != other.fingerprint


amounts = st.sampled_from(["80", "80.00", "80,00", "80.00 $", "$80.00", "80,00 $", "CAD 80.00"])
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@given(
    when=dates,
    amount=amounts,
    style=st.sampled_from(["iso", "slash", "day_first", "month_first"]),
)
def test_property_any_accepted_format_reads_the_same_payment(when, amount, style):
    written, order = {
        "iso": (when.isoformat(), ""),
        "slash": (when.strftime("%Y/%m/%d"), ""),
        "day_first": (when.strftime("%d/%m/%Y"), "DMY"),
        "month_first": (when.strftime("%m/%d/%Y"), "MDY"),
    }[style]
    text = csv_of(f'{written},"{amount}",CAD,A,a@example.ca,R1,fee')
    [parsed] = read_statement(text, layout=replace(GENERIC, date_order=order)).lines
    [reference] = parse_statement(csv_of(f"{when.isoformat()},80.00,CAD,A,a@example.ca,R1,fee"))
    assert (parsed.date, parsed.amount) == (when, Decimal("80.00"))
    assert parsed.fingerprint == reference.fingerprint


# --- the sample files -----------------------------------------------------------------------

SAMPLE_DOSSIERS = [
    dossier("CA27-00042", email="marie.tremblay@example.ca"),
    dossier("CA27-00043"),
    dossier("CA27-00044"),
    dossier("CA27-00045", reference="CA8LKJ3HGF4D"),
    dossier("CA27-00046", email="alex.martin@example.org"),
    dossier("CA27-00047"),
    dossier("CA27-00048", paid=True),
    dossier("CA27-00049"),
    dossier("CA27-00050"),
    dossier("CA27-00051"),
    dossier("CA27-00052"),
    dossier("CA27-00053", email="camille.roy@exemple.ca"),
]


def read_sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def test_sample_en_parses_and_matches_exactly():
    lines = parse_statement(read_sample("etransfers_en.csv"))
    assert [(s.line_number, s.date, s.amount, s.currency) for s in lines] == [
        (2, date(2026, 1, 15), Decimal("80.00"), "CAD"),
        (3, date(2026, 1, 15), Decimal("80.00"), "CAD"),
        (4, date(2026, 1, 16), Decimal("75.00"), "CAD"),
        (5, date(2026, 1, 16), Decimal("80.00"), "CAD"),
        (6, date(2026, 1, 17), Decimal("80.00"), "CAD"),
        (7, date(2026, 1, 17), Decimal("80.00"), "CAD"),
        (8, date(2026, 1, 18), Decimal("80.00"), "CAD"),
        (9, date(2026, 1, 18), Decimal("80.00"), "CAD"),
        (10, date(2026, 1, 19), Decimal("80.00"), "CAD"),
        (11, date(2026, 1, 20), Decimal("80.00"), "USD"),
    ]
    assert lines[0].sender_email == "marie.tremblay@example.ca"
    assert lines[3].message == "TAPIF application fee CA27-00042, sent twice by mistake"
    results = match_statement(lines, SAMPLE_DOSSIERS, **TERMS)
    assert [(r.line.line_number, r.outcome, r.dossier_number, r.how) for r in results] == [
        (2, Outcome.MATCHED, "CA27-00042", MatchedBy.MEMO),
        (3, Outcome.MATCHED, "CA27-00043", MatchedBy.MEMO),
        (4, Outcome.AMOUNT_MISMATCH, "CA27-00044", MatchedBy.MEMO),
        (5, Outcome.DUPLICATE, "CA27-00042", MatchedBy.MEMO),
        (6, Outcome.UNMATCHED, None, None),
        (7, Outcome.MATCHED, "CA27-00045", MatchedBy.REFERENCE),
        (8, Outcome.MATCHED, "CA27-00046", MatchedBy.EMAIL),
        (9, Outcome.MATCHED, "CA27-00047", MatchedBy.MEMO),
        (10, Outcome.DUPLICATE, "CA27-00048", MatchedBy.MEMO),
        (11, Outcome.AMOUNT_MISMATCH, "CA27-00049", MatchedBy.MEMO),
    ]
    assert len({s.fingerprint for s in lines}) == len(lines)


def test_sample_fr_parses_and_matches_exactly():
    text = read_sample("etransfers_fr.csv")
    assert text.startswith("\ufeffDate;Montant;")
    lines = parse_statement(text)
    assert [(s.line_number, s.date, s.amount, s.currency, s.sender_name) for s in lines] == [
        (2, date(2026, 1, 15), Decimal("80.00"), "CAD", "Élodie Bérubé"),
        (3, date(2026, 1, 16), Decimal("80.00"), "CAD", "Jean-François Côté"),
        (4, date(2026, 2, 2), Decimal("75.00"), "CAD", "Chloé Gagnon"),
        (5, date(2026, 2, 3), Decimal("80.00"), "CAD", "Mathieu Lévesque"),
        (6, date(2026, 2, 4), Decimal("80.00"), "CAD", "Camille Roy"),
    ]
    results = match_statement(lines, SAMPLE_DOSSIERS, **TERMS)
    assert [(r.outcome, r.dossier_number, r.how) for r in results] == [
        (Outcome.MATCHED, "CA27-00050", MatchedBy.MEMO),
        (Outcome.MATCHED, "CA27-00051", MatchedBy.MEMO),
        (Outcome.AMOUNT_MISMATCH, "CA27-00052", MatchedBy.MEMO),
        (Outcome.UNMATCHED, None, None),
        (Outcome.MATCHED, "CA27-00053", MatchedBy.EMAIL),
    ]


def test_sample_en_imported_twice_gives_the_same_fingerprints():
    text = read_sample("etransfers_en.csv")
    assert [s.fingerprint for s in parse_statement(text)] == [
        s.fingerprint for s in parse_statement(text)
    ]


# --- a digit missing, no memo column, suggestions ---------------------------------------------


def named(number: str, name: str, **declared) -> DossierFacts:
    return DossierFacts(
        number=number,
        candidate_email=f"{number.lower()}@example.ca",
        declared_reference=declared.pop("reference", None),
        already_paid=False,
        candidate_name=name,
        **declared,
    )


def test_a_number_with_a_digit_missing_is_only_a_suggestion():
    dossiers = [named("CA28-00004", "Marie Tremblay"), named("CA28-00040", "Liam Obrien")]
    result = match_line(line("TAPIF ca28-0004"), dossiers, fee=FEE, currency="CAD", prefix="CA28")
    assert (result.outcome, result.dossier_number, result.how) == (
        Outcome.SUGGESTED,
        "CA28-00004",
        MatchedBy.MEMO,
    )
    assert "digit missing" in en(result.explanation)


def test_a_number_with_a_digit_missing_matches_when_the_name_agrees():
    dossiers = [named("CA28-00004", "Marie Tremblay")]
    agreeing = replace(line("TAPIF ca28-0004"), sender_name="TREMBLAY MARIE")
    result = match_line(agreeing, dossiers, fee=FEE, currency="CAD", prefix="CA28")
    assert (result.outcome, result.dossier_number) == (Outcome.MATCHED, "CA28-00004")


def test_the_declared_reference_is_found_anywhere_in_a_description():
    dossiers = [named("CA27-00043", "Liam Obrien", reference="C1AbCdEfGh23")]
    text = "e-Transfer - Autodeposit LIAM OBRIEN C1AbCdEfGh23"
    result = match_line(line(text, reference=""), dossiers, **TERMS)
    assert (result.outcome, result.how) == (Outcome.MATCHED, MatchedBy.REFERENCE)


def test_sender_amount_and_date_of_a_declaration_make_a_suggestion():
    declared = {
        "declared_sender": "Priya Patel",
        "declared_amount": FEE,
        "declared_on": date(2026, 1, 14),
    }
    dossiers = [named("CA27-00045", "Priya P.", **declared)]
    result = match_line(
        replace(
            line("INTERAC E-TRANSFER RECEIVED PRIYA PATEL", reference=""), sender_name="PRIYA PATEL"
        ),
        dossiers,
        **TERMS,
    )
    assert (result.outcome, result.dossier_number, result.how) == (
        Outcome.SUGGESTED,
        "CA27-00045",
        MatchedBy.NAME,
    )
    late = replace(line(""), sender_name="Priya Patel", date=date(2026, 2, 20))
    assert match_line(late, dossiers, **TERMS).outcome is Outcome.UNMATCHED
