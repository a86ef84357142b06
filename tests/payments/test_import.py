"""Importing bank exports: outcomes per line, payments created or linked, idempotence, dry runs,
refused files, lines matched later or by hand, and the database's own guards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from candidates.choices import DossierEventKind
from candidates.models import Application, Document, DossierEvent
from payments import services
from payments.choices import LineOutcome, PaymentStatus, Source
from payments.matching import StatementError
from payments.models import BankLine, Payment, StatementImport
from tapif.core.exceptions import DomainError
from tapif.core.models import AuditEntry
from tests.candidates.factories import ApplicationFactory
from tests.factories import CampaignFactory, CandidateFactory, StaffFactory
from tests.payments.factories import (
    bank_row,
    bank_row_for,
    declared_payment,
    import_statement,
    matched_payment,
    numbered_dossier,
    sample_text,
    statement_csv,
    verified_payment,
)
from tests.words import en, fr

pytestmark = pytest.mark.usefixtures("campaign_open", "private_storage")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def english_sample_dossiers() -> dict[str, Application]:
    """The dossiers the lines of etransfers_en.csv are meant for (44 and 49 paid wrongly)."""
    dossiers = {
        "42": numbered_dossier("CA27-00042", email="marie.tremblay@example.ca"),
        "43": numbered_dossier("CA27-00043", email="liam.obrien@example.com"),
        "44": numbered_dossier("CA27-00044", email="sophie.nguyen@example.ca"),
        # Priya pays from her mother's account: found by the reference she declares.
        "45": numbered_dossier("CA27-00045", email="priya.p@example.com"),
        "46": numbered_dossier("CA27-00046", email="alex.martin@example.org"),
        "47": numbered_dossier("CA27-00047", email="emma.w@example.ca"),
        "48": numbered_dossier("CA27-00048", email="noah.r@example.ca"),
        "49": numbered_dossier("CA27-00049", email="olivia.b@example.com"),
    }
    declared_payment(dossiers["45"], reference_number="CA8LkJ3hGf4D")
    return dossiers


EXPECTED_EN = [
    # (line, outcome, dossier, found by)
    (2, LineOutcome.MATCHED, "CA27-00042", Source.MEMO),
    (3, LineOutcome.MATCHED, "CA27-00043", Source.MEMO),
    (4, LineOutcome.AMOUNT_MISMATCH, "CA27-00044", Source.MEMO),
    (5, LineOutcome.DUPLICATE, "CA27-00042", Source.MEMO),
    (6, LineOutcome.UNMATCHED, None, ""),
    (7, LineOutcome.MATCHED, "CA27-00045", Source.REFERENCE),
    (8, LineOutcome.MATCHED, "CA27-00046", Source.EMAIL),
    (9, LineOutcome.MATCHED, "CA27-00047", Source.MEMO),
    (10, LineOutcome.MATCHED, "CA27-00048", Source.MEMO),
    (11, LineOutcome.AMOUNT_MISMATCH, "CA27-00049", Source.MEMO),
]


def line_outcomes() -> list[tuple]:
    return [
        (
            line.line_number,
            line.outcome,
            line.application and line.application.number,
            line.matched_by,
        )
        for line in BankLine.objects.select_related("application").order_by("line_number")
    ]


def counts(statement: StatementImport) -> dict[str, int]:
    return {
        "lines_read": statement.lines_read,
        "already_imported": statement.already_imported,
        "matched": statement.matched,
        "amount_mismatch": statement.amount_mismatch,
        "duplicate": statement.duplicate,
        "unmatched": statement.unmatched,
    }


def snapshot() -> tuple:
    """Everything an import may write, to compare before and after."""
    return (
        sorted(BankLine.objects.values_list("fingerprint", "outcome", "application_id")),
        sorted(
            Payment.objects.values_list("application_id", "status", "duplicate", "bank_line_id")
        ),
        DossierEvent.objects.count(),
        sorted(Application.objects.values_list("number", "payment_status")),
    )


# --- the sample exports -----------------------------------------------------------------------


def test_english_sample_gives_the_expected_outcome_per_line(english_sample_dossiers):
    staff = StaffFactory()

    report = import_statement(
        sample_text("etransfers_en.csv"), actor=staff, file_name="etransfers_en.csv"
    )

    assert line_outcomes() == EXPECTED_EN
    assert [(r.line.line_number, r.outcome.value) for r in report.results] == [
        (line, outcome.value) for line, outcome, _number, _how in EXPECTED_EN
    ]
    assert report.counts == {
        "matched": 6,
        "suggested": 0,
        "amount_mismatch": 2,
        "duplicate": 1,
        "unmatched": 1,
    }
    statement = StatementImport.objects.get()
    assert report.statement == statement
    assert (statement.file_name, statement.imported_by) == ("etransfers_en.csv", staff)
    assert counts(statement) == {
        "lines_read": 10,
        "already_imported": 0,
        "matched": 6,
        "amount_mismatch": 2,
        "duplicate": 1,
        "unmatched": 1,
    }
    assert AuditEntry.objects.filter(action="payments.import", actor=staff).count() == 1
    line = BankLine.objects.get(line_number=10)
    assert (line.received_on, line.amount, line.currency, line.sender_email) == (
        dt.date(2026, 1, 19),
        Decimal("80.00"),
        "CAD",
        "noah.roy@example.ca",
    )
    mismatch = BankLine.objects.get(line_number=4)
    assert en(mismatch.explanation) == (
        "Dossier CA27-00044 (its number is in the memo): 75.00 CAD received, the fee is 80.00 CAD."
    )
    assert fr(mismatch.explanation).startswith("Dossier CA27-00044 (son numéro figure")


def test_english_sample_payments_per_dossier(english_sample_dossiers):
    dossiers = english_sample_dossiers

    import_statement(sample_text("etransfers_en.csv"))

    def payments(key):
        return list(
            Payment.objects.filter(application=dossiers[key])
            .order_by("pk")
            .values_list("status", "duplicate", "bank_line__line_number")
        )

    assert payments("42") == [(PaymentStatus.MATCHED, False, 2), (PaymentStatus.MATCHED, True, 5)]
    assert payments("45") == [(PaymentStatus.MATCHED, False, 7)]  # the declaration, linked
    for key, line in [("43", 3), ("46", 8), ("47", 9), ("48", 10)]:
        assert payments(key) == [(PaymentStatus.MATCHED, False, line)]
    assert payments("44") == []
    assert payments("49") == []
    statuses = dict(Application.objects.values_list("number", "payment_status"))
    assert statuses == {
        "CA27-00042": "matched",
        "CA27-00043": "matched",
        "CA27-00044": "",
        "CA27-00045": "matched",
        "CA27-00046": "matched",
        "CA27-00047": "matched",
        "CA27-00048": "matched",
        "CA27-00049": "",
    }


def test_french_sample_gives_the_expected_outcome_per_line():
    numbered_dossier("CA27-00050", email="elodie.berube@exemple.ca")
    numbered_dossier("CA27-00051", email="jf.cote@exemple.qc.ca")
    numbered_dossier("CA27-00052", email="chloe.gagnon@exemple.ca")
    numbered_dossier("CA27-00053", email="camille.roy@exemple.ca")

    report = import_statement(sample_text("etransfers_fr.csv"), file_name="etransfers_fr.csv")

    assert line_outcomes() == [
        (2, LineOutcome.MATCHED, "CA27-00050", Source.MEMO),
        (3, LineOutcome.MATCHED, "CA27-00051", Source.MEMO),
        (4, LineOutcome.AMOUNT_MISMATCH, "CA27-00052", Source.MEMO),
        (5, LineOutcome.UNMATCHED, None, ""),
        (6, LineOutcome.MATCHED, "CA27-00053", Source.EMAIL),
    ]
    assert counts(report.statement) == {
        "lines_read": 5,
        "already_imported": 0,
        "matched": 3,
        "amount_mismatch": 1,
        "duplicate": 0,
        "unmatched": 1,
    }
    line = BankLine.objects.get(line_number=3)
    assert (line.received_on, line.amount, line.currency, line.sender_name) == (
        dt.date(2026, 1, 16),
        Decimal("80.00"),
        "CAD",
        "Jean-François Côté",
    )


# --- what a matched line does to the dossier --------------------------------------------------


def test_a_matched_line_links_the_declared_payment():
    application = numbered_dossier("CA27-00042")
    declared = declared_payment(application)
    staff = StaffFactory()

    import_statement(statement_csv(bank_row_for(application)), actor=staff)

    line = BankLine.objects.get()
    declared.refresh_from_db()
    assert (declared.status, declared.bank_line, declared.duplicate) == (
        PaymentStatus.MATCHED,
        line,
        False,
    )
    assert Payment.objects.count() == 1
    application.refresh_from_db()
    assert application.payment_status == "matched"
    event = DossierEvent.objects.filter(application=application).last()
    assert (event.kind, event.actor) == (DossierEventKind.PAYMENT_MATCHED, staff)


def test_a_line_before_any_declaration_creates_the_payment_a_declaration_completes():
    application = numbered_dossier("CA27-00042")
    import_statement(
        statement_csv(
            bank_row_for(
                application,
                sender_name="Marie Tremblay",
                date="2026-01-14",
                reference_number="CA7Kp2Rt9Xq1",
            )
        )
    )
    payment = Payment.objects.get()
    assert (payment.status, payment.duplicate, payment.declared_at, payment.receipt) == (
        PaymentStatus.MATCHED,
        False,
        None,
        None,
    )
    assert (payment.amount, payment.sent_on, payment.sender_name, payment.reference_number) == (
        Decimal("80.00"),
        dt.date(2026, 1, 14),
        "Marie Tremblay",
        "CA7Kp2Rt9Xq1",
    )
    assert payment.memo == "TAPIF application fee CA27-00042"
    assert payment.bank_line == BankLine.objects.get()
    application.refresh_from_db()
    assert application.payment_status == "matched"

    completed = declared_payment(application, reference_number="CA7Kp2Rt9Xq1")

    assert completed.pk == payment.pk
    assert Payment.objects.count() == 1
    completed.refresh_from_db()
    assert completed.status == PaymentStatus.MATCHED
    assert completed.declared_at is not None
    assert completed.receipt == Document.objects.get(application=application, kind="fee_receipt")
    assert completed.bank_line == BankLine.objects.get()
    application.refresh_from_db()
    assert application.payment_status == "matched"
    assert list(
        DossierEvent.objects.filter(application=application)
        .exclude(kind=DossierEventKind.STATUS_CHANGED)
        .values_list("kind", flat=True)
    ) == [DossierEventKind.PAYMENT_MATCHED, DossierEventKind.PAYMENT_DECLARED]


def test_a_second_payment_is_a_duplicate_to_refund():
    application = numbered_dossier("CA27-00042")
    verified = verified_payment(application)

    report = import_statement(
        statement_csv(bank_row_for(application, reference_number="CA1ZxC4vBn6M"))
    )

    assert report.counts["duplicate"] == 1
    duplicate = Payment.objects.get(duplicate=True)
    assert (duplicate.application, duplicate.status, duplicate.reference_number) == (
        application,
        PaymentStatus.MATCHED,
        "CA1ZxC4vBn6M",
    )
    assert duplicate.bank_line.outcome == LineOutcome.DUPLICATE
    verified.refresh_from_db()
    assert verified.status == PaymentStatus.VERIFIED
    application.refresh_from_db()
    assert application.payment_status == "verified"


def test_an_amount_mismatch_names_the_dossier_but_makes_no_payment():
    application = numbered_dossier("CA27-00044")
    declared = declared_payment(application)

    import_statement(statement_csv(bank_row_for(application, amount="75.00")))

    line = BankLine.objects.get()
    assert (line.outcome, line.application) == (LineOutcome.AMOUNT_MISMATCH, application)
    declared.refresh_from_db()
    assert (declared.status, declared.bank_line) == (PaymentStatus.DECLARED, None)
    assert Payment.objects.count() == 1


# --- the same file again, dry runs ------------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing(english_sample_dossiers):
    text = sample_text("etransfers_en.csv")
    import_statement(text)
    before = snapshot()

    again = import_statement(text)

    assert snapshot() == before
    assert BankLine.objects.count() == 10
    assert (again.lines_read, again.already_imported, again.results) == (10, 10, [])
    assert counts(again.statement) == {
        "lines_read": 10,
        "already_imported": 10,
        "matched": 0,
        "amount_mismatch": 0,
        "duplicate": 0,
        "unmatched": 0,
    }


def test_a_file_with_old_and_new_lines_imports_only_the_new_ones():
    first = numbered_dossier("CA27-00042")
    second = numbered_dossier("CA27-00043")
    import_statement(statement_csv(bank_row_for(first)))

    report = import_statement(statement_csv(bank_row_for(first), bank_row_for(second)))

    assert (report.lines_read, report.already_imported, report.counts["matched"]) == (2, 1, 1)
    assert BankLine.objects.count() == 2
    assert Payment.objects.filter(duplicate=False).count() == 2
    assert not Payment.objects.filter(duplicate=True).exists()


def test_a_dry_run_writes_nothing_and_reports_the_same_counts(english_sample_dossiers):
    text = sample_text("etransfers_en.csv")
    before = snapshot()
    imports_before = StatementImport.objects.count()

    dry = import_statement(text, dry_run=True)

    assert snapshot() == before
    assert StatementImport.objects.count() == imports_before
    assert dry.statement is None
    assert dry.dry_run is True
    real = import_statement(text)
    assert (dry.lines_read, dry.already_imported, dry.counts) == (
        real.lines_read,
        real.already_imported,
        real.counts,
    )
    assert [(r.line.line_number, r.outcome, r.dossier_number) for r in dry.results] == [
        (r.line.line_number, r.outcome, r.dossier_number) for r in real.results
    ]


# --- files that cannot be read ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount_cell", "expected"),
    [('"80,00"', Decimal("80.00")), ("80.00 $", Decimal("80.00")), ("80", Decimal("80.00"))],
)
def test_amounts_written_the_bank_s_ways_are_accepted(amount_cell, expected):
    application = numbered_dossier("CA27-00042")
    row = f"2026-01-15,{amount_cell},CAD,Marie,marie@example.ca,CA7Kp2Rt9Xq1,TAPIF CA27-00042"

    report = import_statement(statement_csv(row))

    assert report.counts["matched"] == 1
    assert BankLine.objects.get().amount == expected
    assert services.live_payment(application).status == PaymentStatus.MATCHED


def test_a_semicolon_export_with_decimal_commas_is_accepted():
    numbered_dossier("CA27-00042")
    text = (
        "date;montant;devise;nom_expediteur;courriel_expediteur;numero_reference;message\n"
        "15/01/2026;80,00;CAD;Marie;marie@example.ca;CA7Kp2Rt9Xq1;TAPIF CA27-00042\n"
    )

    report = import_statement(text)

    assert report.counts["matched"] == 1
    assert BankLine.objects.get().received_on == dt.date(2026, 1, 15)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            "date,amount,currency,sender_name,sender_email,message\n"
            "2026-01-15,80.00,CAD,Marie,marie@example.ca,TAPIF CA27-00042\n",
            "line 1, column reference_number",
        ),
        (
            statement_csv(
                bank_row(message="TAPIF CA27-00042"),
                bank_row(amount="eighty", reference_number="CA0Bank00002"),
            ),
            "line 3, column amount",
        ),
        (
            statement_csv(bank_row(message="TAPIF CA27-00042"), bank_row(date="12/01/2026")),
            "line 3, column date",
        ),
    ],
    ids=["missing-column", "eighty", "ambiguous-date"],
)
def test_a_malformed_file_is_refused_whole(text, where):
    numbered_dossier("CA27-00042")
    before = snapshot()

    with pytest.raises(StatementError) as error:
        import_statement(text)

    assert str(error.value).startswith(where)
    assert snapshot() == before
    assert not StatementImport.objects.exists()
    assert not BankLine.objects.exists()


def test_a_malformed_file_is_refused_in_a_dry_run_too():
    with pytest.raises(StatementError, match="line 3"):
        import_statement(
            statement_csv(bank_row(), bank_row(amount="eighty", reference_number="CA2")),
            dry_run=True,
        )


# --- unmatched lines found later --------------------------------------------------------------


def test_an_unmatched_line_is_matched_when_the_candidate_declares_its_reference():
    application = numbered_dossier("CA27-00042", email="marie@example.ca")
    import_statement(
        statement_csv(
            bank_row(
                message="Happy birthday!",
                sender_email="mom@example.com",
                reference_number="CA5AsD7fGh2J",
            )
        )
    )
    line = BankLine.objects.get()
    assert (line.outcome, line.application) == (LineOutcome.UNMATCHED, None)
    assert not Payment.objects.exists()

    payment = declared_payment(application, reference_number="ca5asd7fgh2j")

    line.refresh_from_db()
    assert (line.outcome, line.application, line.matched_by) == (
        LineOutcome.MATCHED,
        application,
        Source.REFERENCE,
    )
    payment.refresh_from_db()
    assert (payment.status, payment.bank_line) == (PaymentStatus.MATCHED, line)
    application.refresh_from_db()
    assert application.payment_status == "matched"
    assert list(
        DossierEvent.objects.filter(application=application)
        .exclude(kind=DossierEventKind.STATUS_CHANGED)
        .values_list("kind", flat=True)
    ) == [DossierEventKind.PAYMENT_DECLARED, DossierEventKind.PAYMENT_MATCHED]


def test_a_declared_reference_does_not_claim_a_line_of_the_wrong_amount():
    application = numbered_dossier("CA27-00042", email="marie@example.ca")
    import_statement(
        statement_csv(
            bank_row(
                message="gift",
                sender_email="x@example.com",
                amount="70.00",
                reference_number="CA5AsD7fGh2J",
            )
        )
    )

    payment = declared_payment(application, reference_number="CA5AsD7fGh2J")

    line = BankLine.objects.get()
    assert (line.outcome, line.application) == (LineOutcome.AMOUNT_MISMATCH, application)
    payment.refresh_from_db()
    assert (payment.status, payment.bank_line) == (PaymentStatus.DECLARED, None)


# --- staff assign a line by hand --------------------------------------------------------------


def unmatched_line(**values) -> BankLine:
    import_statement(
        statement_csv(
            bank_row(message="Happy birthday!", sender_name="Mom", sender_email="mom@example.com")
            | values
        )
    )
    line = BankLine.objects.get(outcome=LineOutcome.UNMATCHED)
    return line


def test_assigning_an_unmatched_line_matches_the_dossier():
    application = numbered_dossier("CA27-00042")
    declared = declared_payment(application)
    line = unmatched_line()
    staff = StaffFactory()

    assigned = services.bank_line_assign(line=line, application=application, actor=staff)

    assigned.refresh_from_db()
    assert (assigned.outcome, assigned.application, assigned.matched_by) == (
        LineOutcome.MATCHED,
        application,
        Source.MANUAL,
    )
    assert (assigned.assigned_by, assigned.assigned_at is not None) == (staff, True)
    assert "assigned by hand" in en(assigned.explanation)
    declared.refresh_from_db()
    assert (declared.status, declared.bank_line) == (PaymentStatus.MATCHED, assigned)
    event = DossierEvent.objects.filter(application=application).last()
    assert (event.kind, event.actor) == (DossierEventKind.PAYMENT_MATCHED, staff)
    assert AuditEntry.objects.filter(action="payments.assign_line", actor=staff).count() == 1


def test_assigning_a_line_to_a_dossier_without_declaration_creates_its_payment():
    application = numbered_dossier("CA27-00042")
    line = unmatched_line()

    services.bank_line_assign(line=line, application=application, actor=StaffFactory())

    payment = Payment.objects.get()
    assert (payment.application, payment.status, payment.bank_line, payment.duplicate) == (
        application,
        PaymentStatus.MATCHED,
        line,
        False,
    )


def test_assigning_a_line_to_a_paid_dossier_makes_a_duplicate():
    application = numbered_dossier("CA27-00042")
    matched_payment(application)
    line = unmatched_line(reference_number="CA0Other0001")

    services.bank_line_assign(line=line, application=application, actor=StaffFactory())

    line.refresh_from_db()
    assert (line.outcome, line.application) == (LineOutcome.DUPLICATE, application)
    duplicate = Payment.objects.get(duplicate=True)
    assert (duplicate.application, duplicate.bank_line, duplicate.status) == (
        application,
        line,
        PaymentStatus.MATCHED,
    )
    assert Payment.objects.filter(application=application, duplicate=False).count() == 1


def test_assigning_a_line_of_the_wrong_amount_records_the_mismatch():
    application = numbered_dossier("CA27-00042")
    line = unmatched_line(amount="75.00")

    services.bank_line_assign(line=line, application=application, actor=StaffFactory())

    line.refresh_from_db()
    assert (line.outcome, line.application) == (LineOutcome.AMOUNT_MISMATCH, application)
    assert not Payment.objects.exists()


def test_only_an_unmatched_line_can_be_assigned():
    first = numbered_dossier("CA27-00042")
    other = numbered_dossier("CA27-00043")
    import_statement(statement_csv(bank_row_for(first)))
    line = BankLine.objects.get()

    with pytest.raises(DomainError, match="Only an unmatched line") as error:
        services.bank_line_assign(line=line, application=other, actor=StaffFactory())

    assert error.value.code == "assigned"
    line.refresh_from_db()
    assert (line.outcome, line.application) == (LineOutcome.MATCHED, first)
    assert not Payment.objects.filter(application=other).exists()


def test_a_line_cannot_go_to_another_campaigns_dossier():
    line = unmatched_line()
    next_campaign = CampaignFactory()
    elsewhere = Application.objects.create(
        campaign=next_campaign, candidate=CandidateFactory(), number="CA28-00001"
    )

    with pytest.raises(DomainError, match="CA28-00001 belongs to another campaign") as error:
        services.bank_line_assign(line=line, application=elsewhere, actor=StaffFactory())

    assert error.value.code == "campaign"
    line.refresh_from_db()
    assert (line.outcome, line.application, line.assigned_by) == (
        LineOutcome.UNMATCHED,
        None,
        None,
    )
    assert not Payment.objects.exists()


# --- the database's own guards ----------------------------------------------------------------


def test_the_database_refuses_a_second_live_payment_for_a_dossier():
    application = ApplicationFactory()
    declared_payment(application)
    fields = {
        "application": application,
        "amount": Decimal("80.00"),
        "sent_on": dt.date(2026, 1, 14),
    }

    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(status=PaymentStatus.MATCHED, **fields)

    # A duplicate, or a payment that no longer counts, may sit beside it.
    Payment.objects.create(status=PaymentStatus.MATCHED, duplicate=True, **fields)
    Payment.objects.create(status=PaymentStatus.REFUNDED, **fields)
    assert Payment.objects.filter(application=application).count() == 3


def test_the_database_refuses_a_bank_line_imported_twice():
    import_statement(statement_csv(bank_row()))
    line = BankLine.objects.get()
    copy = {
        field.name: getattr(line, field.name)
        for field in BankLine._meta.concrete_fields
        if field.name != "id"
    }

    with pytest.raises(IntegrityError), transaction.atomic():
        BankLine.objects.create(**copy)

    assert BankLine.objects.count() == 1
