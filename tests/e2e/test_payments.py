"""The application fee in the browser: the candidate declares, staff import and verify or reject.

The candidate declares their Interac e-Transfer on "Application fee"; staff (a superuser with an
authenticator app) upload the bank's CSV export in the admin, first as a dry run, then for real,
and verify the matched payment with the list's bulk action, or reject a declared one with a
reason. Each person has their own browser context; staff read the admin in English.

As in test_dossier.py, each test opens a campaign of its own around the real present (the live
server answers from a thread on the real clock), and the dossier is built through the services
(sections and documents only: the fee is what is tested here).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, Page, expect

from candidates import services
from candidates.models import Application
from payments.forms import PaymentDeclarationForm
from payments.models import BankLine, Payment, StatementImport
from tapif.core.models import Campaign, User
from tests.candidates.dossier import fill_documents, fill_sections
from tests.candidates.factories import tiny_jpeg, tiny_png
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.helpers import (
    axe_violations,
    describe_violations,
    log_in,
    submit_login_form,
    totp_code,
)

pytestmark = pytest.mark.e2e

HEADER = "date,amount,currency,sender_name,sender_email,reference_number,message"
REFERENCE = "CA1AbCdEfGh2"
DECLARED = "Declared, waiting for the embassy's bank statement"


@pytest.fixture
def receipts(tmp_path) -> dict[str, Path]:
    """Receipts on disk, for the browser's file picker."""
    folder = tmp_path / "picked"
    folder.mkdir()
    files = {"etransfer-receipt.jpg": tiny_jpeg(), "second-receipt.png": tiny_png()}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return {name: folder / name for name in files}


@pytest.fixture
def staff_page(browser: Browser, browser_context_args: dict) -> Iterator[Page]:
    """A second browser, for staff, in English (the admin follows the browser's language)."""
    context = browser.new_context(**{**browser_context_args, "locale": "en-CA"})
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def staff(make_user) -> tuple[User, str]:
    """A superuser with an authenticator app: (the user, the app's secret)."""
    user = make_user(is_superuser=True, language="en", first_name="Sophie", last_name="Martin")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret


def _candidate_with_dossier(make_user, campaign: Campaign) -> Application:
    """A draft dossier whose sections and documents are complete, the fee not declared."""
    candidate = make_user(language="en", first_name="Camille", last_name="Tremblay")
    application = services.application_create(candidate=candidate, campaign=campaign)
    fill_sections(application)
    fill_documents(application)
    application.refresh_from_db()
    assert application.payment_status == ""
    return application


def _admin_log_in(page: Page, user: User, secret: str) -> None:
    page.goto("/admin/")
    submit_login_form(page, email=user.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    form = page.get_by_role("main").locator("form").filter(has=page.locator("input[name=code]"))
    form.locator("input[name=code]").fill(totp_code(secret))
    form.locator("button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/admin/$"))
    expect(page.locator("#site-name")).to_contain_text("TAPIF Canada")


def _dossier_nav(page: Page):
    return page.get_by_role("navigation", name="Dossier sections")


def _nav_state(page: Page, title: str):
    return _dossier_nav(page).get_by_role("listitem").filter(has_text=title).locator(".state")


def _messages(page: Page):
    return page.locator("main .messages")


def _declare(
    page: Page,
    *,
    memo: str,
    receipt: Path | None,
    reference: str = REFERENCE,
    amount: str = "80.00",
    sender: str = "Camille Tremblay",
) -> None:
    """Fill the declaration form on the fee page and send it (English labels)."""
    main = page.locator("main")
    main.get_by_label("Amount sent (CAD)").fill(amount)
    main.get_by_label("Date you sent it").fill(timezone.localdate().isoformat())
    main.get_by_label("Name of the sender").fill(sender)
    main.get_by_label("Interac reference number").fill(reference)
    main.get_by_label("Message you typed").fill(memo)
    if receipt is not None:
        main.get_by_label("Receipt of the e-Transfer").set_input_files(receipt)
    main.get_by_role("button", name="Declare my payment").click()


