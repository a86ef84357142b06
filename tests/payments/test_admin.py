"""The fee admin: statement upload (and dry run), the unmatched queue, payment actions."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from candidates.choices import DossierEventKind
from candidates.models import Application, DossierEvent
from payments.choices import LineOutcome, PaymentStatus, RejectionReason, Source
from payments.models import BankLine, Payment, StatementImport
from payments.services import payment_declare, statement_import
from tapif.core.models import Campaign
from tests.candidates.factories import ApplicationFactory, tiny_pdf
from tests.factories import CandidateFactory, StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_open", "private_storage")]

SAMPLES = Path(__file__).parent / "samples"
UPLOAD = "/admin/payments/statementimport/add/"
PAYMENTS = "/admin/payments/payment/"
LINES = "/admin/payments/bankline/"
HEADER = "date,amount,currency,sender_name,sender_email,reference_number,message\n"

ALL_PERMISSIONS = [
    "view_payment",
    "view_bankline",
    "view_statementimport",
    "verify_payment",
    "import_statement",
]


def staff_with(*codenames: str, **kwargs):
    user = StaffFactory(**kwargs)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="payments", codename__in=codenames)
    )
    return user


@pytest.fixture
def staff():
    return staff_with(*ALL_PERMISSIONS, "view_application", email="treasurer@example.ca")


def log_in(client, user, language: str = "en"):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


@pytest.fixture
def admin_client(client, staff):
    return log_in(client, staff)


def dossier(campaign, number: str, **candidate) -> Application:
    """A dossier of the campaign with the given candidate number (the samples name them)."""
    application = ApplicationFactory(candidate=CandidateFactory(**candidate), campaign=campaign)
    Application.objects.filter(pk=application.pk).update(number=number)
    application.refresh_from_db()
    return application


def dossiers(campaign, *sequences: int) -> dict[int, Application]:
    return {n: dossier(campaign, f"CA27-{n:05d}") for n in sequences}


def csv_file(text: str | bytes, name: str = "export.csv") -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def sample(name: str) -> SimpleUploadedFile:
    return csv_file((SAMPLES / name).read_bytes(), name)


def upload(client, file, *, dry_run: bool = False):
    data = {"file": file}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(UPLOAD, data)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def counts_on(html: str) -> dict[str, str]:
    """The report's counts table, label → number."""
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', html))


def import_text(campaign, text: str, actor=None):
    return statement_import(campaign=campaign, text=text, file_name="t.csv", actor=actor)


def line(reference: str, message: str, amount: str = "80.00", email: str = "x@example.net"):
    return f"2026-01-15,{amount},CAD,Some Sender,{email},{reference},{message}\n"


def declare(application: Application, reference: str = "CAdeclared01") -> Payment:
    return payment_declare(
        application=application,
        actor=application.candidate,
        amount=Decimal("80.00"),
        sent_on=dt.date(2026, 1, 14),
        sender_name="Marie Tremblay",
        reference_number=reference,
        memo=f"TAPIF application fee {application.number}",
        receipt=SimpleUploadedFile("interac.pdf", tiny_pdf(), content_type="application/pdf"),
    )


def run_action(client, action: str, pks, url: str = PAYMENTS, **form):
    data = {"action": action, "_selected_action": [str(pk) for pk in pks], "index": "0"}
    if form:
        data |= {"apply": "yes", **form}
    return client.post(url, data)


# --- the upload page ---------------------------------------------------------------------------


def test_upload_page_documents_the_csv_format(admin_client):
    html = admin_client.get(UPLOAD).content.decode()

    assert "<h1>Import a bank statement</h1>" in html
    english = "date,amount,currency,sender_name,sender_email,reference_number,message"
    assert f"<code>{english}</code>" in html
    assert (
        "<code>date,montant,devise,nom_expediteur,courriel_expediteur,numero_reference,message"
        "</code>"
    ) in html
    assert "<code>15/01/2026</code>" in html
    assert "<code>80,00 $</code>" in html
    assert 'enctype="multipart/form-data"' in html
    assert '<label for="id_file">Bank export (CSV):</label>' in html
    dry_run = "Dry run (show what would happen, change nothing)"
    assert f'<label for="id_dry_run">{dry_run}:</label>' in html
    assert "matched against the dossiers of the current campaign, 2026-2027." in html


