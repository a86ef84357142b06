"""Institutions in the admin: the list staff work from, and listing or refusing a request."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages

from tapif.core.models import AuditEntry, Institution
from tapif.core.services import institution_request
from tests.factories import CandidateFactory, StaffFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/core/institution/"


def staff_with(*codenames: str, **fields):
    user = StaffFactory(**fields)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="core", codename__in=codenames)
    )
    return user


@pytest.fixture
def staff():
    return staff_with("view_institution", "change_institution", email="officer@example.ca")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def requested():
    """A university a candidate could not find in the list."""
    return institution_request(
        name="Université des Marées",
        city="Baie-des-Marées",
        province="NS",
        actor=CandidateFactory(email="zoe@example.ca"),
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def run_action(client, action: str, pks) -> object:
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [str(pk) for pk in pks], "index": "0"}
    )


def test_list_shows_each_institution_with_who_asked_for_it(staff_client, requested):
    response = staff_client.get(CHANGELIST, {"status__exact": "requested"})

    html = response.content.decode()
    assert [i.pk for i in response.context["cl"].result_list] == [requested.pk]
    for cell in [
        f'<th class="field-name"><a href="/admin/core/institution/{requested.pk}/change/'
        '?_changelist_filters=status__exact%3Drequested">Université des Marées</a></th>',
        '<td class="field-city">Baie-des-Marées</td>',
        '<td class="field-province">Nova Scotia / Nouvelle-Écosse</td>',
        '<td class="field-kind">University</td>',
        '<td class="field-status">Requested</td>',
        '<td class="field-requested_by nowrap">zoe@example.ca</td>',
    ]:
        assert cell in html, cell


def test_list_filters_by_status_and_searches_by_name_city_and_requester(staff_client, requested):
    def pks(query: dict) -> set[int]:
        response = staff_client.get(CHANGELIST, query)
        return {i.pk for i in response.context["cl"].result_list}

    approved = set(
        Institution.objects.filter(status="approved").values_list("pk", flat=True)
    )  # the reference list loaded by the data migration
    assert approved
    assert pks({"status__exact": "approved"}) == approved
    assert pks({"status__exact": "requested"}) == {requested.pk}
    assert pks({"q": "Marées"}) == {requested.pk}
    assert pks({"q": "zoe@example"}) == {requested.pk}
    assert pks({"province__exact": "NS", "status__exact": "requested"}) == {requested.pk}


def test_approving_lists_a_requested_institution_and_reports_counts(staff_client, staff, requested):
    already = Institution.objects.filter(status="approved").first()

    response = run_action(staff_client, "approve", [requested.pk, already.pk])

    assert response.status_code == 302
    assert messages_of(response) == [
        "1 institution listed: candidates and professors can now choose it.",
        "1 institution already had this status: nothing changed.",
    ]
    requested.refresh_from_db()
    assert requested.status == Institution.Status.APPROVED
    entry = AuditEntry.objects.get(action="institution.status")
    assert (entry.actor, entry.target_id, entry.data) == (
        staff,
        str(requested.pk),
        {"from": "requested", "to": "approved"},
    )


def test_rejecting_keeps_an_institution_out_of_the_list(staff_client, requested):
    other = institution_request(
        name="Collège Tintamarre", city="Tintamarre", province="NB", actor=CandidateFactory()
    )

    response = run_action(staff_client, "reject", [requested.pk, other.pk])

    assert messages_of(response) == [
        "2 institutions rejected: they are not offered in the list.",
    ]
    assert set(
        Institution.objects.filter(pk__in=[requested.pk, other.pk]).values_list("status", flat=True)
    ) == {Institution.Status.REJECTED}
    assert AuditEntry.objects.filter(action="institution.status").count() == 2


def test_status_is_changed_only_by_the_actions(staff_client, requested):
    url = f"{CHANGELIST}{requested.pk}/change/"
    page = staff_client.get(url).content.decode()

    response = staff_client.post(
        url,
        {
            "name": "Université des Marées (campus Sud)",
            "city": "Baie-des-Marées",
            "province": "NS",
            "kind": "university",
            "status": "approved",
        },
    )

    assert 'name="status"' not in page
    assert 'name="name"' in page
    assert response.status_code == 302
    requested.refresh_from_db()
    assert (requested.name, requested.status) == (
        "Université des Marées (campus Sud)",
        Institution.Status.REQUESTED,
    )


def test_staff_who_may_only_look_neither_see_nor_run_the_actions(client, requested):
    client.force_login(staff_with("view_institution"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    page = client.get(CHANGELIST)
    response = run_action(client, "approve", [requested.pk])

    assert page.status_code == 200
    assert 'value="approve"' not in page.content.decode()
    assert response.status_code == 200  # no action to run: the list is shown again
    assert messages_of(response) == []
    requested.refresh_from_db()
    assert requested.status == Institution.Status.REQUESTED
