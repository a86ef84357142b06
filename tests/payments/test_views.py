"""The candidate's fee page: instructions, the declaration form and its refusals, what the
candidate sees once staff decide, and who may open it.

Pages are requested in English (`/en/…`) so the assertions read the exact English text, but
for the French refusal of a wrong amount.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from pytest_django.asserts import assertContains, assertInHTML, assertRedirects

from candidates.choices import DocumentKind
from candidates.models import Document
from payments import services
from payments.choices import PaymentStatus, RejectionReason
from payments.models import Payment
from tests.candidates.factories import ApplicationFactory, stored_files, tiny_pdf
from tests.factories import ProfessorFactory, StaffFactory
from tests.payments.factories import (
    declared_payment,
    matched_payment,
    numbered_dossier,
    receipt_upload,
    verified_payment,
)

pytestmark = pytest.mark.usefixtures("campaign_open", "private_storage")

FEE_URL = "/en/dossier/fee/"


@pytest.fixture
def dossier():
    return numbered_dossier("CA27-00042", email="marie.tremblay@example.ca", language="en")


@pytest.fixture
def owner(client, dossier):
    client.force_login(dossier.candidate)
    return client


def form_data(**overrides) -> dict:
    return {
        "amount": "80.00",
        "sent_on": "2026-01-14",
        "sender_name": "Marie Tremblay",
        "reference_number": "CA7Kp2Rt9Xq1",
        "memo": "TAPIF application fee CA27-00042",
        "receipt": receipt_upload(tiny_pdf(), "etransfer.pdf"),
    } | overrides


def download_url(document: Document) -> str:
    with translation.override("en"):
        return reverse("candidates:document_download", kwargs={"pk": document.pk})


# --- the page ---------------------------------------------------------------------------------


def test_page_gives_the_instructions_with_the_candidates_own_number(owner):
    response = owner.get(FEE_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Not declared yet" in html
    assertInHTML("<dt>Amount</dt><dd>80.00 CAD</dd>", html)
    assertInHTML('<code id="etransfer-recipient">administration@institutfrancais.ca</code>', html)
    assertInHTML('<code id="etransfer-memo">TAPIF application fee CA27-00042</code>', html)
    assert 'data-copy="etransfer-memo"' in html
    assert 'data-copy="etransfer-recipient"' in html
    assert "Declare your e-Transfer" in html
    form = response.context["form"]
    assert list(form.fields) == [
        "amount",
        "sent_on",
        "sender_name",
        "reference_number",
        "memo",
        "receipt",
    ]
    assert form.initial["amount"] == Decimal("80.00")


def test_declaring_with_a_pdf_receipt_records_the_payment(owner, dossier):
    response = owner.post(FEE_URL, form_data(), follow=True)

    assertRedirects(response, FEE_URL)
    assert [str(m) for m in response.context["messages"]] == [
        "Your payment is declared. The embassy matches it with its bank statement."
    ]
    payment = Payment.objects.get()
    assert (payment.application, payment.status, payment.reference_number) == (
        dossier,
        PaymentStatus.DECLARED,
        "CA7Kp2Rt9Xq1",  # as typed on the receipt (matching ignores case)
    )
    assert (payment.amount, payment.sent_on, payment.memo) == (
        Decimal("80.00"),
        dt.date(2026, 1, 14),
        "TAPIF application fee CA27-00042",
    )
    assert payment.receipt.original_name == "etransfer.pdf"
    assert payment.receipt.kind == DocumentKind.FEE_RECEIPT
    dossier.refresh_from_db()
    assert dossier.payment_status == "declared"
    html = response.content.decode()
    assert "Declared, waiting for the embassy&#x27;s bank statement" in html
    assert "Correct your declaration" in html
    assert f'href="{download_url(payment.receipt)}"' in html


def test_the_receipt_is_downloadable_by_its_owner(owner, dossier):
    payment = declared_payment(dossier)

    response = owner.get(download_url(payment.receipt))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == tiny_pdf()


def test_a_correction_without_a_file_keeps_the_receipt(owner, dossier):
    first = declared_payment(dossier)

    response = owner.post(FEE_URL, form_data(receipt="", sender_name="M. Tremblay"))

    assert response.status_code == 302
    payment = Payment.objects.get()
    assert payment.pk == first.pk
    assert (payment.sender_name, payment.receipt_id) == ("M. Tremblay", first.receipt_id)


def test_wrong_amount_is_refused_in_french_on_the_french_page(client, dossier):
    client.force_login(dossier.candidate)

    response = client.post("/fr/dossier/fee/", form_data(amount="75"))

    assert response.status_code == 400
    [error] = response.context["form"].errors["amount"]
    assert "80,00 CAD" in error  # the fee written the French way
    assert "administration@institutfrancais.ca" in error
    assert not error.startswith("The application fee is")  # translated, not the English text
    assert not Payment.objects.exists()


def test_wrong_amount_is_refused_on_the_english_page(owner):
    response = owner.post(FEE_URL, form_data(amount="75.00"))

    assert response.status_code == 400
    assert response.context["form"].errors["amount"] == [
        "The application fee is 80.00 CAD. Declare an e-Transfer of exactly this amount; if you "
        "sent another amount, write to administration@institutfrancais.ca."
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sent_on", "2026-01-16", "This date is in the future."),
        ("sent_on", "2025-08-01", "An e-Transfer sent before 31 August 2025 cannot be this"),
        ("reference_number", "CA-12#4!", "A reference number has 6 to 20 letters and digits"),
        ("reference_number", "CA1", "A reference number has 6 to 20 letters and digits"),
    ],
)
def test_bad_details_are_refused_next_to_their_field(owner, field, value, message):
    response = owner.post(FEE_URL, form_data(**{field: value}))

    assert response.status_code == 400
    [error] = response.context["form"].errors[field]
    assert error.startswith(message)
    assert not Payment.objects.exists()
    assert not Document.objects.exists()


def test_a_declaration_needs_a_receipt(owner):
    response = owner.post(FEE_URL, form_data(receipt=""))

    assert response.status_code == 400
    assert response.context["form"].errors["receipt"] == ["Upload the receipt of your e-Transfer."]
    assert not Payment.objects.exists()


def test_a_text_file_named_pdf_is_refused_next_to_the_receipt_and_nothing_is_saved(
    owner, dossier, private_storage
):
    fake = receipt_upload(b"This is my receipt, honest.\n", "receipt.pdf")

    response = owner.post(FEE_URL, form_data(receipt=fake))

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors == {
        "receipt": ["Only PDF, JPEG or PNG files are accepted (this file is none of them)."]
    }
    assertInHTML(
        '<ul class="errorlist" id="id_receipt_error"><li>Only PDF, JPEG or PNG files are '
        "accepted (this file is none of them).</li></ul>",
        response.content.decode(),
    )
    assert not Payment.objects.exists()
    assert not Document.objects.exists()
    assert stored_files(private_storage) == []
    dossier.refresh_from_db()
    assert dossier.payment_status == ""


def test_another_candidates_receipt_is_not_downloadable(owner):
    other = declared_payment(ApplicationFactory())

    response = owner.get(download_url(other.receipt))

    assert response.status_code == 404


@pytest.mark.parametrize("user_factory", [ProfessorFactory, StaffFactory])
def test_professors_and_staff_are_refused_the_page(client, user_factory):
    client.force_login(user_factory())

    assert client.get(FEE_URL).status_code == 403
    assert client.post(FEE_URL, form_data()).status_code == 403
    assert not Payment.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(FEE_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")


# --- once the bank and staff have spoken ------------------------------------------------------


def test_a_matched_payment_can_no_longer_be_corrected(owner, dossier):
    matched_payment(dossier)

    html = owner.get(FEE_URL).content.decode()
    assert "Received, waiting for the embassy&#x27;s verification" in html
    assert "<form" not in html.split('id="payments-title"')[0].split("fee-status-title")[1]

    response = owner.post(FEE_URL, form_data(reference_number="CA0Other01"), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Your payment has already been received."
    ]
    assert Payment.objects.get().reference_number != "CA0Other01"


def test_a_payment_the_bank_showed_first_asks_for_the_receipt(owner, dossier):
    matched_payment(dossier, declare=False)

    html = owner.get(FEE_URL).content.decode()

    assert "Add your receipt and details" in html
    response = owner.post(FEE_URL, form_data())
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.MATCHED
    assert payment.receipt is not None


def test_after_verification_the_page_and_the_overview_say_payment_verified(owner, dossier):
    verified_payment(dossier)

    fee_page = owner.get(FEE_URL)
    overview = owner.get("/en/dossier/")

    assertInHTML(
        '<span class="badge badge-payment-verified" id="fee-status">Payment verified</span>',
        fee_page.content.decode(),
    )
    assertContains(fee_page, "The embassy has verified that your fee reached the programme.")
    assert fee_page.context["form"] is None
    assertInHTML(
        '<span class="badge badge-payment-verified">Payment verified</span>',
        overview.content.decode(),
    )
    assertContains(overview, "Your payment has reached the programme")


def test_after_a_rejection_the_page_shows_the_reason_and_the_form_again(owner, dossier):
    payment = declared_payment(dossier)
    with translation.override("en"):
        services.payment_reject(
            payment=payment,
            actor=StaffFactory(),
            reason=RejectionReason.OTHER,
            note="The receipt is for another programme.",
        )

    response = owner.get(FEE_URL)

    html = response.content.decode()
    assert "Rejected: declare your payment again" in html
    assertInHTML(
        "<dt>Reason</dt><dd>Other reason (see the note) — The receipt is for another "
        "programme.</dd>",
        html,
    )
    assert response.context["form"] is not None
    assert "Declare your e-Transfer" in html


def test_the_timeline_lists_the_fee_events_with_the_rejection_reason(owner, dossier):
    staff = StaffFactory()
    first = matched_payment(dossier)
    with translation.override("en"):
        services.payment_reject(payment=first, actor=staff, reason=RejectionReason.WRONG_AMOUNT)
    declared_payment(dossier, reference_number="CA3Second22")

    response = owner.get("/en/dossier/timeline/")

    labels = [item.label for item in response.context["changes"]]
    assert labels == [
        "In preparation",
        "Application fee declared",
        "Application fee received by the embassy",
        "Application fee rejected",
        "Application fee declared",
    ]
    html = response.content.decode()
    assert "Reason: The amount received is not the application fee" in html
    assert "By the programme's staff" in html