def test_upload_imports_the_english_sample_and_reports_each_line(
    admin_client, staff, reference_campaign
):
    found = dossiers(reference_campaign, 42, 43, 44, 47, 48, 49)

    response = upload(admin_client, sample("etransfers_en.csv"))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.templates[0].name == "admin/payments/statementimport/report.html"
    assert counts_on(html) == {
        "Matched": "4",
        "Suggestions to confirm": "0",
        "Amount mismatch": "2",
        "Duplicates: to refund": "1",
        "Unmatched": "3",
        "Already imported (skipped)": "0",
        "Lines read": "10",
        "Debits (not fees, skipped)": "0",
    }
    statement = StatementImport.objects.get()
    assert (statement.file_name, statement.imported_by, statement.lines_read) == (
        "etransfers_en.csv",
        staff,
        10,
    )
    outcomes = dict(BankLine.objects.values_list("reference_number", "outcome"))
    assert outcomes == {
        "CA7Kp2Rt9Xq1": LineOutcome.MATCHED,
        "CA3gHiJ4kLm8": LineOutcome.MATCHED,
        "CA9QwE2rTy5U": LineOutcome.AMOUNT_MISMATCH,
        "CA1ZxC4vBn6M": LineOutcome.DUPLICATE,
        "CA5AsD7fGh2J": LineOutcome.UNMATCHED,
        "CA8LkJ3hGf4D": LineOutcome.UNMATCHED,
        "CA2PoI9uYt7R": LineOutcome.UNMATCHED,
        "CA6MnB1vCx3Z": LineOutcome.MATCHED,
        "CA4ReW8qAs5D": LineOutcome.MATCHED,
        "CA0TyU6iOp9L": LineOutcome.AMOUNT_MISMATCH,
    }
    matched = Payment.objects.filter(status=PaymentStatus.MATCHED, duplicate=False)
    assert {p.application_id for p in matched} == {found[n].pk for n in (42, 43, 47, 48)}
    assert Payment.objects.filter(duplicate=True).get().application == found[42]
    # Each line's outcome with its dossier and explanation, in the staff member's language.
    assert "<td>Amount mismatch</td><td>CA27-00044</td>" in html
    assert escape("Dossier CA27-00044 (its number is in the memo): 75.00 CAD received") in html
    assert escape("Dossier CA27-00042 (its number is in the memo) is already paid") in html
    assert f"{LINES}?outcome__exact=unmatched" in html
    assert f"{PAYMENTS}?status__exact=matched" in html
    assert "Dry run" not in html
    assert messages_of(response) == ["etransfers_en.csv imported: 10 new lines."]


def test_importing_the_same_file_again_changes_nothing(admin_client, reference_campaign):
    dossiers(reference_campaign, 42, 43)
    upload(admin_client, sample("etransfers_en.csv"))

    response = upload(admin_client, sample("etransfers_en.csv"))

    counts = counts_on(response.content.decode())
    assert counts["Already imported (skipped)"] == "10"
    assert counts["Matched"] == counts["Unmatched"] == "0"
    assert BankLine.objects.count() == 10
    assert StatementImport.objects.count() == 2
    assert "No new line: every line of the file had been imported before." in (
        response.content.decode()
    )


def test_upload_reads_the_french_sample_and_answers_in_french(client, staff, reference_campaign):
    dossiers(reference_campaign, 50, 51, 52)
    log_in(client, staff, "fr")

    response = upload(client, sample("etransfers_fr.csv"))

    assert response.status_code == 200
    assert dict(BankLine.objects.values_list("line_number", "outcome")) == {
        2: LineOutcome.MATCHED,
        3: LineOutcome.MATCHED,
        4: LineOutcome.AMOUNT_MISMATCH,
        5: LineOutcome.UNMATCHED,
        6: LineOutcome.UNMATCHED,
    }
    html = response.content.decode()
    assert escape("Dossier CA27-00052 (son numéro figure dans le message) : 75.00 CAD reçus") in (
        html
    )
    assert "its number is in the memo" not in html