def _statement(tmp_path: Path, name: str, *rows: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _upload_statement(page: Page, csv: Path, *, dry_run: bool) -> None:
    main = page.locator("#content-main")
    main.get_by_label("Bank export (CSV)").set_input_files(csv)
    dry_run_box = main.get_by_label("Dry run (show what would happen, change nothing)")
    if dry_run:
        dry_run_box.check()
    else:
        expect(dry_run_box).not_to_be_checked()
    main.get_by_role("button", name="Import").click()


def _count(page: Page, label: str):
    """The number next to `label` in the import report's counts table."""
    return (
        page.locator("#content-main table")
        .first.get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name=label, exact=True))
        .locator("td")
    )


def _run_action(page: Page, payment: Payment, action: str) -> None:
    """Tick one payment in the admin list and run a bulk action on it."""
    page.locator(f"input[name=_selected_action][value='{payment.pk}']").check()
    page.locator("select[name=action]").select_option(label=action)
    page.get_by_role("button", name="Run").click()


def test_candidate_declares_and_staff_import_the_statement_and_verify(
    page: Page, staff_page: Page, staff, make_user, campaign, storage, receipts, tmp_path
):
    application = _candidate_with_dossier(make_user, campaign)
    candidate = application.candidate
    number = application.number
    memo = f"TAPIF application fee {number}"

    # The candidate: section 5 waits for the fee; the fee page gives the instructions.
    log_in(page, email=candidate.email, language="en")
    page.wait_for_url(re.compile(r"/en/dossier/$"))
    expect(_nav_state(page, "5. My strengths")).to_have_text("to complete")
    expect(_nav_state(page, "Documents")).to_have_text("complete")
    expect(_nav_state(page, "Application fee")).to_have_text("to complete")
    fee_card = page.locator("main section[aria-labelledby=fee-title]")
    expect(fee_card.locator(".badge")).to_have_text("Not declared yet")
    _dossier_nav(page).get_by_role("link", name="Application fee", exact=True).click()
    page.wait_for_url(re.compile(r"/en/dossier/fee/$"))
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Application fee")
    expect(main.locator("#fee-status")).to_have_text("Not declared yet")
    expect(main.locator("#etransfer-memo")).to_have_text(memo)
    expect(main.locator("#etransfer-recipient")).to_have_text(campaign.etransfer_recipient)
    expect(main.get_by_role("button", name="Copy the message")).to_be_visible()
    expect(main.get_by_label("Amount sent (CAD)")).to_have_value("80.00")
    expect(main.get_by_label("Name of the sender")).to_have_value("Camille Tremblay")
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)

    # Without a receipt the declaration is refused next to the file field, the answers kept.
    _declare(page, memo=memo, receipt=None)
    expect(main.locator("#id_receipt_error")).to_have_text("Upload the receipt of your e-Transfer.")
    expect(page.get_by_role("alert")).to_contain_text("Upload the receipt of your e-Transfer.")
    expect(main.get_by_label("Interac reference number")).to_have_value(REFERENCE)
    expect(main.get_by_label("Message you typed")).to_have_value(memo)
    expect(main.locator("#fee-status")).to_have_text("Not declared yet")
    assert not Payment.objects.filter(application=application).exists()
    _declare(page, memo=memo, receipt=receipts["etransfer-receipt.jpg"])
    expect(_messages(page)).to_have_text(
        "Your payment is declared. The embassy matches it with its bank statement."
    )
    expect(main.locator("#fee-status")).to_have_text(DECLARED)
    expect(_nav_state(page, "Application fee")).to_have_text("declared")
    expect(_nav_state(page, "5. My strengths")).to_have_text("complete")
    # Until the bank statement, the declaration can be corrected (the receipt kept).
    expect(main.get_by_role("heading", name="Correct your declaration")).to_be_visible()
    expect(main.locator("section[aria-labelledby=payments-title]")).to_contain_text(
        "etransfer-receipt.jpg"
    )
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    payment = Payment.objects.get(application=application)
    assert (payment.status, payment.amount, payment.reference_number, payment.memo) == (
        "declared",
        Decimal("80.00"),
        REFERENCE,
        memo,
    )
    assert payment.receipt.original_name == "etransfer-receipt.jpg"

    # Staff: the admin, the upload page, a dry run first.
    staff_user, secret = staff
    admin = staff_page
    _admin_log_in(admin, staff_user, secret)
    admin.locator("#content-main").get_by_role("link", name="Bank statement imports").click()
    admin.wait_for_url(re.compile(r"/admin/payments/statementimport/$"))
    admin.get_by_role("link", name=re.compile(r"^Add bank statement import")).click()
    admin.wait_for_url(re.compile(r"/admin/payments/statementimport/add/$"))
    expect(admin.get_by_role("heading", level=1)).to_have_text("Import a bank statement")
    today = timezone.localdate().isoformat()
    csv = _statement(
        tmp_path,
        "etransfers.csv",
        f"{today},80.00,CAD,Camille Tremblay,{candidate.email},{REFERENCE},{memo}",
    )
    _upload_statement(admin, csv, dry_run=True)
    expect(admin.get_by_role("heading", level=1)).to_have_text("Bank statement: dry run")
    expect(admin.locator(".messagelist")).to_contain_text(
        "Dry run of etransfers.csv: nothing was saved."
    )
    expect(admin.locator("#dry-run-notice")).to_contain_text("Dry run: nothing was saved.")
    expect(_count(admin, "Matched")).to_have_text("1")
    expect(_count(admin, "Unmatched")).to_have_text("0")
    expect(_count(admin, "Lines read")).to_have_text("1")
    expect(admin.locator("#content-main tr.outcome-matched")).to_contain_text(number)
    assert not StatementImport.objects.exists()
    assert not BankLine.objects.exists()
    payment.refresh_from_db()
    assert payment.status == "declared"

    # Then for real.
    admin.get_by_role("link", name="Upload the file again to import it").click()
    admin.wait_for_url(re.compile(r"/admin/payments/statementimport/add/$"))
    _upload_statement(admin, csv, dry_run=False)
    expect(admin.get_by_role("heading", level=1)).to_have_text("Bank statement imported")
    # (The admin capitalises the first letter of its messages, the file name's here.)
    expect(admin.locator(".messagelist")).to_contain_text(
        re.compile(r"etransfers\.csv imported: 1 new line\.", re.IGNORECASE)
    )
    expect(admin.locator("#dry-run-notice")).to_have_count(0)
    expect(_count(admin, "Matched")).to_have_text("1")
    expect(_count(admin, "Amount mismatch")).to_have_text("0")
    expect(_count(admin, "Duplicates: to refund")).to_have_text("0")
    expect(_count(admin, "Unmatched")).to_have_text("0")
    expect(_count(admin, "Already imported (skipped)")).to_have_text("0")
    payment.refresh_from_db()
    assert payment.status == "matched"
    assert payment.bank_line.statement == StatementImport.objects.get()

    # The candidate sees the payment received.
    page.reload()
    expect(main.locator("#fee-status")).to_have_text(
        "Received, waiting for the embassy's verification"
    )

    # Staff verify it from the list of matched payments.
    admin.get_by_role("link", name="The matched payments to verify").click()
    admin.wait_for_url(re.compile(r"/admin/payments/payment/\?status__exact=matched$"))
    rows = admin.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(number)
    expect(rows).to_contain_text(candidate.email)
    _run_action(admin, payment, "Verify the selected matched payments")
    expect(admin.locator(".messagelist")).to_contain_text(
        "1 payment verified: its candidate is told by e-mail."
    )
    payment.refresh_from_db()
    assert (payment.status, payment.decided_by) == ("verified", staff_user)

    # The candidate: verified on the fee page, the overview and the history; an e-mail.
    page.reload()
    expect(main.locator("#fee-status")).to_have_text("Payment verified")
    expect(main).to_contain_text("The embassy has verified that your fee reached the programme.")
    expect(main.get_by_role("button", name="Declare my payment")).to_have_count(0)
    expect(_nav_state(page, "Application fee")).to_have_text("verified")
    _dossier_nav(page).get_by_role("link", name="Overview", exact=True).click()
    page.wait_for_url(re.compile(r"/en/dossier/$"))
    expect(fee_card.locator(".badge")).to_have_text("Payment verified")
    expect(fee_card).to_contain_text("Your payment has reached the programme")
    _dossier_nav(page).get_by_role("link", name="History", exact=True).click()
    page.wait_for_url(re.compile(r"/en/dossier/timeline/$"))
    expect(page.locator("ol.timeline > li strong")).to_have_text(
        [
            "Application fee verified",
            "Application fee received by the embassy",
            "Application fee declared",
            "In preparation",
        ]
    )
    sent = [m for m in mail.outbox if candidate.email in m.to]
    assert [m.subject for m in sent] == [f"[TAPIF] Application fee verified for dossier {number}"]
    assert "The embassy has verified your application fee of 80.00 CAD" in sent[0].body


