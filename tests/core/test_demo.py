import datetime as dt

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.core.management.base import CommandError

from candidates.completeness import count_words
from candidates.models import Application, Document, StatusChange
from candidates.selectors import dossier_load, dossier_status
from payments.models import BankLine, Payment, StatementImport
from selection.models import ReviewAssignment
from tapif.core.demo import DEMO_ACCOUNTS, demo_campaign_values, load_demo
from tapif.core.models import AuditEntry, Campaign, User
from tapif.core.roles import PROGRAMME_MANAGER, REVIEWER
from tapif.core.selectors import campaign_current
from tests.candidates.factories import stored_files
from tests.factories import EASTERN

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 28, 10, tzinfo=EASTERN)
DEMO_EMAILS = [f"demo{n}@demo.tapif.ca" for n in range(1, 6)]


@pytest.fixture(autouse=True)
def _demo_day(private_storage):
    """The demo's dossiers are created "today" (inside the demo window) in a fresh folder."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize(
    ("today", "school_year", "code"),
    [
        (dt.datetime(2026, 11, 28, 10, tzinfo=EASTERN), "2027-2028", "CA28"),
        (dt.datetime(2027, 2, 27, 23, 0, tzinfo=EASTERN), "2027-2028", "CA28"),
        (dt.datetime(2027, 3, 1, 9, tzinfo=EASTERN), "2028-2029", "CA29"),
    ],
)
def test_demo_campaign_window_contains_today(reference_campaign, today, school_year, code):
    values = demo_campaign_values(reference_campaign, today)

    assert values["opens_at"] <= today <= values["closes_at"]
    assert (values["school_year"], values["code"]) == (school_year, code)
    start = values["contract_start"]
    assert (start.month, start.day) == (10, 1)
    assert values["passport_valid_until"] == dt.date(start.year + 1, 10, 30)
    assert values["fee_amount"] == reference_campaign.fee_amount


def test_load_demo_makes_the_demo_campaign_current_and_creates_usable_accounts():
    campaign, accounts = load_demo(now=NOW)

    assert campaign_current() == campaign
    assert campaign.school_year == "2027-2028"
    for account in accounts:
        user = User.objects.get(email=account.email)
        assert user.check_password(account.password)
        assert user.kind == account.kind
        assert EmailAddress.objects.get(user=user).verified
    admin = User.objects.get(email="admin@demo.tapif.ca")
    assert admin.is_superuser
    assert Authenticator.objects.filter(user=admin, type=Authenticator.Type.TOTP).exists()


def test_load_demo_creates_the_staff_accounts_in_their_groups_with_totp():
    load_demo(now=NOW)

    for email, password, group in [
        ("reviewer@demo.tapif.ca", "demo-Reviewer-2027", REVIEWER),
        ("manager@demo.tapif.ca", "demo-Manager-2027", PROGRAMME_MANAGER),
    ]:
        user = User.objects.get(email=email)
        assert user.check_password(password)
        assert (user.kind, user.is_staff, user.is_superuser) == ("staff", True, False)
        assert list(user.groups.values_list("name", flat=True)) == [group]
        assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    accounts = {account.email: account.role for account in DEMO_ACCOUNTS}
    assert accounts["reviewer@demo.tapif.ca"] == REVIEWER
    assert accounts["manager@demo.tapif.ca"] == PROGRAMME_MANAGER


def test_load_demo_submits_five_paid_dossiers_assigned_to_the_reviewer(private_storage):
    campaign, _accounts = load_demo(now=NOW)

    dossiers = Application.objects.filter(campaign=campaign, candidate__email__in=DEMO_EMAILS)
    assert [
        (a.candidate.email, a.status, a.payment_status) for a in dossiers.order_by("number")
    ] == [
        ("demo1@demo.tapif.ca", "complete", "verified"),
        ("demo2@demo.tapif.ca", "complete", "verified"),
        ("demo3@demo.tapif.ca", "submitted", "verified"),
        ("demo4@demo.tapif.ca", "submitted", "verified"),
        ("demo5@demo.tapif.ca", "submitted", "verified"),
    ]
    payments = Payment.objects.filter(application__in=dossiers)
    assert sorted(payments.values_list("status", flat=True)) == ["verified"] * 5
    assert all(p.bank_line_id and p.receipt.content_type == "image/png" for p in payments)
    assert StatementImport.objects.count() == 1
    assert (
        sorted(
            ReviewAssignment.objects.filter(application__in=dossiers).values_list(
                "reviewer__email", flat=True
            )
        )
        == ["reviewer@demo.tapif.ca"] * 5
    )
    for application in dossiers:
        assert User.objects.get(pk=application.candidate_id).check_password("demo-Candidate-2027")
        loaded = dossier_load(application.pk)
        status = dossier_status(loaded)
        assert status.verdict.eligible is True
        assert loaded.french.proof_route == "official_test"
        assert loaded.french.test_level in {"B2", "C1"}
        assert 450 <= count_words(loaded.assets.motivation_letter) <= 600
        assert loaded.experiences.get().kind == "teaching"
        assert sorted(d.kind for d in loaded.current_documents) == [
            "birth_certificate",
            "fee_receipt",
            "language_test",
            "passport",
            "transcripts",
        ]
    accepted = Document.objects.filter(application__in=dossiers, review_status="accepted")
    assert sorted(accepted.values_list("application__candidate__email", flat=True)) == sorted(
        ["demo1@demo.tapif.ca"] * 4 + ["demo2@demo.tapif.ca"] * 4
    )
    assert len(stored_files(private_storage)) == 25


def _counts() -> dict[str, int]:
    models = [
        Campaign,
        User,
        Authenticator,
        EmailAddress,
        Application,
        StatusChange,
        Document,
        Payment,
        BankLine,
        StatementImport,
        ReviewAssignment,
        AuditEntry,
    ]
    return {model.__name__: model.objects.count() for model in models}


def test_load_demo_twice_changes_nothing(private_storage):
    load_demo(now=NOW)
    first = _counts()
    files = stored_files(private_storage)

    load_demo(now=NOW)

    assert _counts() == first
    assert stored_files(private_storage) == files
    assert (first["Campaign"], first["User"], first["Authenticator"]) == (2, 11, 3)
    assert (first["Application"], first["Payment"], first["BankLine"]) == (5, 5, 5)


def test_demo_commands_refuse_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG only"):
        call_command("load_demo")
    with pytest.raises(CommandError, match="DEBUG only"):
        call_command("totp_code", "admin@demo.tapif.ca")


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_load_demo_lets_the_institution_and_professor_accounts_work_at_once():
    from evaluations.models import InstitutionContact, Professor

    load_demo(now=NOW)
    load_demo(now=NOW)

    contact = InstitutionContact.objects.get(user__email="institution@demo.tapif.ca")
    assert contact.status == "approved"
    professor = Professor.objects.get(email="professor@demo.tapif.ca")
    assert professor.institution == contact.institution
    assert professor.user.email == "professor@demo.tapif.ca"
