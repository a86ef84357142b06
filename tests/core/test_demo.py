import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.core.management.base import CommandError

from tapif.core.demo import DEMO_ACCOUNTS, demo_campaign_values, load_demo
from tapif.core.models import Campaign, User
from tapif.core.selectors import campaign_current
from tests.factories import EASTERN

pytestmark = pytest.mark.django_db


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
    campaign, accounts = load_demo(now=dt.datetime(2026, 11, 28, 10, tzinfo=EASTERN))

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


def test_load_demo_twice_changes_nothing():
    now = dt.datetime(2026, 11, 28, 10, tzinfo=EASTERN)
    load_demo(now=now)
    load_demo(now=now)
    assert Campaign.objects.count() == 2
    assert User.objects.count() == len(DEMO_ACCOUNTS)
    assert Authenticator.objects.count() == 1


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

    load_demo(now=dt.datetime(2026, 11, 28, 10, tzinfo=EASTERN))
    load_demo(now=dt.datetime(2026, 11, 28, 10, tzinfo=EASTERN))

    contact = InstitutionContact.objects.get(user__email="institution@demo.tapif.ca")
    assert contact.status == "approved"
    professor = Professor.objects.get(email="professor@demo.tapif.ca")
    assert professor.institution == contact.institution
    assert professor.user.email == "professor@demo.tapif.ca"