def test_dry_run_reports_the_outcomes_and_saves_nothing(admin_client, reference_campaign):
    dossiers(reference_campaign, 42, 43, 44)

    response = upload(admin_client, sample("etransfers_en.csv"), dry_run=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Dry run: nothing was saved." in html
    assert counts_on(html)["Matched"] == "2"
    assert counts_on(html)["Lines read"] == "10"
    assert "<td>Matched</td><td>CA27-00042</td>" in html
    assert (BankLine.objects.count(), StatementImport.objects.count(), Payment.objects.count()) == (
        0,
        0,
        0,
    )
    assert not DossierEvent.objects.exclude(kind=DossierEventKind.STATUS_CHANGED).exists()
    assert messages_of(response) == ["Dry run of etransfers_en.csv: nothing was saved."]
    assert "?outcome__exact=unmatched" not in html


def test_a_malformed_file_names_the_line_and_column_and_imports_nothing(
    admin_client, reference_campaign
):
    text = HEADER + line("CAok000001", "fee") + line("CAbad00002", "fee", amount="eighty")

    response = upload(admin_client, csv_file(text))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.templates[0].name == "admin/payments/statementimport/upload.html"
    assert response.context["problems"] == [
        "Line 3, column amount: “eighty” is not an amount: write 80.00, 80,00 or 80.00 $."
    ]
    assert response.context["readable"] == 1
    assert escape("Line 3, column amount:") in html
    assert "Import the 1 readable line" in html
    assert BankLine.objects.count() == StatementImport.objects.count() == 0

    # Staff choose to import the readable line: the file comes back from the page.
    form = response.context["form"]
    again = admin_client.post(
        UPLOAD,
        {"content": form.initial["content"], "file_name": "bank.csv", "partial": "on"},
    )
    assert again.templates[0].name == "admin/payments/statementimport/report.html"
    assert list(BankLine.objects.values_list("reference_number", flat=True)) == ["CAok000001"]
    assert StatementImport.objects.get().unreadable == 1


def test_a_malformed_file_is_explained_in_french_to_a_french_reader(
    client, staff, reference_campaign
):
    log_in(client, staff, "fr")
    text = "date,montant,devise,nom_expediteur\n"

    response = upload(client, csv_file(text))

    error = response.context["refusal"]
    # The line, the columns by their French names, and the reader's French message; the
    # mapping form beside the file's first lines, to read it anyway.
    assert response.templates[0].name == "admin/payments/statementimport/mapping.html"
    assert error.startswith(
        "Ligne 1, colonne courriel_expediteur, numero_reference, message : Aucun profil"
    )
    assert error.endswith(
        "Le plus proche, «\u00a0e-Transfer (generic)\u00a0», n’a pas : courriel_expediteur, "
        "numero_reference, message. Choisissez un profil, ou associez les colonnes dans "
        "l’administration."
    )
    assert not BankLine.objects.exists()


def test_a_file_over_the_size_limit_is_refused(admin_client, reference_campaign, monkeypatch):
    monkeypatch.setattr("payments.admin.MAX_STATEMENT_SIZE", 100)
    text = HEADER + line("CAbig000001", "fee " * 20)

    response = upload(admin_client, csv_file(text))

    assert response.context["form"].errors["file"] == [
        f"The file is {len(text)}\xa0bytes: a bank export must be at most 100\xa0bytes."
    ]
    assert not BankLine.objects.exists()


def test_a_windows_1252_file_is_read(admin_client, reference_campaign):
    dossiers(reference_campaign, 42)
    text = (HEADER + line("CAlatin0001", "Frais payés CA27-00042")).encode("cp1252")

    upload(admin_client, csv_file(text))

    assert BankLine.objects.get().message == "Frais payés CA27-00042"


def test_a_file_with_a_byte_order_mark_is_read(admin_client, reference_campaign):
    dossiers(reference_campaign, 42)
    text = "\ufeff" + HEADER + line("CAbom000001", "CA27-00042")

    upload(admin_client, csv_file(text.encode("utf-8")))

    assert BankLine.objects.get().outcome == LineOutcome.MATCHED


def test_without_a_current_campaign_the_upload_says_so(admin_client, reference_campaign):
    Campaign.objects.update(is_current=False)

    page = admin_client.get(UPLOAD)
    response = upload(admin_client, csv_file(HEADER + line("CAnone00001", "fee")))

    message = "There is no current campaign: set one up before importing."
    assert message in page.content.decode()
    assert response.context["form"].non_field_errors() == [message]
    assert not BankLine.objects.exists()


def test_staff_without_the_import_permission_get_403_on_the_upload(client, reference_campaign):
    log_in(client, staff_with("view_statementimport", "view_payment", "verify_payment"))

    page = client.get(UPLOAD)
    response = upload(client, sample("etransfers_en.csv"))
    changelist = client.get("/admin/payments/statementimport/")

    assert page.status_code == response.status_code == 403
    assert not StatementImport.objects.exists()
    assert UPLOAD not in changelist.content.decode()


def test_staff_with_the_import_permission_see_the_add_link(admin_client):
    assert UPLOAD in admin_client.get("/admin/payments/statementimport/").content.decode()


# --- imports and bank lines --------------------------------------------------------------------


def test_import_pages_list_counts_and_link_to_their_lines(admin_client, reference_campaign):
    dossiers(reference_campaign, 42)
    report = import_text(
        reference_campaign, HEADER + line("CAa00000001", "CA27-00042") + line("CAb0001", "hi")
    )
    statement = report.statement

    changelist = admin_client.get("/admin/payments/statementimport/").content.decode()
    change = admin_client.get(
        f"/admin/payments/statementimport/{statement.pk}/change/"
    ).content.decode()
    lines = admin_client.get(f"{LINES}?statement__id__exact={statement.pk}")

    assert "t.csv" in changelist
    assert f"{LINES}?statement__id__exact={statement.pk}" in changelist
    assert "<td>Matched</td>" in change
    assert "<td>Unmatched</td>" in change
    assert escape("Fee of dossier CA27-00042 received (its number is in the memo).") in change
    assert {line.pk for line in lines.context["cl"].result_list} == set(
        statement.lines.values_list("pk", flat=True)
    )


def test_unmatched_queue_filters_and_searches_lines(admin_client, reference_campaign):
    dossiers(reference_campaign, 42)
    import_text(
        reference_campaign,
        HEADER + line("CAa00000001", "CA27-00042") + line("CAb0000002", "Happy birthday!"),
    )

    def references(query: str) -> set[str]:
        response = admin_client.get(f"{LINES}?{query}")
        return {line.reference_number for line in response.context["cl"].result_list}

    assert references("outcome__exact=unmatched") == {"CAb0000002"}
    assert references("assigned=yes") == {"CAa00000001"}
    assert references("assigned=no") == {"CAb0000002"}
    assert references("matched_by__exact=memo") == {"CAa00000001"}
    assert references("q=CA27-00042") == {"CAa00000001"}
    assert references("q=birthday") == {"CAb0000002"}


def test_assign_an_unmatched_line_by_typing_the_short_number(
    admin_client, staff, reference_campaign
):
    found = dossiers(reference_campaign, 42)
    import_text(reference_campaign, HEADER + line("CAb0000002", "Happy birthday!"))
    bank_line = BankLine.objects.get()
    url = f"{LINES}{bank_line.pk}/change/"

    page = admin_client.get(url).content.decode()
    response = admin_client.post(f"{LINES}{bank_line.pk}/assign/", {"number": " 00042 "})

    assert '<h2 id="assign-heading">Assign to a dossier</h2>' in page
    assert f'action="{LINES}{bank_line.pk}/assign/"' in page
    assert response.status_code == 302
    assert response["Location"] == url
    bank_line.refresh_from_db()
    assert (bank_line.outcome, bank_line.matched_by, bank_line.application) == (
        LineOutcome.MATCHED,
        Source.MANUAL,
        found[42],
    )
    assert bank_line.assigned_by == staff
    payment = Payment.objects.get(bank_line=bank_line)
    assert (payment.application, payment.status) == (found[42], PaymentStatus.MATCHED)
    assert messages_of(response) == [
        "Line assigned to dossier CA27-00042: Matched. "
        "Fee of dossier CA27-00042 received (assigned by hand)."
    ]
    assert 'id="assign-heading"' not in admin_client.get(url).content.decode()


def test_assign_reads_the_number_as_staff_type_it(admin_client, reference_campaign):
    found = dossiers(reference_campaign, 42)
    import_text(reference_campaign, HEADER + line("CAb0000002", "hi"))
    bank_line = BankLine.objects.get()

    admin_client.post(f"{LINES}{bank_line.pk}/assign/", {"number": "ca27 00042"})

    bank_line.refresh_from_db()
    assert bank_line.application == found[42]


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("00099", "There is no dossier CA27-00099 in the campaign 2026-2027."),
        ("CA26-00042", "“CA26-00042” is not a candidate number: type CA27-00042 or 00042."),
        ("42", "“42” is not a candidate number: type CA27-00042 or 00042."),
    ],
)
def test_assign_explains_a_number_it_cannot_use(admin_client, reference_campaign, typed, error):
    dossiers(reference_campaign, 42)
    import_text(reference_campaign, HEADER + line("CAb0000002", "hi"))
    bank_line = BankLine.objects.get()

    response = admin_client.post(f"{LINES}{bank_line.pk}/assign/", {"number": typed})

    assert response.status_code == 200
    assert response.context["form"].errors == {"number": [error]}
    assert escape(error) in response.content.decode()
    bank_line.refresh_from_db()
    assert (bank_line.outcome, bank_line.application) == (LineOutcome.UNMATCHED, None)


