"""Import profiles: a first file no profile knows is mapped beside its first lines (in both
languages), saved as a profile, and recognised by its header next time."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from payments.models import BankLine, ImportProfile, StatementImport
from tapif.core.models import AuditEntry
from tapif.core.roles import PAYMENTS_OFFICER
from tests.factories import StaffFactory
from tests.payments.factories import numbered_dossier

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_open", "private_storage")]

UPLOAD = "/admin/payments/statementimport/add/"
CREDIT_UNION = (
    "Posted;Details;Withdrawals;Deposits\r\n"
    "28/01/2026;Virement Interac reçu ÉLODIE BÉRUBÉ CA27-00050;;80,00\r\n"
    "29/01/2026;Frais mensuels;4,95;\r\n"
).encode("cp1252")


@pytest.fixture
def officer(client):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=PAYMENTS_OFFICER))
    client.force_login(user)
    return user


def upload(client, language="en"):
    return client.post(
        UPLOAD,
        {"file": SimpleUploadedFile("credit-union.csv", CREDIT_UNION)},
        HTTP_ACCEPT_LANGUAGE=language,
    )


@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "A file no profile knows: map its columns"), ("fr", "colonnes")],
)
def test_an_unknown_file_shows_its_first_lines_beside_a_mapping_form(
    client, officer, language, title
):
    response = upload(client, language)

    assert response.status_code == 200
    html = response.content.decode()
    assert title in html
    assert "ÉLODIE BÉRUBÉ" in html  # the first lines, read as Windows-1252
    assert response.context["header"] == ["Posted", "Details", "Withdrawals", "Deposits"]
    assert not StatementImport.objects.exists()


def test_the_mapping_is_saved_and_the_file_imported(client, officer):
    numbered_dossier("CA27-00050", first_name="Élodie", last_name="Bérubé")
    content = upload(client).context["form"].initial["content"]

    response = client.post(
        UPLOAD,
        {
            "mapping": "1",
            "content": content,
            "file_name": "credit-union.csv",
            "name": "Caisse populaire",
            "col_date": "Posted",
            "col_credit": "Deposits",
            "col_debit": "Withdrawals",
            "col_description": ["Details"],
            "date_order": "DMY",
            "decimal_separator": ",",
            "thousands_separator": " ",
            "encoding": "",
            "currency": "CAD",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200, response.context["form"].errors
    profile = ImportProfile.objects.get(name="Caisse populaire")
    assert profile.columns == {
        "date": ["Posted"],
        "credit": ["Deposits"],
        "debit": ["Withdrawals"],
        "description": ["Details"],
    }
    assert profile.header_signature == "posted|details|withdrawals|deposits"
    line = BankLine.objects.get()
    assert (line.application.number, line.outcome) == ("CA27-00050", "matched")
    assert StatementImport.objects.get().debits == 1
    assert AuditEntry.objects.filter(action="payments.profile_create", actor=officer).exists()

    # Next time, the header is recognised: no mapping asked.
    again = upload(client)
    assert "Read with the profile “Caisse populaire”" in again.content.decode()


def test_a_mapping_without_an_amount_is_refused(client, officer):
    content = upload(client).context["form"].initial["content"]
    response = client.post(
        UPLOAD,
        {
            "mapping": "1",
            "content": content,
            "file_name": "credit-union.csv",
            "name": "Incomplete",
            "col_date": "Posted",
            "currency": "CAD",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Choose the column of the amount, or of the credits." in response.content.decode()
    assert not ImportProfile.objects.filter(name="Incomplete").exists()