def test_staff_reject_a_declared_payment_and_the_candidate_declares_again(
    page: Page, staff_page: Page, staff, make_user, campaign, storage, receipts
):
    application = _candidate_with_dossier(make_user, campaign)
    candidate = application.candidate
    memo = f"TAPIF application fee {application.number}"
    note = "The receipt shows a transfer to another recipient."

    log_in(page, email=candidate.email, language="en")
    page.wait_for_url(re.compile(r"/en/dossier/$"))
    page.goto("/en/dossier/fee/")
    _declare(page, memo=memo, receipt=receipts["etransfer-receipt.jpg"])
    main = page.locator("main")
    expect(main.locator("#fee-status")).to_have_text(DECLARED)
    # A declared fee completes the dossier: it can be submitted, and is.
    application.refresh_from_db()
    services.application_submit(application=application, actor=candidate)
    payment = Payment.objects.get(application=application)

    # Staff reject it: "other" needs a note, then the candidate is told.
    staff_user, secret = staff
    admin = staff_page
    _admin_log_in(admin, staff_user, secret)
    admin.goto("/admin/payments/payment/?status__exact=declared")
    expect(admin.locator("#result_list tbody tr")).to_have_count(1)
    _run_action(admin, payment, "Reject the selected payments (with a reason)")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Reject payments")
    content = admin.locator("#content-main")
    expect(content.locator("table")).to_contain_text(application.number)
    content.get_by_label("Other reason (see the note)").check()
    content.get_by_role("button", name="Reject").click()
    expect(content.locator(".errorlist")).to_contain_text(
        "Explain the reason to the candidate in the note."
    )
    payment.refresh_from_db()
    assert payment.status == "declared"
    content.get_by_label("Other reason (see the note)").check()
    content.get_by_label("Note to the candidate").fill(note)
    content.get_by_role("button", name="Reject").click()
    expect(admin.locator(".messagelist")).to_contain_text(
        "1 payment rejected: its candidate is told why by e-mail."
    )
    payment.refresh_from_db()
    assert (payment.status, payment.rejection_reason, payment.rejection_note) == (
        "rejected",
        "other",
        note,
    )
    rejected_mail = [
        m for m in mail.outbox if candidate.email in m.to and "not accepted" in m.subject
    ]
    assert len(rejected_mail) == 1
    assert note in rejected_mail[0].body

    # The candidate reads why, and declares a new e-Transfer (after submission too).
    page.reload()
    expect(main.locator("#fee-status")).to_have_text("Rejected: declare your payment again")
    payments = main.locator("section[aria-labelledby=payments-title]")
    expect(payments).to_contain_text(f"Other reason (see the note) — {note}")
    expect(main.get_by_role("heading", name="Declare your e-Transfer")).to_be_visible()
    expect(_nav_state(page, "Application fee")).to_have_text("to complete")
    _declare(page, memo=memo, receipt=receipts["second-receipt.png"], reference="CA9ZyXwVuTs8")
    expect(_messages(page)).to_have_text(
        "Your payment is declared. The embassy matches it with its bank statement."
    )
    expect(main.locator("#fee-status")).to_have_text(DECLARED)
    expect(_nav_state(page, "Application fee")).to_have_text("declared")
    expect(payments.locator(".card")).to_have_count(2)
    statuses = list(
        Payment.objects.filter(application=application)
        .order_by("created_at", "id")
        .values_list("status", "reference_number")
    )
    assert statuses == [("rejected", REFERENCE), ("declared", "CA9ZyXwVuTs8")]


