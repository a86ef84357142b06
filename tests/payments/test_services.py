"""The candidate declares, staff verify, reject and refund: the services and what they record.

Messages are read in English (`translation.override("en")`); e-mails are rendered in each
candidate's own language whatever the active one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from candidates import services as dossier_services
from candidates.choices import ApplicationStatus, DocumentKind, DossierEventKind
from candidates.models import Document, DossierEvent
from candidates.selectors import dossier_history, dossier_load, dossier_status
from payments import services
from payments.choices import PaymentStatus, RejectionReason
from payments.models import Payment
from tapif.core.exceptions import DomainError
from tapif.core.models import AuditEntry
from tests.candidates.dossier import fill_documents, fill_sections
from tests.candidates.factories import CAMPAIGN_CLOSED_AT, ApplicationFactory, tiny_png
from tests.factories import CandidateFactory, StaffFactory
from tests.payments.factories import (
    SENT_ON,
    bank_row_for,
    declaration,
    declared_payment,
    import_statement,
    matched_payment,
    numbered_dossier,
    receipt_upload,
    statement_csv,
    verified_payment,
)

pytestmark = pytest.mark.usefixtures("campaign_open", "private_storage")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def events(application) -> list[str]:
    return list(
        DossierEvent.objects.filter(application=application)
        .exclude(kind=DossierEventKind.STATUS_CHANGED)
        .order_by("created_at", "id")
        .values_list("kind", flat=True)
    )


def fee_missing(application) -> list[str]:
    status = dossier_status(dossier_load(application.pk))
    return [str(item) for item in status.all_missing() if "Application fee" in str(item)]


def submitted_dossier():
    application = ApplicationFactory()
    fill_sections(application)
    fill_documents(application)
    declared_payment(application)
    return dossier_services.application_submit(application=application, actor=application.candidate)


# --- declaring --------------------------------------------------------------------------------


def test_declare_records_the_payment_its_receipt_and_the_timeline():
    application = ApplicationFactory()
    assert fee_missing(application) == [
        "Application fee: declare your Interac e-Transfer and upload its receipt"
    ]

    payment = declared_payment(
        application,
        sender_name=" Camille Tremblay ",
        reference_number=" CA1AbCdEfGh2 ",
        memo="TAPIF application fee CA27-00001",
    )

    payment.refresh_from_db()
    assert (payment.application, payment.status, payment.duplicate) == (
        application,
        PaymentStatus.DECLARED,
        False,
    )
    assert (payment.amount, payment.currency, payment.sent_on) == (Decimal("80.00"), "CAD", SENT_ON)
    assert (payment.sender_name, payment.reference_number, payment.memo) == (
        "Camille Tremblay",
        "CA1AbCdEfGh2",
        "TAPIF application fee CA27-00001",
    )
    assert payment.declared_at is not None
    assert payment.bank_line is None
    receipt = Document.objects.get(application=application, kind=DocumentKind.FEE_RECEIPT)
    assert payment.receipt == receipt
    assert receipt.is_current
    assert (receipt.original_name, receipt.content_type) == (
        "interac-receipt.pdf",
        "application/pdf",
    )
    assert receipt.uploaded_by == application.candidate
    application.refresh_from_db()
    assert application.payment_status == "declared"
    assert not application.payment_verified
    assert events(application) == [DossierEventKind.PAYMENT_DECLARED]
    timeline = dossier_history(application=application, viewer=application.candidate)
    assert [item.label for item in timeline] == ["In preparation", "Application fee declared"]
    assert timeline[-1].actor == application.candidate
    assert fee_missing(application) == []
    assert AuditEntry.objects.filter(action="payment.declare", target_id=str(payment.pk)).exists()


def test_declaring_again_while_declared_corrects_the_same_payment():
    application = ApplicationFactory()
    first = declared_payment(application, reference_number="CA1AbCdEfGh2")
    first_receipt = first.receipt

    again = declared_payment(
        application,
        reference_number="CA7ZzYyXx11",
        sent_on=dt.date(2026, 1, 13),
        receipt=receipt_upload(tiny_png(), "screenshot.png", "image/png"),
    )

    assert again.pk == first.pk
    assert Payment.objects.filter(application=application).count() == 1
    again.refresh_from_db()
    assert (again.status, again.reference_number, again.sent_on) == (
        PaymentStatus.DECLARED,
        "CA7ZzYyXx11",
        dt.date(2026, 1, 13),
    )
    assert again.receipt != first_receipt
    assert again.receipt.content_type == "image/png"
    first_receipt.refresh_from_db()
    assert not first_receipt.is_current
    assert events(application) == [DossierEventKind.PAYMENT_DECLARED]
    assert AuditEntry.objects.filter(action="payment.correct").count() == 1


def test_a_correction_without_a_new_file_keeps_the_receipt():
    application = ApplicationFactory()
    first = declared_payment(application)

    again = declared_payment(application, sender_name="C. Tremblay", receipt=None)

    assert again.pk == first.pk
    again.refresh_from_db()
    assert again.receipt_id == first.receipt_id
    assert again.sender_name == "C. Tremblay"


def test_declaring_without_a_receipt_is_refused():
    application = ApplicationFactory()

    with pytest.raises(DomainError, match="Upload the receipt") as error:
        declared_payment(application, receipt=None)

    assert error.value.code == "receipt"
    assert not Payment.objects.exists()
    application.refresh_from_db()
    assert application.payment_status == ""
    assert events(application) == []


def test_a_receipt_that_is_no_image_or_pdf_is_refused_and_nothing_is_kept(private_storage):
    application = ApplicationFactory()

    with pytest.raises(DomainError) as error:
        declared_payment(application, receipt=receipt_upload(b"just some text\n", "receipt.pdf"))

    assert error.value.code == "type"
    assert not Payment.objects.exists()
    assert not Document.objects.filter(kind=DocumentKind.FEE_RECEIPT).exists()


def test_a_draft_cannot_declare_once_the_campaign_has_closed(campaign_open):
    application = ApplicationFactory()
    campaign_open.move_to(CAMPAIGN_CLOSED_AT)

    with pytest.raises(DomainError, match="application period has ended") as error:
        declared_payment(application)

    assert error.value.code == "not_allowed"
    assert not Payment.objects.exists()


def test_a_withdrawn_dossier_cannot_declare():
    application = ApplicationFactory()
    dossier_services.application_transition(
        application=application, to_status=ApplicationStatus.WITHDRAWN, actor=application.candidate
    )

    with pytest.raises(DomainError, match="closed") as error:
        declared_payment(application)

    assert error.value.code == "not_allowed"


def test_a_submitted_dossier_declares_again_after_a_rejection_even_after_the_deadline(
    campaign_open,
):
    application = submitted_dossier()
    rejected = services.live_payment(application)
    services.payment_reject(payment=rejected, actor=StaffFactory(), reason=RejectionReason.RECEIPT)
    campaign_open.move_to(CAMPAIGN_CLOSED_AT)

    new = declared_payment(application, reference_number="CA5NewRef77")

    assert new.pk != rejected.pk
    assert new.status == PaymentStatus.DECLARED
    rejected.refresh_from_db()
    assert rejected.status == PaymentStatus.REJECTED
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.payment_status == "declared"
    assert services.live_payment(application) == new
    assert events(application) == [
        DossierEventKind.PAYMENT_DECLARED,
        DossierEventKind.PAYMENT_REJECTED,
        DossierEventKind.PAYMENT_DECLARED,
    ]


def test_a_received_payment_cannot_be_declared_again():
    application = ApplicationFactory()
    matched_payment(application)

    with pytest.raises(DomainError, match="already been received") as error:
        declared_payment(application)

    assert error.value.code == "received"
    assert Payment.objects.filter(application=application).count() == 1


# --- verifying --------------------------------------------------------------------------------


def test_only_a_matched_payment_can_be_verified():
    application = ApplicationFactory()
    payment = declared_payment(application)

    with pytest.raises(DomainError, match="Only a payment matched") as error:
        services.payment_verify(payment=payment, actor=StaffFactory())

    assert error.value.code == "status"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.DECLARED
    application.refresh_from_db()
    assert application.payment_status == "declared"


def test_verify_pays_the_dossier_and_tells_the_candidate_in_french(
    django_capture_on_commit_callbacks, mailoutbox
):
    application = numbered_dossier("CA27-00042", email="marie@example.ca", first_name="Marie")
    payment = matched_payment(application)
    staff = StaffFactory()

    with django_capture_on_commit_callbacks(execute=True):
        verified = services.payment_verify(payment=payment, actor=staff)

    verified.refresh_from_db()
    assert (verified.status, verified.decided_by) == (PaymentStatus.VERIFIED, staff)
    assert verified.decided_at is not None
    application.refresh_from_db()
    assert application.payment_status == "verified"
    assert application.payment_verified is True
    assert events(application)[-1] == DossierEventKind.PAYMENT_VERIFIED
    assert DossierEvent.objects.filter(application=application).last().actor == staff
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["marie@example.ca"]
    assert message.subject.startswith("[TAPIF] ")
    assert "CA27-00042" in message.subject
    # French: the greeting and the signature, and the amount with a decimal comma.
    assert "Bonjour Marie," in message.body
    assert "80,00 CAD" in message.body
    assert "CA27-00042" in message.body
    assert "L’équipe TAPIF de l’Ambassade de France au Canada" in message.body
    assert message.subject != "[TAPIF] Application fee verified for dossier CA27-00042"
    assert "The embassy has verified" not in message.body
    assert "Bonjour Marie," in message.alternatives[0][0]


def test_verify_mails_an_english_candidate_in_english(
    django_capture_on_commit_callbacks, mailoutbox
):
    application = numbered_dossier("CA27-00043", language="en", first_name="Liam")
    payment = matched_payment(application)

    with django_capture_on_commit_callbacks(execute=True):
        services.payment_verify(payment=payment, actor=StaffFactory())

    message = mailoutbox[0]
    assert message.subject == "[TAPIF] Application fee verified for dossier CA27-00043"
    assert message.body.startswith("Hello Liam,")
    assert (
        "The embassy has verified your application fee of 80.00 CAD for dossier CA27-00043. "
        "Your dossier can now be reviewed."
    ) in message.body


def test_verifying_twice_changes_nothing_more(django_capture_on_commit_callbacks, mailoutbox):
    application = ApplicationFactory()
    payment = verified_payment(application)

    with django_capture_on_commit_callbacks(execute=True):
        again = services.payment_verify(payment=payment, actor=StaffFactory())

    assert again.status == PaymentStatus.VERIFIED
    assert events(application).count(DossierEventKind.PAYMENT_VERIFIED) == 1
    assert mailoutbox == []


def test_verify_matched_counts_verified_and_skipped(django_capture_on_commit_callbacks, mailoutbox):
    matched = ApplicationFactory()
    matched_payment(matched)
    declared = ApplicationFactory()
    declared_payment(declared)
    paid_twice = ApplicationFactory()
    matched_payment(paid_twice)
    import_statement(statement_csv(bank_row_for(paid_twice, reference_number="CA0Twice0001")))
    assert Payment.objects.filter(application=paid_twice, duplicate=True).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        result = services.payments_verify_matched(
            payments=Payment.objects.order_by("pk"), actor=StaffFactory()
        )

    # matched and paid_twice's first payment verified; the declared one and the duplicate not.
    assert result == (2, 2)
    assert dict(
        Payment.objects.values_list("application__number", "status").filter(duplicate=False)
    ) == {
        matched.number: PaymentStatus.VERIFIED,
        declared.number: PaymentStatus.DECLARED,
        paid_twice.number: PaymentStatus.VERIFIED,
    }
    assert Payment.objects.get(duplicate=True).status == PaymentStatus.MATCHED
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [matched.candidate.email, paid_twice.candidate.email]
    )


# --- rejecting --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "note", "code"),
    [("", "", "reason"), ("late", "", "reason"), (RejectionReason.OTHER, "  ", "note")],
)
def test_reject_needs_a_valid_reason_and_a_note_for_other(reason, note, code):
    application = ApplicationFactory()
    payment = declared_payment(application)

    with pytest.raises(DomainError) as error:
        services.payment_reject(payment=payment, actor=StaffFactory(), reason=reason, note=note)

    assert error.value.code == code
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.DECLARED
    assert events(application) == [DossierEventKind.PAYMENT_DECLARED]


def test_reject_tells_the_candidate_why_and_asks_for_a_new_declaration(
    django_capture_on_commit_callbacks, mailoutbox
):
    application = numbered_dossier("CA27-00044", language="en", first_name="Sophie")
    payment = matched_payment(application)
    staff = StaffFactory()

    with django_capture_on_commit_callbacks(execute=True):
        services.payment_reject(
            payment=payment,
            actor=staff,
            reason=RejectionReason.OTHER,
            note=" The receipt shows another recipient. ",
        )

    payment.refresh_from_db()
    assert (payment.status, payment.rejection_reason, payment.rejection_note) == (
        PaymentStatus.REJECTED,
        RejectionReason.OTHER,
        "The receipt shows another recipient.",
    )
    assert payment.decided_by == staff
    application.refresh_from_db()
    assert application.payment_status == "rejected"
    assert services.fee_status(application) == "rejected"
    assert services.live_payment(application) is None
    event = DossierEvent.objects.filter(application=application).last()
    assert (event.kind, event.note, event.actor) == (
        DossierEventKind.PAYMENT_REJECTED,
        "Other reason (see the note). The receipt shows another recipient.",
        staff,
    )
    assert fee_missing(application) == [
        "Application fee: your payment was rejected, declare a new one"
    ]
    message = mailoutbox[0]
    assert message.to == [application.candidate.email]
    assert message.subject == (
        "[TAPIF] Your application fee payment for dossier CA27-00044 was not accepted"
    )
    assert "Reason: Other reason (see the note)\nThe receipt shows another recipient." in (
        message.body
    )
    assert (
        "Reason: Other reason (see the note)<br>The receipt shows another recipient."
        in (message.alternatives[0][0])
    )


def test_reject_mail_gives_the_reason_label(django_capture_on_commit_callbacks, mailoutbox):
    application = ApplicationFactory(candidate=CandidateFactory(preferred_language="en"))
    payment = declared_payment(application)

    with django_capture_on_commit_callbacks(execute=True):
        services.payment_reject(
            payment=payment, actor=StaffFactory(), reason=RejectionReason.WRONG_AMOUNT
        )

    assert "Reason: The amount received is not the application fee" in mailoutbox[0].body
    payment.refresh_from_db()
    assert payment.rejection_note == ""


def test_a_verified_payment_cannot_be_rejected():
    payment = verified_payment(ApplicationFactory())

    with pytest.raises(DomainError) as error:
        services.payment_reject(
            payment=payment, actor=StaffFactory(), reason=RejectionReason.DETAILS
        )

    assert error.value.code == "status"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.VERIFIED


# --- refunding --------------------------------------------------------------------------------


def test_refunding_a_duplicate_leaves_the_dossier_paid(
    django_capture_on_commit_callbacks, mailoutbox
):
    application = numbered_dossier("CA27-00042", language="en")
    verified = verified_payment(application)
    import_statement(statement_csv(bank_row_for(application, reference_number="CA1Again0002")))
    duplicate = Payment.objects.get(application=application, duplicate=True)
    staff = StaffFactory()

    with django_capture_on_commit_callbacks(execute=True):
        services.payment_refund(payment=duplicate, actor=staff, note="Sent back on 20 January.")

    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.decided_by) == (PaymentStatus.REFUNDED, staff)
    verified.refresh_from_db()
    assert verified.status == PaymentStatus.VERIFIED
    application.refresh_from_db()
    assert application.payment_status == "verified"
    assert services.fee_status(application) == "verified"
    event = DossierEvent.objects.filter(application=application).last()
    assert (event.kind, event.note) == (
        DossierEventKind.PAYMENT_REFUNDED,
        "Sent back on 20 January.",
    )
    message = mailoutbox[0]
    assert message.subject == "[TAPIF] A payment for dossier CA27-00042 has been refunded"
    assert "refunded the e-Transfer of 80.00 CAD received on" in message.body
    assert "Sent back on 20 January." in message.body


def test_a_plain_verified_payment_cannot_be_refunded(mailoutbox):
    payment = verified_payment(ApplicationFactory())

    with pytest.raises(DomainError, match="Only a duplicate") as error:
        services.payment_refund(payment=payment, actor=StaffFactory())

    assert error.value.code == "status"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.VERIFIED
    assert mailoutbox == []


def test_a_rejected_payment_that_was_received_can_be_refunded():
    application = ApplicationFactory()
    payment = matched_payment(application)
    services.payment_reject(payment=payment, actor=StaffFactory(), reason=RejectionReason.DETAILS)

    services.payment_refund(payment=payment, actor=StaffFactory())

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    application.refresh_from_db()
    assert application.payment_status == "refunded"


def test_a_rejected_declaration_never_received_cannot_be_refunded():
    payment = declared_payment(ApplicationFactory())
    services.payment_reject(
        payment=payment, actor=StaffFactory(), reason=RejectionReason.NOT_RECEIVED
    )

    with pytest.raises(DomainError) as error:
        services.payment_refund(payment=payment, actor=StaffFactory())

    assert error.value.code == "status"


def test_a_verified_payment_reported_by_the_bank_first_cannot_be_rewritten():
    """Found in the browser: a payment the bank reported before any declaration, once verified,
    takes no declaration any more (it would rewrite what staff verified)."""
    application = ApplicationFactory()
    payment = matched_payment(application, declare=False)
    services.payment_verify(payment=payment, actor=StaffFactory())

    with pytest.raises(DomainError) as refused:
        services.payment_declare(
            application=application, **declaration(application, reference_number="ZZZZZZZZ")
        )

    assert refused.value.code == "received"
    payment.refresh_from_db()
    assert (payment.status, payment.declared_at) == (PaymentStatus.VERIFIED, None)
    assert payment.reference_number != "ZZZZZZZZ"