def test_assign_of_a_line_for_a_dossier_already_paid_makes_a_duplicate(
    admin_client, reference_campaign
):
    found = dossiers(reference_campaign, 42)
    import_text(
        reference_campaign,
        HEADER + line("CAa00000001", "CA27-00042") + line("CAb0000002", "again"),
    )
    waiting = BankLine.objects.get(outcome=LineOutcome.UNMATCHED)

    admin_client.post(f"{LINES}{waiting.pk}/assign/", {"number": "00042"})

    waiting.refresh_from_db()
    assert waiting.outcome == LineOutcome.DUPLICATE
    assert Payment.objects.get(bank_line=waiting).duplicate is True
    assert Payment.objects.filter(application=found[42]).count() == 2


def test_staff_without_the_import_permission_cannot_assign(client, reference_campaign):
    dossiers(reference_campaign, 42)
    import_text(reference_campaign, HEADER + line("CAb0000002", "hi"))
    bank_line = BankLine.objects.get()
    log_in(client, staff_with("view_bankline", "view_payment", "verify_payment"))

    page = client.get(f"{LINES}{bank_line.pk}/change/").content.decode()
    response = client.post(f"{LINES}{bank_line.pk}/assign/", {"number": "00042"})

    assert 'id="assign-heading"' not in page
    assert response.status_code == 403
    bank_line.refresh_from_db()
    assert bank_line.outcome == LineOutcome.UNMATCHED


