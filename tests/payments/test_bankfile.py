"""Reading bank exports as Canadian banks make them (`payments.bankfile`, pure: no database):
account-activity headers, month-first dates, Windows-1252, thousands separators, debits, no
memo column, and every problem of a file listed at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from payments.bankfile import (
    ACTIVITY,
    GENERIC,
    Layout,
    UnknownLayout,
    detect_layout,
    find_reference,
    find_sender,
    read_statement,
    sniff_delimiter,
)
from payments.matching import StatementError
from tests.words import en, fr

SAMPLES = Path(__file__).parent / "samples"
LAYOUTS = [GENERIC, ACTIVITY]
ACTIVITY_HEADER = (
    '"Account Type","Account Number","Transaction Date","Cheque Number",'
    '"Description 1","Description 2","CAD$","USD$"'
)


def activity(*rows: str) -> bytes:
    return "\n".join((ACTIVITY_HEADER, *rows)).encode() + b"\n"


def test_activity_sample_is_recognised_and_read_month_first():
    reading = read_statement((SAMPLES / "activity_cad.csv").read_bytes(), LAYOUTS)

    assert reading.layout is ACTIVITY
    assert (reading.date_order, reading.problems) == ("MDY", [])
    assert reading.debits == [5, 13]  # the monthly fee and the service charge: not fees
    first = reading.lines[0]
    assert (first.line_number, first.date, first.amount, first.currency) == (
        2,
        date(2026, 1, 5),
        Decimal("80.00"),
        "CAD",
    )
    # No sender, reference or memo column: all three come from the descriptions.
    assert (first.sender_name, first.reference_number) == ("MARIE TREMBLAY", "CA7Kp2Rt9Xq1")
    assert "CA27-00042" in first.message
    grant = next(line for line in reading.lines if line.line_number == 10)
    assert (grant.amount, grant.reference_number) == (Decimal("1080.00"), "")


def test_windows_1252_french_sample_is_read():
    data = (SAMPLES / "etransfers_fr_cp1252.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    reading = read_statement(data, LAYOUTS)

    assert (reading.layout, reading.encoding, reading.delimiter) == (GENERIC, "cp1252", ";")
    assert [(line.sender_name, line.amount) for line in reading.lines] == [
        ("Élodie Bérubé", Decimal("80.00")),
        ("Jean-François Côté", Decimal("80.00")),
        ("Société Généreuse", Decimal("1080.00")),
    ]
    assert reading.lines[2].message == "Don à l’association"


def test_utf8_with_bom_is_read_as_utf8():
    data = "\ufeffdate,amount,currency,sender_name,sender_email,reference_number,message\n"
    data += "2026-01-15,80.00,CAD,Élodie,e@exemple.ca,R1,fee\n"
    reading = read_statement(data.encode("utf-8"), LAYOUTS)
    assert (reading.encoding, reading.lines[0].sender_name) == ("utf-8", "Élodie")


def test_thousands_separator_on_one_line_does_not_abort_the_file():
    text = activity(
        '"Chequing","1","1/5/2026","","DEPOSIT","GRANT","1,080.00",""',
        '"Chequing","1","1/6/2026","","INTERAC E-TRANSFER RECEIVED","A B CA27-00042","80.00",""',
    )
    reading = read_statement(text, LAYOUTS)
    assert [line.amount for line in reading.lines] == [Decimal("1080.00"), Decimal("80.00")]


def test_ambiguous_dates_are_refused_without_a_date_order():
    text = (
        "date,amount,currency,sender_name,sender_email,reference_number,message\n"
        "12/01/2026,80.00,CAD,A,a@example.ca,R1,fee\n"
        "11/02/2026,80.00,CAD,B,b@example.ca,R2,fee\n"
    )
    with pytest.raises(StatementError) as refused:
        read_statement(text, LAYOUTS)
    assert (refused.value.code, refused.value.line_number, refused.value.column) == (
        "matching.dates_ambiguous",
        2,
        "date",
    )
    assert "day first or month first" in en(refused.value.message)
    assert "jour d’abord ou le mois d’abord" in fr(refused.value.message)
    # The same file with a profile that says the order is read.
    month_first = read_statement(text, layout=replace(GENERIC, date_order="MDY"))
    assert [line.date for line in month_first.lines] == [date(2026, 12, 1), date(2026, 11, 2)]


def test_the_file_proves_its_date_order():
    text = (
        "date,amount,currency,sender_name,sender_email,reference_number,message\n"
        "12/01/2026,80.00,CAD,A,a@example.ca,R1,fee\n"
        "11/28/2026,80.00,CAD,B,b@example.ca,R2,fee\n"
    )
    reading = read_statement(text, LAYOUTS)
    assert reading.date_order == "MDY"
    assert [line.date for line in reading.lines] == [date(2026, 12, 1), date(2026, 11, 28)]


def test_dates_in_both_orders_are_refused():
    text = (
        "date,amount,currency,sender_name,sender_email,reference_number,message\n"
        "28/11/2026,80.00,CAD,A,a@example.ca,R1,fee\n"
        "11/28/2026,80.00,CAD,B,b@example.ca,R2,fee\n"
    )
    with pytest.raises(StatementError) as refused:
        read_statement(text, LAYOUTS)
    assert refused.value.code == "matching.dates_both_orders"


def test_every_problem_is_listed_at_once_beside_the_readable_lines():
    text = (
        "date,amount,currency,sender_name,sender_email,reference_number,message\n"
        "2026-01-15,80.00,CAD,A,a@example.ca,R1,fee\n"
        "2026-01-16,eighty,CAD,B,b@example.ca,R2,fee\n"
        "2026-02-30,80.00,CAD,C,c@example.ca,R3,fee\n"
        "2026-01-17,80.00,CAD\n"
        "2026-01-18,80.00,CAD,D,d@example.ca,,fee\n"
    )
    reading = read_statement(text, LAYOUTS)

    assert [line.reference_number for line in reading.lines] == ["R1"]
    assert [(p.line_number, p.column, p.code) for p in reading.problems] == [
        (3, "amount", "matching.amount"),
        (4, "date", "matching.date"),
        (5, None, "matching.fields"),
        (6, "reference_number", "matching.value_empty"),
    ]
    assert reading.unreadable == [3, 4, 5, 6]


def test_credit_and_debit_columns_read_only_credits():
    layout = Layout(
        name="Credit/debit",
        columns={
            "date": ("Date",),
            "credit": ("Credit",),
            "debit": ("Debit",),
            "description": ("Libellé",),
        },
        date_order="DMY",
        decimal_separator=",",
        thousands_separator=" ",
    )
    text = "Date;Libellé;Debit;Credit\n"
    text += "15/01/2026;VIREMENT INTERAC RECU ÉLODIE BÉRUBÉ CA27-00050;;80,00\n"
    text += "16/01/2026;FRAIS MENSUELS;4,95;\n"
    reading = read_statement(text.encode("cp1252"), layout=layout)
    assert [(line.amount, line.sender_name) for line in reading.lines] == [
        (Decimal("80.00"), "ÉLODIE BÉRUBÉ")
    ]
    assert reading.debits == [3]


def test_an_unknown_header_keeps_its_first_lines_for_the_mapping_form():
    text = "When;How much;Who\n2026-01-15;80,00;Marie\n"
    with pytest.raises(UnknownLayout) as unknown:
        read_statement(text, LAYOUTS)
    assert unknown.value.rows.header == ["When", "How much", "Who"]
    assert unknown.value.preview == [["2026-01-15", "80,00", "Marie"]]
    assert "No import profile fits this header" in en(unknown.value.message)


def test_a_profile_made_from_a_header_wins_over_the_generic_one():
    header = ["date", "amount", "currency", "sender_name", "sender_email", "reference_number"]
    own = Layout(
        name="Mine",
        columns={"date": ("date",), "amount": ("amount",)},
        signature="|".join(header),
    )
    assert detect_layout([*header, "message"], [GENERIC, own]) is GENERIC
    assert detect_layout(header, [GENERIC, own]) is own


@pytest.mark.parametrize(
    ("line", "delimiter"),
    [("a,b;c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ('"a;b",c', ","), ("a|b|c", "|")],
)
def test_sniff_delimiter(line, delimiter):
    assert sniff_delimiter(line) == delimiter


def test_reference_and_sender_found_in_a_description():
    text = "INTERAC E-TRANSFER RECEIVED MARIE TREMBLAY CA2700042 CA7Kp2Rt9Xq1"
    assert find_reference(text) == "CA7Kp2Rt9Xq1"
    assert find_sender(text) == "MARIE TREMBLAY"
    assert find_reference("MARIE TREMBLAY CA27-00042") == ""