def _in_french(english: str) -> str:
    """The French of a string of the site, from its catalogue; a missing translation fails."""
    with translation.override("fr"):
        french = gettext(english)
    assert french != english, f"not translated into French: {english!r}"
    return french


def test_fee_page_in_french_refuses_another_amount_in_french(
    page: Page, make_user, campaign, storage, receipts
):
    candidate = make_user(language="fr", first_name="Élodie")
    application = services.application_create(candidate=candidate, campaign=campaign)
    # What the page should say, from the French catalogue (the form builds its own messages).
    with translation.override("fr"):
        form = PaymentDeclarationForm(
            {"amount": "75", "sent_on": timezone.localdate(), "sender_name": "Élodie Roy"}
            | {"reference_number": REFERENCE, "memo": "TAPIF"},
            campaign=campaign,
        )
        labels = {name: str(field.label) for name, field in form.fields.items()}
        amount_error = form.errors["amount"][0]
    with translation.override("en"):
        english_form = PaymentDeclarationForm(form.data, campaign=campaign)
        assert labels["amount"] != str(english_form.fields["amount"].label), "label in English"
        assert amount_error != english_form.errors["amount"][0], "error in English"
    assert labels["amount"] == "Montant envoyé (CAD)"
    assert amount_error.startswith("Les frais de candidature s’élèvent à 80,00 CAD.")
    assert campaign.etransfer_recipient in amount_error

    log_in(page, email=candidate.email, language="fr")
    page.wait_for_url(re.compile(r"/fr/dossier/$"))
    nav = page.get_by_role("navigation", name=_in_french("Dossier sections"))
    nav.get_by_role("link", name="Frais de candidature", exact=True).click()
    page.wait_for_url(re.compile(r"/fr/dossier/fee/$"))
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Frais de candidature")
    expect(main.locator("#fee-status")).to_have_text(_in_french("Not declared yet"))
    expect(main.locator("#etransfer-memo")).to_have_text(
        f"TAPIF application fee {application.number}"
    )
    expect(main.get_by_role("heading", name=_in_french("Declare your e-Transfer"))).to_be_visible()
    for name in ("sent_on", "sender_name", "reference_number", "memo", "receipt"):
        expect(main.locator(f"label[for=id_{name}]")).to_have_text(labels[name])
    main.get_by_label(labels["amount"], exact=True).fill("75")
    main.get_by_label(labels["sent_on"], exact=True).fill(timezone.localdate().isoformat())
    main.get_by_label(labels["reference_number"], exact=True).fill(REFERENCE)
    main.get_by_label(labels["memo"], exact=True).fill("TAPIF application fee")
    main.get_by_label(labels["receipt"], exact=True).set_input_files(
        receipts["etransfer-receipt.jpg"]
    )
    main.get_by_role("button", name=_in_french("Declare my payment")).click()

    expect(main.locator("#id_amount_error")).to_have_text(amount_error)
    expect(page.get_by_role("alert")).to_contain_text(amount_error)
    expect(main.get_by_label(labels["amount"], exact=True)).to_have_value("75")
    expect(main.locator("#fee-status")).to_have_text(_in_french("Not declared yet"))
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    assert not Payment.objects.filter(application=application).exists()
