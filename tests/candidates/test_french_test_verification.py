"""Staff verify an official French test in the dossier admin; its level becomes the French level.

A test dated after the campaign's language deadline, a test without its certificate and a dossier
on the professor route are refused with the reason; changing the test afterwards clears the check.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from candidates import services
from candidates.models import Application, FrenchProfile
from tapif.core.models import AuditEntry
from tests.candidates.dossier import upload
from tests.candidates.factories import CAMPAIGN_OPEN_AT, ApplicationFactory
from tests.factories import EASTERN, StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_open", "private_storage")]

CHANGELIST = "/admin/candidates/application/"
ACTION = "verify_french_test"


def staff_with(*codenames: str, **fields):
    user = StaffFactory(**fields)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="candidates",
            # Their scope is every dossier; reviewers' narrower one: test_document_scope.py.
            codename__in=[*codenames, "view_every_dossier"],
        )
    )
    return user


@pytest.fixture
def staff():
    return staff_with("view_application", "verify_french_test", email="officer@example.ca")


def in_english(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def on_test_route(application: Application | None = None, **test) -> Application:
    """A dossier proving its French with a DELF B2 (section 3, as the candidate saves it)."""
    application = application or ApplicationFactory()
    data = {
        "proof_route": "official_test",
        "test_name": "DELF",
        "test_level": "B2",
        "test_date": dt.date(2025, 6, 2),
    } | test
    services.section_update(
        application=application, section="french", data=data, actor=application.candidate
    )
    return application


def with_certificate(application: Application) -> Application:
    upload(application, "language_test")
    return application


def run_verify(client, pks, *, url: str = CHANGELIST, field: str = "action"):
    return client.post(
        url, {field: ACTION, "_selected_action": [str(pk) for pk in pks], "index": "0"}
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def french_of(application: Application) -> FrenchProfile:
    return FrenchProfile.objects.select_related("test_verified_by").get(application=application)


def test_verifying_makes_the_test_level_the_dossiers_french_level(client, staff):
    application = with_certificate(on_test_route())
    in_english(client, staff)

    response = run_verify(client, [application.pk])

    assert response.status_code == 302
    assert messages_of(response) == [
        "1 official French test verified: its level is now the dossier's French level."
    ]
    application.refresh_from_db()
    assert (application.french_level, application.french_level_source) == ("B2", "official_test")
    french = french_of(application)
    assert (french.test_verified_at, french.test_verified_by) == (CAMPAIGN_OPEN_AT, staff)
    entry = AuditEntry.objects.get(action="french_test.verify")
    assert (entry.actor, entry.data) == (staff, {"test": "DELF", "level": "B2"})


def test_results_dated_after_the_deadline_are_refused_with_the_deadline(
    client, staff, campaign_open
):
    # 25 February: the campaign is still open, but the results came after 20 February.
    campaign_open.move_to(dt.datetime(2026, 2, 25, 10, tzinfo=EASTERN))
    application = with_certificate(on_test_route(test_date=dt.date(2026, 2, 21)))
    in_english(client, staff)

    response = run_verify(client, [application.pk])

    assert messages_of(response) == [
        f"{application.number}: the French test was not verified: The results are dated "
        "after the deadline (20 February 2026)."
    ]
    application.refresh_from_db()
    assert (application.french_level, application.french_level_source) == ("", "")
    assert french_of(application).test_verified_at is None
    assert not AuditEntry.objects.filter(action="french_test.verify").exists()


def test_results_dated_on_the_deadline_are_accepted(client, staff, campaign_open):
    campaign_open.move_to(dt.datetime(2026, 2, 25, 10, tzinfo=EASTERN))
    application = with_certificate(on_test_route(test_date=dt.date(2026, 2, 20)))
    in_english(client, staff)

    run_verify(client, [application.pk])

    application.refresh_from_db()
    assert application.french_level == "B2"


def test_a_test_without_its_certificate_is_refused(client, staff):
    application = on_test_route()
    in_english(client, staff)

    response = run_verify(client, [application.pk])

    assert messages_of(response) == [
        f"{application.number}: the French test was not verified: The test certificate has "
        "not been uploaded."
    ]
    application.refresh_from_db()
    assert application.french_level == ""
    assert french_of(application).test_verified_at is None


def test_a_dossier_on_the_professor_route_is_refused(client, staff):
    application = with_certificate(on_test_route(proof_route="professor"))
    in_english(client, staff)

    response = run_verify(client, [application.pk])

    assert messages_of(response) == [
        f"{application.number}: the French test was not verified: This dossier does not "
        "prove its French with an official test."
    ]
    application.refresh_from_db()
    assert application.french_level == ""


def test_a_batch_reports_each_refusal_and_how_many_were_verified(client, staff):
    first = with_certificate(on_test_route())
    second = on_test_route(test_level="C1")  # no certificate
    third = with_certificate(on_test_route(test_name="TCF", test_level="C1"))
    in_english(client, staff)

    response = run_verify(client, [third.pk, second.pk, first.pk])

    assert messages_of(response) == [
        f"{second.number}: the French test was not verified: The test certificate has not "
        "been uploaded.",
        "2 official French tests verified: each level is now its dossier's French level.",
    ]
    levels = dict(Application.objects.values_list("pk", "french_level"))
    assert (levels[first.pk], levels[second.pk], levels[third.pk]) == ("B2", "", "C1")


def test_staff_without_the_permission_neither_see_nor_run_the_action(client):
    application = with_certificate(on_test_route())
    in_english(client, staff_with("view_application", "reopen_application"))

    page = client.get(CHANGELIST)
    change_page = client.get(f"{CHANGELIST}{application.pk}/change/")
    response = run_verify(client, [application.pk])

    assert list(dict(page.context["action_form"].fields["action"].choices)) == [
        "",
        "reopen_for_candidate",
    ]
    assert ACTION not in change_page.content.decode()
    assert response.status_code == 302  # reopen is offered, this action is not: refused
    assert messages_of(response) == ["No action selected."]
    application.refresh_from_db()
    assert application.french_level == ""
    assert french_of(application).test_verified_at is None


def test_staff_with_the_permission_see_the_action_on_the_list_and_the_dossier(client, staff):
    application = on_test_route()
    in_english(client, staff)

    page = client.get(CHANGELIST)
    change_page = client.get(f"{CHANGELIST}{application.pk}/change/").content.decode()

    assert dict(page.context["action_form"].fields["action"].choices)[ACTION] == (
        "Verify the official French test"
    )
    assert f'<option value="{ACTION}">Verify the official French test</option>' in change_page


def test_change_page_shows_the_test_its_verification_and_the_certificate(client, staff):
    application = on_test_route()
    certificate = upload(application, "language_test")
    in_english(client, staff)
    url = f"{CHANGELIST}{application.pk}/change/"

    before = client.get(url).content.decode()
    response = run_verify(client, [application.pk], url=url, field="CHANGE_FORM-action")
    after = client.get(url).content.decode()

    with translation.override("en"):
        link = reverse("candidates:document_download", kwargs={"pk": certificate.pk})
    for row in [
        "<h4>Official French test</h4>",
        "<td>Official test</td><td>DELF</td>",
        "<td>Level obtained</td><td>B2</td>",
        "<td>Date of the results</td><td>2025-06-02</td>",
        "<td>Test verified</td><td>Not verified yet</td>",
        f'<td>Certificate</td><td><a href="{link}">language_test.pdf</a> (2026-01-15 12:00)</td>',
    ]:
        assert row in before, row
    assert response.status_code == 302
    assert response["Location"] == url  # back to the dossier it was run from
    assert "<td>Test verified</td><td>Yes, on 2026-01-15 12:00 by officer@example.ca</td>" in after


def test_change_page_says_when_no_test_was_entered(client, staff):
    application = on_test_route(
        proof_route="professor", test_name="", test_level="", test_date=None
    )
    in_english(client, staff)

    html = client.get(f"{CHANGELIST}{application.pk}/change/").content.decode()

    assert "<h4>Official French test</h4><p>No official test entered.</p>" in html


# --- a verified test changed afterwards ---------------------------------------------------------


@pytest.fixture
def verified(staff) -> Application:
    application = with_certificate(on_test_route())
    services.french_test_verify(application=application, actor=staff)
    application.refresh_from_db()
    assert application.french_level == "B2"
    return application


@pytest.mark.parametrize(
    "change",
    [
        {"test_level": "C1"},
        {"test_name": "TCF"},
        {"test_date": dt.date(2025, 7, 1)},
        {"proof_route": "professor"},
    ],
    ids=["level", "test", "date", "route"],
)
def test_changing_the_test_in_section_3_clears_the_verification(verified, change):
    services.section_update(
        application=verified, section="french", data=change, actor=verified.candidate
    )

    french = french_of(verified)
    assert (french.test_verified_at, french.test_verified_by) == (None, None)
    verified.refresh_from_db()
    assert (verified.french_level, verified.french_level_source) == ("", "")


def test_saving_section_3_unchanged_keeps_the_verification(verified, staff):
    services.section_update(
        application=verified,
        section="french",
        data={
            "proof_route": "official_test",
            "test_name": "DELF",
            "test_level": "B2",
            "test_date": dt.date(2025, 6, 2),
        },
        actor=verified.candidate,
    )

    assert french_of(verified).test_verified_by == staff
    verified.refresh_from_db()
    assert (verified.french_level, verified.french_level_source) == ("B2", "official_test")


def test_the_candidate_changing_the_level_on_the_page_clears_the_verification(client, verified):
    client.force_login(verified.candidate)

    response = client.post(
        "/en/dossier/french/",
        {
            "proof_route": "official_test",
            "test_name": "DELF",
            "test_level": "C1",
            "test_date": "2025-06-02",
        },
    )

    assert response.status_code == 302
    french = french_of(verified)
    assert (french.test_level, french.test_verified_at) == ("C1", None)
    verified.refresh_from_db()
    assert verified.french_level == ""
