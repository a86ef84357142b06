"""A payment's status moves only as `services.PAYMENT_TRANSITIONS` allows, through
`services.payment_transition`: every allowed move is made by a service, and any other move
raises and changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import translation

from candidates.models import DossierEvent
from payments import services
from payments.choices import PaymentStatus, RejectionReason
from payments.models import Payment
from tapif.core.exceptions import DomainError
from tests.candidates.factories import ApplicationFactory
from tests.factories import StaffFactory
from tests.payments.factories import (
    bank_row_for,
    declared_payment,
    import_statement,
    matched_payment,
    numbered_dossier,
    statement_csv,
    verified_payment,
)

pytestmark = pytest.mark.usefixtures("campaign_open", "private_storage")

DECLARED, MATCHED, VERIFIED = PaymentStatus.DECLARED, PaymentStatus.MATCHED, PaymentStatus.VERIFIED
REJECTED, REFUNDED = PaymentStatus.REJECTED, PaymentStatus.REFUNDED


def _reject(payment: Payment) -> None:
    services.payment_reject(payment=payment, actor=StaffFactory(), reason=RejectionReason.DETAILS)


def _declared_to_matched() -> Payment:
    application = ApplicationFactory()
    payment = declared_payment(application)
    assert payment.status == DECLARED
    import_statement(statement_csv(bank_row_for(application)))
    return payment


def _declared_to_rejected() -> Payment:
    payment = declared_payment(ApplicationFactory())
    assert payment.status == DECLARED
    _reject(payment)
    return payment


def _matched_to_verified() -> Payment:
    payment = matched_payment(ApplicationFactory())
    assert payment.status == MATCHED
    services.payment_verify(payment=payment, actor=StaffFactory())
    return payment


def _matched_to_rejected() -> Payment:
    payment = matched_payment(ApplicationFactory())
    assert payment.status == MATCHED
    _reject(payment)
    return payment


def _matched_duplicate_to_refunded() -> Payment:
    application = numbered_dossier("CA27-00042")
    verified_payment(application)
    import_statement(statement_csv(bank_row_for(application, reference_number="CA1Again0002")))
    duplicate = Payment.objects.get(application=application, duplicate=True)
    assert duplicate.status == MATCHED
    services.payment_refund(payment=duplicate, actor=StaffFactory())
    return duplicate


def _rejected_to_refunded() -> Payment:
    payment = matched_payment(ApplicationFactory())
    _reject(payment)
    payment.refresh_from_db()
    assert payment.status == REJECTED
    services.payment_refund(payment=payment, actor=StaffFactory())
    return payment


#: Each allowed move, made by the service that makes it.
PATHS: dict[tuple[str, str], Callable[[], Payment]] = {
    (DECLARED, MATCHED): _declared_to_matched,
    (DECLARED, REJECTED): _declared_to_rejected,
    (MATCHED, VERIFIED): _matched_to_verified,
    (MATCHED, REJECTED): _matched_to_rejected,
    (MATCHED, REFUNDED): _matched_duplicate_to_refunded,
    (REJECTED, REFUNDED): _rejected_to_refunded,
}
ALLOWED = {(a, b) for a, targets in services.PAYMENT_TRANSITIONS.items() for b in targets}
DISALLOWED = sorted(
    (a, b) for a in PaymentStatus.values for b in PaymentStatus.values if (a, b) not in ALLOWED
)


def test_the_table_covers_every_status_and_every_allowed_move_has_a_service():
    assert set(services.PAYMENT_TRANSITIONS) == set(PaymentStatus.values)
    assert set(PATHS) == ALLOWED
    assert len(DISALLOWED) == 25 - 6


@pytest.mark.parametrize(("from_status", "to_status"), sorted(PATHS))
def test_an_allowed_move_goes_through_its_service(from_status, to_status):
    payment = PATHS[from_status, to_status]()

    payment.refresh_from_db()
    assert payment.status == to_status


@pytest.mark.parametrize(("from_status", "to_status"), DISALLOWED)
def test_a_move_the_table_does_not_allow_raises_and_changes_nothing(from_status, to_status):
    payment = declared_payment(ApplicationFactory())
    Payment.objects.filter(pk=payment.pk).update(
        status=from_status,
        rejection_reason=RejectionReason.DETAILS if from_status == REJECTED else "",
    )
    payment.refresh_from_db()
    before = Payment.objects.filter(pk=payment.pk).values().get()
    events = DossierEvent.objects.count()

    with translation.override("en"), pytest.raises(DomainError) as error:
        services.payment_transition(
            payment=payment, to_status=to_status, actor=StaffFactory(), decided_at=None
        )

    assert error.value.code == "transition"
    assert str(error.value) == (
        f"A payment cannot go from “{PaymentStatus(from_status).label}” "
        f"to “{PaymentStatus(to_status).label}”."
    )
    assert Payment.objects.filter(pk=payment.pk).values().get() == before
    assert DossierEvent.objects.count() == events


def test_the_refusal_reads_in_french():
    payment = verified_payment(ApplicationFactory())

    with translation.override("fr"), pytest.raises(DomainError) as error:
        services.payment_transition(payment=payment, to_status=DECLARED, actor=None)

    assert str(error.value) == "Un paiement ne peut pas passer de « Vérifié » à « Déclaré »."
