"""A month of an account-activity export, as a payments officer meets it: imported in the admin
(no memo column, month-first dates, debits, a thousands separator), every line settled with the
admin's actions, and the reconciliation report showing nothing unsettled."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from payments.choices import LineOutcome, PaymentStatus, Source
from payments.models import BankLine, ImportProfile, Payment, StatementImport
from tapif.core.models import OutboundMessage
from tapif.core.roles import PAYMENTS_OFFICER
from tests.factories import StaffFactory
from tests.payments.factories import SAMPLES, declared_payment, numbered_dossier

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_open", "private_storage")]

UPLOAD = "/admin/payments/statementimport/add/"
LINES = "/admin/payments/bankline/"


@pytest.fixture
def officer(client):
    from django.contrib.auth.models import Group

    user = StaffFactory(email="officer@example.ca")
    user.groups.add(Group.objects.get(name=PAYMENTS_OFFICER))
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return user


@pytest.fixture
def month_dossiers():
    def person(number, first, last, **kwargs):
        return numbered_dossier(number, first_name=first, last_name=last, language="en", **kwargs)

    dossiers = {
        42: person("CA27-00042", "Marie", "Tremblay"),
        43: person("CA27-00043", "Liam", "Obrien"),
        44: person("CA27-00044", "Sophie", "Nguyen"),
        45: person("CA27-00045", "Priya", "Patel"),
        46: person("CA27-00046", "Alex", "Martin"),
        47: person("CA27-00047", "Emma", "Wilson"),
        48: person("CA27-00048", "Noah", "Roy"),
    }
    declared_payment(dossiers[43], reference_number="C1AbCdEfGh23")
    declared_payment(
        dossiers[45],
        reference_number="CA0Priya0001",
        sender_name="Priya Patel",
        sent_on=dt.date(2026, 1, 11),
    )
    return dossiers


def upload_activity(client):
    data = (SAMPLES / "activity_cad.csv").read_bytes()
    return client.post(UPLOAD, {"file": SimpleUploadedFile("activity_cad.csv", data)})


def act(client, action: str, lines, **form):
    data = {"action": action, "_selected_action": [str(line.pk) for line in lines], "index": "0"}
    if form:
        data |= {"apply": "yes", **form}
    return client.post(LINES, data)


def outcomes() -> dict[int, tuple]:
    return {
        line.line_number: (line.outcome, line.application.number if line.application else None)
        for line in BankLine.objects.select_related("application")
    }


def report_rows(client, statement) -> dict[str, list[str]]:
    url = reverse("admin:payments_statementimport_report", args=[statement.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    return {row[0]: row[1:] for row in rows[2:9]}


def test_a_month_of_activity_is_imported_settled_and_reconciled(
    client, officer, month_dossiers, mailoutbox, django_capture_on_commit_callbacks
):
    response = upload_activity(client)

    assert response.status_code == 200
    assert "Read with the profile “Account activity (CAD$)”" in response.content.decode()
    statement = StatementImport.objects.get()
    assert statement.profile == ImportProfile.objects.get(name="Account activity (CAD$)")
    assert (statement.lines_read, statement.debits) == (10, 2)
    assert outcomes() == {
        2: (LineOutcome.MATCHED, "CA27-00042"),
        3: (LineOutcome.MATCHED, "CA27-00043"),
        4: (LineOutcome.SUGGESTED, "CA27-00044"),  # ca27-0044: a digit missing
        6: (LineOutcome.SUGGESTED, "CA27-00045"),  # no number: her declaration's name
        7: (LineOutcome.AMOUNT_MISMATCH, "CA27-00048"),
        8: (LineOutcome.DUPLICATE, "CA27-00042"),
        9: (LineOutcome.UNMATCHED, None),
        10: (LineOutcome.UNMATCHED, None),  # 1,080.00: a grant, not a fee
        11: (LineOutcome.MATCHED, "CA27-00047"),
        12: (LineOutcome.MATCHED, "CA27-00046"),  # CA27 46, and the name agrees
    }
    assert BankLine.objects.get(line_number=3).matched_by == Source.REFERENCE
    home = client.get("/admin/").content.decode()
    assert "5 bank lines still to settle" in home
    assert report_rows(client, statement)["Unsettled"] == ["5", "1395.00"]

    line = {each.line_number: each for each in BankLine.objects.all()}
    act(client, "confirm_suggestions", [line[4], line[6]])
    with django_capture_on_commit_callbacks(execute=True):
        act(client, "tell_mismatch", [line[7]])
        act(client, "mark_lines_refunded", [line[7], line[8]], note="Sent back on 2 February")
    act(client, "mark_returned", [line[9]], note="Declined: not a candidate")
    act(client, "mark_not_fee", [line[10]], note="Embassy grant for the programme")

    assert outcomes() == {
        2: (LineOutcome.MATCHED, "CA27-00042"),
        3: (LineOutcome.MATCHED, "CA27-00043"),
        4: (LineOutcome.CONFIRMED, "CA27-00044"),
        6: (LineOutcome.CONFIRMED, "CA27-00045"),
        7: (LineOutcome.REFUNDED, "CA27-00048"),
        8: (LineOutcome.REFUNDED, "CA27-00042"),
        9: (LineOutcome.RETURNED, None),
        10: (LineOutcome.NOT_FEE, None),
        11: (LineOutcome.MATCHED, "CA27-00047"),
        12: (LineOutcome.MATCHED, "CA27-00046"),
    }
    assert BankLine.objects.get(line_number=10).note == "Embassy grant for the programme"
    assert Payment.objects.get(bank_line=line[6]).status == PaymentStatus.MATCHED
    assert Payment.objects.get(bank_line=line[8]).status == PaymentStatus.REFUNDED
    told = OutboundMessage.objects.filter(template="payments/email/amount_mismatch").get()
    assert told.to_email == month_dossiers[48].candidate.email
    noah = [m for m in mailoutbox if m.to == [month_dossiers[48].candidate.email]]
    assert "send the difference, 5.00 CAD" in noah[0].body
    assert "refunded" in noah[1].body
    assert "bank lines still to settle" not in client.get("/admin/").content.decode()
    rows = report_rows(client, statement)
    assert rows == {
        "Received": ["10", "1795.00"],
        "Matched (fees)": ["6", "480.00"],
        "To refund": ["0", "0.00"],
        "Refunded": ["2", "155.00"],
        "Returned to sender": ["1", "80.00"],
        "Not a fee": ["1", "1080.00"],
        "Unsettled": ["0", "0.00"],
    }
    campaign_csv = client.get(
        reverse("admin:payments_statementimport_campaign_report", args=[statement.campaign_id])
    ).content.decode()
    assert "Unsettled,0,0.00" in campaign_csv


def test_actions_are_offered_only_where_they_apply(client, officer, month_dossiers):
    upload_activity(client)
    duplicate = BankLine.objects.get(line_number=8)

    page = client.get(reverse("admin:payments_bankline_change", args=[duplicate.pk]))
    offered = page.context["action_form"].fields["action"].choices
    assert [name for name, _label in offered if name] == ["mark_lines_refunded"]
    suggestions = client.get(LINES, {"outcome__exact": "suggested"})
    names = [n for n, _l in suggestions.context["action_form"].fields["action"].choices if n]
    assert names == ["confirm_suggestions", "dismiss_suggestions", "mark_returned", "mark_not_fee"]

    # Refunding a matched line whose payment is not rejected: refused before any form.
    response = act(client, "mark_lines_refunded", [BankLine.objects.get(line_number=2)])
    assert response.status_code == 302
    assert BankLine.objects.get(line_number=2).outcome == LineOutcome.MATCHED


def test_filters_separate_duplicates_from_payments_to_verify(client, officer, month_dossiers):
    upload_activity(client)

    refund = client.get(LINES, {"todo": "refund"}).context["cl"].queryset
    verify = client.get(LINES, {"todo": "verify"}).context["cl"].queryset
    assert sorted(line.line_number for line in refund) == [8]
    assert sorted(line.line_number for line in verify) == [2, 3, 11, 12]
