"""Staff reach the admin only with two-factor authentication; nobody else reaches it."""

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse

from tapif.core.models import AuditEntry, Campaign
from tests.factories import (
    TEST_PASSWORD,
    TEST_TOTP_SECRET,
    CampaignFactory,
    CandidateFactory,
    StaffFactory,
    SuperuserFactory,
)

pytestmark = pytest.mark.django_db


def test_staff_without_two_factor_is_refused_and_told_to_use_the_link(client):
    client.force_login(StaffFactory(totp=False))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == reverse("core:staff_setup_needed")
    page = client.get(response["Location"])
    assert page.status_code == 403
    assert "set-up link" in page.content.decode() or "lien" in page.content.decode()


def test_staff_without_two_factor_cannot_open_any_admin_page(client):
    client.force_login(SuperuserFactory(totp=False))
    response = client.get("/admin/core/campaign/")
    assert response.status_code == 302
    assert response["Location"].endswith("/staff/setup/needed/")


def test_staff_with_two_factor_reaches_the_admin(client):
    client.force_login(SuperuserFactory())
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "TAPIF Canada" in response.content.decode()


def test_anonymous_visitor_is_sent_to_the_shared_login_page(client):
    response = client.get("/admin/", follow=True)
    assert response.request["PATH_INFO"] == "/fr/accounts/login/"


def test_candidate_is_refused_the_admin(client):
    client.force_login(CandidateFactory())
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 403


def test_staff_login_asks_for_the_authenticator_code(client):
    SuperuserFactory(email="staff@example.ca")

    response = client.post(
        "/fr/accounts/login/?next=/admin/", {"login": "staff@example.ca", "password": TEST_PASSWORD}
    )
    assert response["Location"] == "/fr/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session

    import time

    code = format_hotp_value(hotp_value(TEST_TOTP_SECRET, int(time.time()) // 30))
    response = client.post("/fr/accounts/2fa/authenticate/", {"code": code})

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_make_current_admin_action_switches_campaign(client, reference_campaign):
    staff = SuperuserFactory()
    newer = CampaignFactory()
    client.force_login(staff)

    client.post("/admin/core/campaign/", {"action": "make_current", "_selected_action": [newer.pk]})

    assert Campaign.objects.get(is_current=True) == newer
    assert AuditEntry.objects.get(action="campaign.make_current").actor == staff


def test_make_current_admin_action_refuses_several_campaigns(client, reference_campaign):
    client.force_login(SuperuserFactory())
    newer = CampaignFactory()

    response = client.post(
        "/admin/core/campaign/",
        {"action": "make_current", "_selected_action": [newer.pk, reference_campaign.pk]},
        follow=True,
    )

    assert Campaign.objects.get(is_current=True) == reference_campaign
    assert "Select exactly one campaign" in response.content.decode() or "Sélectionnez" in (
        response.content.decode()
    )
