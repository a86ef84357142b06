"""`manage.py import_etransfers`: the same import as the admin's, from a file, with a dry run."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from payments.choices import LineOutcome
from payments.models import BankLine, Payment, StatementImport
from tests.payments.factories import SAMPLES, bank_row, numbered_dossier, statement_csv

pytestmark = pytest.mark.usefixtures("campaign_open", "private_storage")

SAMPLE = str(SAMPLES / "etransfers_en.csv")


@pytest.fixture
def dossiers():
    """Dossiers for the English sample: lines 2 and 5 for 42, 3 for 43, 4 (75.00) for 44."""
    return [
        numbered_dossier("CA27-00042", email="marie.tremblay@example.ca"),
        numbered_dossier("CA27-00043", email="liam.obrien@example.com"),
        numbered_dossier("CA27-00044", email="sophie.nguyen@example.ca"),
    ]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_etransfers", *args, stdout=out)
    return out.getvalue()


def test_dry_run_prints_the_counts_and_writes_nothing(dossiers):
    output = run(SAMPLE, "--dry-run")

    lines = output.splitlines()
    assert lines[:9] == [
        "Dry run, nothing saved: etransfers_en.csv → campaign CA27",
        "  profile: e-Transfer (generic)",
        "  lines read: 10",
        "  already imported (skipped): 0",
        "  matched: 2",
        "  suggestion (to confirm): 0",
        "  amount mismatch: 1",
        "  duplicate (refund): 1",
        "  unmatched (queue): 6",
    ]
    assert "line 5: duplicate CA27-00042 — Dossier CA27-00042 (its number is in the memo) is " in (
        output
    )
    assert "line 6: unmatched - — No dossier recognised" in output
    assert not StatementImport.objects.exists()
    assert not BankLine.objects.exists()
    assert not Payment.objects.exists()


def test_import_saves_the_lines_and_payments(dossiers):
    output = run(SAMPLE)

    assert output.startswith("Imported: etransfers_en.csv → campaign CA27\n")
    assert "  matched: 2\n" in output
    assert "line 2: matched CA27-00042 — Fee of dossier CA27-00042 received" in output
    statement = StatementImport.objects.get()
    assert (statement.file_name, statement.imported_by, statement.lines_read) == (
        "etransfers_en.csv",
        None,
        10,
    )
    assert (statement.matched, statement.duplicate, statement.unmatched) == (2, 1, 6)
    assert BankLine.objects.count() == 10
    assert BankLine.objects.filter(outcome=LineOutcome.MATCHED).count() == 2
    assert Payment.objects.filter(duplicate=False).count() == 2
    assert Payment.objects.filter(duplicate=True).count() == 1


def test_running_twice_skips_what_was_imported(dossiers):
    run(SAMPLE)
    payments = Payment.objects.count()

    output = run(SAMPLE)

    assert "  already imported (skipped): 10\n" in output
    assert "  matched: 0\n" in output
    assert "\nline " not in output
    assert BankLine.objects.count() == 10
    assert Payment.objects.count() == payments


def test_a_malformed_file_names_its_line(tmp_path: Path, dossiers):
    path = tmp_path / "bank.csv"
    path.write_text(
        statement_csv(bank_row(), bank_row(amount="eighty", reference_number="CA2")),
        encoding="utf-8",
    )

    with pytest.raises(CommandError, match=r"bank\.csv: line 3, column amount: “eighty”"):
        run(str(path))

    assert not StatementImport.objects.exists()
    assert not BankLine.objects.exists()


def test_a_missing_file_is_a_command_error(tmp_path: Path):
    with pytest.raises(CommandError, match="cannot read"):
        run(str(tmp_path / "nowhere.csv"))


def test_an_unknown_campaign_is_a_command_error():
    with pytest.raises(CommandError, match="no campaign with the code CA99"):
        run(SAMPLE, "--campaign", "CA99")


def test_the_campaign_can_be_named(dossiers):
    output = run(SAMPLE, "--campaign", "ca27", "--dry-run")

    assert output.startswith("Dry run, nothing saved: etransfers_en.csv → campaign CA27\n")


def test_activity_export_imports_with_json_in_both_languages():
    numbered_dossier("CA27-00042", first_name="Marie", last_name="Tremblay")
    out = io.StringIO()
    call_command(
        "import_etransfers",
        str(SAMPLES / "activity_cad.csv"),
        "--profile",
        "Account activity (CAD$)",
        "--json",
        stdout=out,
    )

    document = json.loads(out.getvalue())
    assert (document["profile"], document["debits_skipped"], document["errors"]) == (
        "Account activity (CAD$)",
        [5, 13],
        [],
    )
    first = document["lines"][0]
    assert {key: first[key] for key in ("line", "outcome", "dossier", "how")} == {
        "line": 2,
        "outcome": "matched",
        "dossier": "CA27-00042",
        "how": "memo",
    }
    assert (
        first["explanation_en"] == "Fee of dossier CA27-00042 received (its number is in the memo)."
    )
    assert first["explanation_fr"].startswith("Frais du dossier CA27-00042 reçus")
    assert BankLine.objects.count() == 10


def test_windows_1252_file_imports_without_a_codec_error():
    output = run(str(SAMPLES / "etransfers_fr_cp1252.csv"), "--dry-run")
    assert "profile: e-Transfer (generic)" in output
    assert "  lines read: 3" in output


def test_every_problem_is_printed_and_partial_imports_the_rest(tmp_path):
    path = tmp_path / "bank.csv"
    path.write_text(
        statement_csv(
            bank_row(reference_number="R1"),
            bank_row(amount="eighty", reference_number="R2"),
            bank_row(date="2026-02-30", reference_number="R3"),
        )
    )
    with pytest.raises(CommandError) as refused:
        run(str(path))
    assert "line 3, column amount" in str(refused.value)
    assert "line 4, column date" in str(refused.value)
    assert not BankLine.objects.exists()

    output = run(str(path), "--partial")
    assert "line 3, column amount: not imported" in output
    assert BankLine.objects.count() == 1


def test_an_unknown_profile_is_named():
    with pytest.raises(CommandError, match="no import profile called 'Nope'"):
        run(SAMPLE, "--profile", "Nope")
