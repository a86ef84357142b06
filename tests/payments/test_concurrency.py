"""Two imports of one file at once, and a declaration racing an import, on real PostgreSQL rows
locks: every bank line is stored once and a dossier never gets two payments that count.

Threads each open their own connection, so the test runs outside a wrapping transaction
(`transaction=True`); the data migrations' rows are put back before each test and after the
module, for the tests that follow on the same database.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from candidates.models import Application
from payments.choices import LIVE_PAYMENT_STATUSES, PaymentStatus
from payments.models import BankLine, Payment, StatementImport
from tests.migration_data import restore_migration_data
from tests.payments.factories import (
    bank_row_for,
    declared_payment,
    import_statement,
    numbered_dossier,
    sample_text,
    statement_csv,
)

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("campaign_open", "private_storage"),
]


@pytest.fixture(scope="module", autouse=True)
def _restore_the_migrations_rows(django_db_setup, django_db_blocker):
    """A transactional test ends by emptying every table, and only the next transactional test
    puts the data migrations' rows back: restore them once this module is done, for the tests
    that follow on this database (and for the next `--reuse-db` run)."""
    yield
    with django_db_blocker.unblock():
        restore_migration_data()


@pytest.fixture(autouse=True)
def _migration_rows_present(transactional_db) -> None:
    """Another transactional test (a browser test) may have emptied the tables just before."""
    restore_migration_data()


def run_together(*functions: Callable[[], Any]) -> list[Any]:
    """Start every function at the same moment, each in its own thread and connection; return
    their results in order, or raise the first error one of them met."""
    barrier = threading.Barrier(len(functions))
    results: list[Any] = [None] * len(functions)
    errors: list[BaseException] = []

    def work(index: int, function: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = function()
        except BaseException as error:  # handed to the test thread below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=(index, function))
        for index, function in enumerate(functions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    if errors:
        raise errors[0]
    return results


def live_payments_per_dossier() -> Counter:
    return Counter(
        Payment.objects.filter(status__in=LIVE_PAYMENT_STATUSES, duplicate=False).values_list(
            "application__number", flat=True
        )
    )


def test_two_imports_of_the_same_file_store_each_line_once():
    for number, email in [
        ("CA27-00042", "marie.tremblay@example.ca"),
        ("CA27-00043", "liam.obrien@example.com"),
        ("CA27-00044", "sophie.nguyen@example.ca"),
        ("CA27-00046", "alex.martin@example.org"),
        ("CA27-00047", "emma.w@example.ca"),
        ("CA27-00048", "noah.r@example.ca"),
    ]:
        numbered_dossier(number, email=email)
    text = sample_text("etransfers_en.csv")

    first, second = run_together(lambda: import_statement(text), lambda: import_statement(text))

    assert BankLine.objects.count() == 10
    assert len(set(BankLine.objects.values_list("fingerprint", flat=True))) == 10
    assert sorted(report.already_imported for report in (first, second)) == [0, 10]
    assert StatementImport.objects.count() == 2
    assert live_payments_per_dossier() == {
        "CA27-00042": 1,
        "CA27-00043": 1,
        "CA27-00046": 1,
        "CA27-00047": 1,
        "CA27-00048": 1,
    }
    assert Payment.objects.filter(duplicate=True).count() == 1  # the second line for 42
    assert set(Payment.objects.values_list("status", flat=True)) == {PaymentStatus.MATCHED}


def test_declarations_racing_an_import_give_one_payment_per_dossier():
    dossiers = [numbered_dossier(f"CA27-{n:05d}") for n in range(60, 66)]
    text = statement_csv(*(bank_row_for(application) for application in dossiers))

    def declare_all() -> None:
        for application in dossiers:
            declared_payment(application)

    report, _nothing = run_together(lambda: import_statement(text), declare_all)

    assert report.counts["matched"] == len(dossiers)
    assert live_payments_per_dossier() == {application.number: 1 for application in dossiers}
    assert not Payment.objects.filter(duplicate=True).exists()
    for payment in Payment.objects.select_related("bank_line", "application"):
        # Whichever came first, the payment has the candidate's details and the bank's line.
        assert payment.status == PaymentStatus.MATCHED
        assert payment.declared_at is not None
        assert payment.receipt_id is not None
        assert payment.bank_line.application == payment.application
    assert set(Application.objects.values_list("payment_status", flat=True)) == {"matched"}