def test_bank_line_pages_are_read_only(admin_client, reference_campaign):
    import_text(reference_campaign, HEADER + line("CAb0000002", "hi"))
    bank_line = BankLine.objects.get()

    response = admin_client.post(
        f"{LINES}{bank_line.pk}/change/", {"amount": "1.00", "_save": "Save"}
    )

    assert response.status_code == 403
    assert admin_client.get(f"{LINES}add/").status_code == 403
    bank_line.refresh_from_db()
    assert bank_line.amount == Decimal("80.00")


# --- payments: the list and the change page -----------------------------------------------------


def test_payment_list_shows_the_columns_and_filters(admin_client, reference_campaign):
    found = dossiers(reference_campaign, 42, 43)
    declared = declare(found[43], reference="CAdeclared43")
    import_text(
        reference_campaign,
        HEADER + line("CAa00000001", "CA27-00042") + line("CAa00000002", "CA27-00042 again"),
    )
    matched = Payment.objects.get(application=found[42], duplicate=False)
    duplicate = Payment.objects.get(application=found[42], duplicate=True)

    def pks(query: str) -> set[int]:
        response = admin_client.get(f"{PAYMENTS}?{query}")
        return {p.pk for p in response.context["cl"].result_list}

    html = admin_client.get(PAYMENTS).content.decode()

    assert found[43].candidate.email in html
    assert "CAdeclared43" in html
    assert "Matched to a bank line" in html
    assert pks("") == {declared.pk, matched.pk, duplicate.pk}
    assert pks("status__exact=matched") == {matched.pk, duplicate.pk}
    assert pks("duplicate__exact=1") == {duplicate.pk}
    assert pks("declared=yes") == {declared.pk}
    assert pks("declared=no") == {matched.pk, duplicate.pk}
    assert pks("q=CA27-00043") == {declared.pk}
    assert pks(f"q={found[43].candidate.email}") == {declared.pk}
    assert pks("q=CAa00000002") == {duplicate.pk}
    assert pks(f"application__campaign__id__exact={reference_campaign.pk}") == {
        declared.pk,
        matched.pk,
        duplicate.pk,
    }


