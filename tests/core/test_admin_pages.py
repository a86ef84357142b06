"""Every admin screen of the platform opens for staff and lists what it should."""

import pytest

from tapif.core.models import Academie
from tapif.core.services import campaign_make_current
from tests.factories import CampaignFactory, SuperuserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(SuperuserFactory(email="boss@example.ca"))
    return client


def test_campaign_list_shows_each_campaign_and_which_is_current(staff_client, reference_campaign):
    newer = CampaignFactory()
    html = staff_client.get("/admin/core/campaign/").content.decode()
    assert "2026-2027" in html
    assert newer.school_year in html


def test_campaign_change_page_groups_the_rules(staff_client, reference_campaign):
    html = staff_client.get(
        f"/admin/core/campaign/{reference_campaign.pk}/change/"
    ).content.decode()
    for field in ["closes_at", "passport_valid_until", "fee_amount", "monthly_gross_salary"]:
        assert f'name="{field}' in html
    assert 'name="is_current"' not in html  # changed only through the action


def test_campaign_is_edited_through_the_admin_with_its_constraints(
    staff_client, reference_campaign
):
    url = f"/admin/core/campaign/{reference_campaign.pk}/change/"
    form = staff_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(
        {
            "closes_at_0": "2025-09-01",
            "closes_at_1": "00:00:00",
            "opens_at_0": "2025-10-01",
            "opens_at_1": "00:00:00",
        }
    )
    for name in ("opens_at", "closes_at"):
        data.pop(name, None)

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "Applications must close after they open." in response.content.decode() or (
        "La clôture des candidatures doit suivre leur ouverture." in response.content.decode()
    )
    reference_campaign.refresh_from_db()
    assert reference_campaign.closes_at.year == 2026


def test_academie_list_has_thirty_rows_and_filters(staff_client):
    response = staff_client.get("/admin/core/academie/?is_overseas__exact=1")
    assert response.context["cl"].result_count == 5
    assert Academie.objects.count() == 30


def test_audit_log_is_read_only(staff_client, reference_campaign):
    campaign_make_current(campaign=CampaignFactory(), actor=None)
    response = staff_client.get("/admin/core/auditentry/")
    assert "campaign.make_current" in response.content.decode()
    assert staff_client.get("/admin/core/auditentry/add/").status_code == 403


def test_user_list_searches_by_email(staff_client):
    response = staff_client.get("/admin/core/user/?q=boss@")
    assert response.context["cl"].result_count == 1


def test_an_admin_edit_is_in_the_audit_log_with_before_and_after(staff_client, reference_campaign):
    from tapif.core.models import AuditEntry

    url = f"/admin/core/campaign/{reference_campaign.pk}/change/"
    form = staff_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    for name in ("opens_at", "closes_at"):
        moment = reference_campaign.local(getattr(reference_campaign, name))
        data.pop(name)
        data[f"{name}_0"] = moment.date().isoformat()
        data[f"{name}_1"] = moment.time().isoformat()
    data.update(fee_amount="90.00", etransfer_memo="TAPIF fee")

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(action="campaign.update", target_id=str(reference_campaign.pk))
    assert entry.actor.email == "boss@example.ca"
    assert entry.data["before"] == {
        "fee_amount": "80.00",
        "etransfer_memo": "TAPIF application fee",
    }
    assert entry.data["after"] == {"fee_amount": "90.00", "etransfer_memo": "TAPIF fee"}


def test_moving_the_close_in_the_admin_announces_it_to_drafts_once(
    staff_client, reference_campaign, campaign_open, django_capture_on_commit_callbacks
):
    from candidates.reminders import DEADLINE_CHANGED_TEMPLATE
    from tapif.core.models import OutboundMessage
    from tests.candidates.factories import ApplicationFactory

    draft = ApplicationFactory(campaign=reference_campaign)
    url = f"/admin/core/campaign/{reference_campaign.pk}/change/"
    form = staff_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    for name in ("opens_at", "closes_at"):
        moment = reference_campaign.local(getattr(reference_campaign, name))
        data.pop(name)
        data[f"{name}_0"] = moment.date().isoformat()
        data[f"{name}_1"] = moment.time().isoformat()
    data.update(closes_at_0="2026-03-06")

    for _twice in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors

    (message,) = OutboundMessage.objects.filter(template=DEADLINE_CHANGED_TEMPLATE)
    assert message.recipient == draft.candidate
    assert message.dedup_key == (
        f"deadline-changed:{draft.pk}:{reference_campaign.pk}:close:2026-03-06T23:59-05:00"
    )