def test_payment_change_page_shows_receipt_bank_lines_and_timeline_link(
    admin_client, reference_campaign
):
    found = dossiers(reference_campaign, 42)
    payment = declare(found[42], reference="CAdeclared42")
    # The bank first reports 75 dollars (amount mismatch), then the right amount.
    import_text(
        reference_campaign,
        HEADER + line("CAshort0001", "CA27-00042", amount="75.00") + line("CAdeclared42", "fee"),
    )
    payment.refresh_from_db()
    url = f"{PAYMENTS}{payment.pk}/change/"

    page = admin_client.get(url)
    html = page.content.decode()
    french = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert page.context["adminform"].form.fields == {}
    assert 'name="_save"' not in html
    with translation.override("en"):
        download = reverse("candidates:document_download", args=[payment.receipt_id])
    assert f'<a href="{download}">interac.pdf</a>' in html
    assert reverse("admin:candidates_application_change", args=[found[42].pk]) in html
    assert "Dossier CA27-00042 and its timeline" in html
    assert "<td>Amount mismatch</td>" in html
    assert escape("Dossier CA27-00042 (its number is in the memo): 75.00 CAD received") in html
    assert (
        escape("Fee of dossier CA27-00042 received (the candidate declared this reference number).")
        in html
    )
    assert "<td>this payment</td>" in html
    assert escape("Frais du dossier CA27-00042 reçus (le candidat a déclaré ce numéro") in french
    assert "the candidate declared this reference number" not in french


def test_payment_list_makes_the_same_number_of_queries_for_5_and_30_payments(
    admin_client, reference_campaign
):
    def make(count: int) -> None:
        start = Application.objects.count() + 100
        for n in range(start, start + count):
            application = dossier(reference_campaign, f"CA27-{n:05d}")
            bank_line = BankLine.objects.create(
                statement=statement,
                campaign=reference_campaign,
                fingerprint=f"fp{n}",
                line_number=n,
                received_on=dt.date(2026, 1, 15),
                amount=Decimal("80.00"),
                currency="CAD",
                reference_number=f"CAref{n}",
                outcome=LineOutcome.MATCHED,
                application=application,
            )
            Payment.objects.create(
                application=application,
                status=PaymentStatus.MATCHED,
                amount=Decimal("80.00"),
                sent_on=dt.date(2026, 1, 15),
                bank_line=bank_line,
            )

    statement = StatementImport.objects.create(campaign=reference_campaign, file_name="x.csv")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(PAYMENTS)
        assert response.status_code == 200
        return len(captured)

    make(5)
    with_5 = queries()
    make(25)
    with_30 = queries()

    assert Payment.objects.count() == 30
    assert with_30 == with_5


def test_bank_line_list_makes_the_same_number_of_queries_for_1_and_12_lines(
    admin_client, reference_campaign
):
    dossiers(reference_campaign, *range(1, 13))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            admin_client.get(LINES)
        return len(captured)

    import_text(reference_campaign, HEADER + line("CAq00000001", "CA27-00001"))
    with_1 = queries()
    import_text(
        reference_campaign,
        HEADER + "".join(line(f"CAq{n:08d}", f"CA27-{n:05d}") for n in range(2, 13)),
    )
    with_12 = queries()

    assert BankLine.objects.count() == 12
    assert with_12 == with_1


# --- payments: actions --------------------------------------------------------------------------


def test_verify_changes_only_matched_payments_and_tells_each_candidate(
    admin_client,
    staff,
    reference_campaign,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    found = dossiers(reference_campaign, 42, 43, 44)
    declared = declare(found[44])
    import_text(
        reference_campaign,
        HEADER
        + line("CAa00000001", "CA27-00042")
        + line("CAa00000002", "CA27-00043")
        + line("CAa00000003", "CA27-00042 again"),
    )
    mailoutbox.clear()
    selected = list(Payment.objects.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(admin_client, "verify_matched", selected)

    assert response.status_code == 302
    statuses = {
        (p.application.number, p.duplicate): p.status
        for p in Payment.objects.select_related("application")
    }
    assert statuses == {
        ("CA27-00042", False): PaymentStatus.VERIFIED,
        ("CA27-00043", False): PaymentStatus.VERIFIED,
        ("CA27-00042", True): PaymentStatus.MATCHED,
        ("CA27-00044", False): PaymentStatus.DECLARED,
    }
    assert Payment.objects.get(application=found[42], duplicate=False).decided_by == staff
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [found[42].candidate.email, found[43].candidate.email]
    )
    assert declared.application.candidate.email not in [m.to[0] for m in mailoutbox]
    found[42].refresh_from_db()
    assert found[42].payment_status == PaymentStatus.VERIFIED
    assert messages_of(response) == [
        "2 payments verified: each candidate is told by e-mail.",
        "2 payments skipped: only a matched payment that is not a duplicate can be verified.",
    ]


def test_verify_from_the_change_page_returns_to_it(admin_client, reference_campaign):
    dossiers(reference_campaign, 42)
    import_text(reference_campaign, HEADER + line("CAa00000001", "CA27-00042"))
    payment = Payment.objects.get()
    url = f"{PAYMENTS}{payment.pk}/change/"

    page = admin_client.get(url).content.decode()
    response = admin_client.post(
        url, {"CHANGE_FORM-action": "verify_matched", "_selected_action": str(payment.pk)}
    )

    assert 'name="CHANGE_FORM-action"' in page
    assert response.status_code == 302
    assert response["Location"] == url
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.VERIFIED


def test_reject_asks_for_a_reason_then_tells_the_candidate(
    admin_client, staff, reference_campaign, mailoutbox, django_capture_on_commit_callbacks
):
    found = dossiers(reference_campaign, 42)
    payment = declare(found[42])
    mailoutbox.clear()

    form_page = run_action(admin_client, "reject", [payment.pk])
    no_reason = run_action(admin_client, "reject", [payment.pk], note="")
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(
            admin_client, "reject", [payment.pk], reason=RejectionReason.NO_MEMO, note=""
        )

    assert form_page.status_code == 200
    assert form_page.templates[0].name == "admin/action_confirmation.html"
    form_html = form_page.content.decode()
    assert "CA27-00042" in form_html
    assert 'name="reason"' in form_html
    assert '<input type="hidden" name="action" value="reject">' in form_html
    assert no_reason.context["form"].errors == {"reason": ["This field is required."]}
    assert response.status_code == 302
    payment.refresh_from_db()
    assert (payment.status, payment.rejection_reason, payment.decided_by) == (
        PaymentStatus.REJECTED,
        RejectionReason.NO_MEMO,
        staff,
    )
    assert [m.to for m in mailoutbox] == [[found[42].candidate.email]]
    assert messages_of(response) == ["1 payment rejected: its candidate is told why by e-mail."]


def test_reject_for_another_reason_needs_a_note(admin_client, reference_campaign):
    found = dossiers(reference_campaign, 42)
    payment = declare(found[42])

    without = run_action(admin_client, "reject", [payment.pk], reason="other", note="  ")
    payment.refresh_from_db()
    status_after_refusal = payment.status
    with_note = run_action(
        admin_client, "reject", [payment.pk], reason="other", note="Sent from a US account"
    )

    assert without.status_code == 200
    assert without.context["form"].errors == {
        "note": ["Explain the reason to the candidate in the note."]
    }
    assert status_after_refusal == PaymentStatus.DECLARED
    assert with_note.status_code == 302
    payment.refresh_from_db()
    assert (payment.status, payment.rejection_note) == (
        PaymentStatus.REJECTED,
        "Sent from a US account",
    )


def test_reject_reports_each_refusal_without_losing_the_others(admin_client, reference_campaign):
    found = dossiers(reference_campaign, 42, 43)
    declared = declare(found[43])
    import_text(
        reference_campaign,
        HEADER + line("CAa00000001", "CA27-00042") + line("CAa00000002", "CA27-00042 again"),
    )
    duplicate = Payment.objects.get(duplicate=True)

    response = run_action(
        admin_client,
        "reject",
        [declared.pk, duplicate.pk],
        reason=RejectionReason.RECEIPT,
        note="",
    )

    assert messages_of(response) == [
        "CA27-00042: the payment was not rejected: Only a declared or matched payment can be "
        "rejected (a duplicate is refunded).",
        "1 payment rejected: its candidate is told why by e-mail.",
    ]
    declared.refresh_from_db()
    duplicate.refresh_from_db()
    assert declared.status == PaymentStatus.REJECTED
    assert duplicate.status == PaymentStatus.MATCHED


def test_refund_a_duplicate_with_a_note(
    admin_client, reference_campaign, mailoutbox, django_capture_on_commit_callbacks
):
    found = dossiers(reference_campaign, 42)
    import_text(
        reference_campaign,
        HEADER + line("CAa00000001", "CA27-00042") + line("CAa00000002", "CA27-00042 again"),
    )
    first = Payment.objects.get(duplicate=False)
    duplicate = Payment.objects.get(duplicate=True)

    form_page = run_action(admin_client, "mark_refunded", [duplicate.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(
            admin_client,
            "mark_refunded",
            [duplicate.pk, first.pk],
            note="Sent back by e-Transfer on 20 January",
        )

    assert 'name="note"' in form_page.content.decode()
    duplicate.refresh_from_db()
    first.refresh_from_db()
    assert duplicate.status == PaymentStatus.REFUNDED
    assert first.status == PaymentStatus.MATCHED
    assert [m.to for m in mailoutbox] == [[found[42].candidate.email]]
    assert "Sent back by e-Transfer on 20 January" in mailoutbox[0].body
    assert messages_of(response) == [
        "CA27-00042: the payment was not marked as refunded: Only a duplicate, or a rejected "
        "payment that was received, can be refunded.",
        "1 payment marked as refunded.",
    ]


def test_staff_without_the_verify_permission_neither_see_nor_run_the_actions(
    client, reference_campaign
):
    dossiers(reference_campaign, 42)
    import_text(reference_campaign, HEADER + line("CAa00000001", "CA27-00042"))
    payment = Payment.objects.get()
    log_in(client, staff_with("view_payment", "import_statement"))

    page = client.get(PAYMENTS)
    response = run_action(client, "verify_matched", [payment.pk])
    change_page = client.get(f"{PAYMENTS}{payment.pk}/change/").content.decode()

    assert page.status_code == 200
    assert "verify_matched" not in page.content.decode()
    assert "verify_matched" not in change_page
    assert response.status_code == 200  # no action offered: the list treats it as a display
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.MATCHED


def test_staff_with_the_verify_permission_see_the_three_actions(admin_client, reference_campaign):
    choices = dict(admin_client.get(PAYMENTS).context["action_form"].fields["action"].choices)

    assert list(choices) == ["", "verify_matched", "reject", "mark_refunded"]


def test_payments_are_never_added_changed_or_deleted_here(admin_client, reference_campaign):
    dossiers(reference_campaign, 42)
    import_text(reference_campaign, HEADER + line("CAa00000001", "CA27-00042"))
    payment = Payment.objects.get()

    assert admin_client.get(f"{PAYMENTS}add/").status_code == 403
    response = admin_client.post(
        f"{PAYMENTS}{payment.pk}/change/", {"amount": "1.00", "status": "verified"}
    )
    assert response.status_code == 403
    assert admin_client.post(f"{PAYMENTS}{payment.pk}/delete/", {"post": "yes"}).status_code == 403
    payment.refresh_from_db()
    assert (payment.amount, payment.status) == (Decimal("80.00"), PaymentStatus.MATCHED)


# --- the dossier admin shows the fee ------------------------------------------------------------


def test_dossier_admin_lists_filters_and_times_the_fee(client, reference_campaign):
    found = dossiers(reference_campaign, 42, 43)
    import_text(reference_campaign, HEADER + line("CAa00000001", "CA27-00042"))
    viewer = StaffFactory()
    viewer.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="candidates",
            codename__in=["view_application", "view_every_dossier"],
        )
    )
    log_in(client, viewer)

    listing = client.get("/admin/candidates/application/?payment_status__exact=matched")
    change = client.get(f"/admin/candidates/application/{found[42].pk}/change/").content.decode()

    assert [a.pk for a in listing.context["cl"].result_list] == [found[42].pk]
    assert "Matched to a bank line" in listing.content.decode()
    assert "<td>—</td><td>Application fee received by the embassy</td><td>—</td>" in change
