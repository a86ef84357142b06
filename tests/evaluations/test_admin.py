"""Evaluations in the admin: everything visible, nothing editable, contacts decided by action."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluations import services
from evaluations.choices import ContactStatus, EvaluationStatus, RequestStatus
from evaluations.models import Evaluation, EvaluationRequest, InstitutionContact, Professor
from tapif.core.models import AuditEntry, Institution
from tests.candidates.factories import CAMPAIGN_OPEN_AT, ApplicationFactory
from tests.evaluations.factories import (
    COMPLETE,
    EvaluationRequestFactory,
    InstitutionFactory,
    opened_by,
)
from tests.factories import (
    CandidateFactory,
    InstitutionContactFactory,
    ProfessorFactory,
    StaffFactory,
    SuperuserFactory,
)

pytestmark = pytest.mark.usefixtures("campaign_open")

ADMIN = "/admin/evaluations"


def listed(name: str, city: str, status: str = Institution.Status.APPROVED) -> Institution:
    return InstitutionFactory(name=name, city=city, province="NB", status=status)


def invite(application, email: str, name: str, **fields) -> EvaluationRequest:
    """The candidate invites an evaluator (`.token` is the link's token, from the e-mail)."""
    return EvaluationRequestFactory(
        application=application, evaluator_email=email, evaluator_name=name, **fields
    )


def evaluated(campaign_open, *, last_name: str = "Roy", email: str = "prof@example.ca"):
    """A dossier whose professor opened the link two hours later and submitted an hour after."""
    application = ApplicationFactory(candidate=CandidateFactory(last_name=last_name))
    professor = ProfessorFactory(email=email, first_name="Anne", last_name="Leblanc")
    request = invite(application, email, "Anne Leblanc")
    campaign_open.shift(dt.timedelta(hours=2))
    opened_by(request, professor)
    services.evaluation_save(request=request, user=professor, data=COMPLETE)
    campaign_open.shift(dt.timedelta(hours=1))
    services.evaluation_submit(request=request, user=professor)
    request.refresh_from_db()
    return request


def staff_with(*codenames: str):
    user = StaffFactory()
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="evaluations", codename__in=codenames)
    )
    return user


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def superuser_client(client):
    client.force_login(SuperuserFactory(email="boss@example.ca"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def login_in_english(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# --- evaluation requests ----------------------------------------------------------------------


def test_request_list_shows_dossier_evaluator_status_dates_and_reminders(client, campaign_open):
    request = evaluated(campaign_open)
    EvaluationRequest.objects.filter(pk=request.pk).update(
        reminders_sent=2, last_reminded_at=CAMPAIGN_OPEN_AT
    )
    waiting = invite(ApplicationFactory(), "other@example.ca", "Paul Martin")
    login_in_english(client, SuperuserFactory())

    response = client.get(f"{ADMIN}/evaluationrequest/")

    html = response.content.decode()
    assert [r.pk for r in response.context["cl"].result_list] == [waiting.pk, request.pk]
    for cell in [
        f'<th class="field-dossier_number"><a href="/admin/evaluations/evaluationrequest/'
        f'{request.pk}/change/">{request.application.number}</a></th>',
        '<td class="field-evaluator_name">Anne Leblanc</td>',
        '<td class="field-evaluator_email">prof@example.ca</td>',
        '<td class="field-status">Evaluation received</td>',
        '<td class="field-status">Invitation sent</td>',
        '<td class="field-relationship">Current French professor</td>',
        '<td class="field-sent_at nowrap">15 January 2026, 12:00</td>',
        '<td class="field-opened_at nowrap">15 January 2026, 14:00</td>',
        '<td class="field-submitted_at nowrap">15 January 2026, 15:00</td>',
        '<td class="field-reminders_sent">2</td>',
        '<td class="field-reminders_sent">0</td>',
    ]:
        assert cell in html, cell


def test_request_list_filters_by_status_and_relationship_and_searches(
    superuser_client, campaign_open
):
    received = evaluated(campaign_open)
    waiting = invite(
        ApplicationFactory(), "paul@example.ca", "Paul Martin", relationship="former_professor"
    )

    def pks(query: dict) -> set[int]:
        response = superuser_client.get(f"{ADMIN}/evaluationrequest/", query)
        return {r.pk for r in response.context["cl"].result_list}

    assert pks({"status__exact": RequestStatus.SUBMITTED}) == {received.pk}
    assert pks({"status__exact": RequestStatus.INVITED}) == {waiting.pk}
    assert pks({"relationship__exact": "former_professor"}) == {waiting.pk}
    assert pks({"q": waiting.application.number}) == {waiting.pk}
    assert pks({"q": "prof@example"}) == {received.pk}
    assert pks({"q": "Martin"}) == {waiting.pk}
    assert pks({"q": "nobody"}) == set()


def test_request_list_queries_do_not_grow_with_rows(superuser_client, campaign_open):
    invite(ApplicationFactory(), "p0@example.ca", "P 0")
    superuser_client.get(f"{ADMIN}/evaluationrequest/")
    with CaptureQueriesContext(connection) as one:
        superuser_client.get(f"{ADMIN}/evaluationrequest/")
    for n in range(1, 5):
        invite(ApplicationFactory(), f"p{n}@example.ca", f"P {n}")
    with CaptureQueriesContext(connection) as five:
        response = superuser_client.get(f"{ADMIN}/evaluationrequest/")

    assert response.context["cl"].result_count == 5
    assert len(five) == len(one)


def test_request_page_shows_every_field_read_only_but_never_the_token(
    superuser_client, campaign_open
):
    application = ApplicationFactory()
    professor = ProfessorFactory(email="prof@example.ca")
    request = invite(application, "prof@example.ca", "Anne Leblanc")
    token = request.token
    opened_by(request, professor)
    services.evaluation_request_decline(request=request, user=professor, reason="On sabbatical")
    request.refresh_from_db()
    url = f"{ADMIN}/evaluationrequest/{request.pk}/change/"

    html = superuser_client.get(url).content.decode()
    posted = superuser_client.post(url, {"evaluator_email": "hacked@example.ca"})

    for text in [
        f'<a href="/admin/candidates/application/{application.pk}/change/">'
        f"{application.number}</a>",
        "Anne Leblanc",
        "prof@example.ca",
        "Declined by the evaluator",
        "Current French professor",
        "On sabbatical",
        "27 February 2026",  # the link worked until the campaign closed
        "Not started",
    ]:
        assert text in html, text
    assert request.token_hash not in html
    assert token not in html
    assert 'name="evaluator_email"' not in html
    assert posted.status_code == 403
    request.refresh_from_db()
    assert request.evaluator_email == "prof@example.ca"


def test_requests_cannot_be_added_or_deleted_even_by_a_superuser(superuser_client, campaign_open):
    request = invite(ApplicationFactory(), "prof@example.ca", "Anne Leblanc")

    add = superuser_client.get(f"{ADMIN}/evaluationrequest/add/")
    delete = superuser_client.post(
        f"{ADMIN}/evaluationrequest/{request.pk}/delete/", {"post": "yes"}
    )
    changelist = superuser_client.get(f"{ADMIN}/evaluationrequest/").content.decode()

    assert add.status_code == delete.status_code == 403
    assert EvaluationRequest.objects.filter(pk=request.pk).exists()
    assert "/evaluationrequest/add/" not in changelist
    assert 'value="delete_selected"' not in changelist


# --- evaluations --------------------------------------------------------------------------------


def test_evaluation_list_shows_dossier_professor_level_and_recommendation(
    superuser_client, campaign_open
):
    request = evaluated(campaign_open)

    response = superuser_client.get(f"{ADMIN}/evaluation/")

    html = response.content.decode()
    for cell in [
        f">{request.application.number}</a></th>",
        '<td class="field-professor">Anne Leblanc &lt;prof@example.ca&gt;</td>',
        '<td class="field-overall_level">B2</td>',
        '<td class="field-recommendation">I strongly recommend this candidate</td>',
        '<td class="field-status">Submitted</td>',
        '<td class="field-submitted_at nowrap">15 January 2026, 15:00</td>',
    ]:
        assert cell in html, cell


def test_staff_read_every_field_of_an_evaluation(superuser_client, campaign_open):
    evaluation = evaluated(campaign_open).evaluation

    html = superuser_client.get(f"{ADMIN}/evaluation/{evaluation.pk}/change/").content.decode()

    for text in [
        COMPLETE["comment"],
        COMPLETE["known_context_details"],
        COMPLETE["known_for"],
        "In my French courses",
        "4 — Very good: strong, consistent evidence",
        "5 — Excellent: among the best students I have known",
        "I strongly recommend this candidate",
        "C1",  # written comprehension
        "B1",  # oral expression
        "15 January 2026, 15:00",
    ]:
        assert text in html, text
    assert "<textarea" not in html
    assert 'name="comment"' not in html


def test_nobody_changes_adds_or_deletes_an_evaluation(superuser_client, campaign_open):
    evaluation = evaluated(campaign_open).evaluation
    base = f"{ADMIN}/evaluation/"

    changed = superuser_client.post(
        f"{base}{evaluation.pk}/change/", {"comment": "Rewritten", "overall_level": "C2"}
    )
    deleted = superuser_client.post(f"{base}{evaluation.pk}/delete/", {"post": "yes"})
    added = superuser_client.post(f"{base}add/", {"comment": "New"})

    assert changed.status_code == deleted.status_code == added.status_code == 403
    evaluation.refresh_from_db()
    assert (evaluation.comment, evaluation.overall_level, evaluation.status) == (
        COMPLETE["comment"],
        "B2",
        EvaluationStatus.SUBMITTED,
    )
    assert Evaluation.objects.count() == 1


def test_evaluations_need_their_own_view_permission(client, campaign_open):
    evaluation = evaluated(campaign_open).evaluation
    login_in_english(client, staff_with("view_evaluationrequest"))

    requests = client.get(f"{ADMIN}/evaluationrequest/")
    evaluations = client.get(f"{ADMIN}/evaluation/{evaluation.pk}/change/")

    assert requests.status_code == 200
    assert evaluations.status_code == 403
    assert "Pangolin" not in evaluations.content.decode()


# --- professors ---------------------------------------------------------------------------------


def test_professor_list_filters_by_institution_and_state_and_searches(superuser_client):
    moncton = listed("Collège Tintamarre", "Tintamarre")
    active = moncton.professors.create(full_name="Anne Leblanc", email="anne@tintamarre.ca")
    gone = moncton.professors.create(
        full_name="Albert Parti", email="albert@tintamarre.ca", is_active=False
    )
    alone = Professor.objects.create(full_name="Zoé Seule", email="zoe@example.ca")

    def pks(query: dict) -> set[int]:
        response = superuser_client.get(f"{ADMIN}/professor/", query)
        return {p.pk for p in response.context["cl"].result_list}

    assert pks({}) == {active.pk, gone.pk, alone.pk}
    assert pks({"institution__id__exact": moncton.pk}) == {active.pk, gone.pk}
    assert pks({"is_active__exact": "0"}) == {gone.pk}
    assert pks({"q": "tintamarre"}) == {active.pk, gone.pk}
    assert pks({"q": "Seule"}) == {alone.pk}
    html = superuser_client.get(f"{ADMIN}/professor/").content.decode()
    assert '<td class="field-institution nowrap">Collège Tintamarre (Tintamarre)</td>' in html
    assert superuser_client.post(f"{ADMIN}/professor/{active.pk}/change/", {}).status_code == 403


# --- institution contacts -----------------------------------------------------------------------


def contact(institution: Institution, email: str) -> InstitutionContact:
    return services.institution_contact_request(
        user=InstitutionContactFactory(email=email), institution=institution, role="Dean of Arts"
    )


def run_action(client, action: str, pks) -> object:
    return client.post(
        f"{ADMIN}/institutioncontact/",
        {"action": action, "_selected_action": [str(pk) for pk in pks], "index": "0"},
    )


def test_approving_a_contact_lists_their_requested_institution_and_reports_counts(
    client, django_capture_on_commit_callbacks
):
    staff = staff_with("view_institutioncontact", "change_institutioncontact")
    login_in_english(client, staff)
    new = listed("Université des Marées", "Baie-des-Marées", Institution.Status.REQUESTED)
    waiting = contact(new, "dean@marees.ca")
    done = contact(listed("Collège Tintamarre", "Tintamarre"), "dept@tintamarre.ca")
    services.institution_contact_decide(contact=done, approve=True, actor=staff)

    with django_capture_on_commit_callbacks() as callbacks:
        response = run_action(client, "approve", [waiting.pk, done.pk])

    assert response.status_code == 302
    assert messages_of(response) == [
        "1 contact approved: they now see their institution's page (and a requested "
        "institution is now listed).",
        "1 contact already had this status: nothing changed.",
    ]
    waiting.refresh_from_db()
    new.refresh_from_db()
    assert (waiting.status, waiting.decided_by, waiting.decided_at) == (
        ContactStatus.APPROVED,
        staff,
        CAMPAIGN_OPEN_AT,
    )
    assert new.status == Institution.Status.APPROVED
    assert len(callbacks) == 1  # one e-mail, to the contact just approved
    assert AuditEntry.objects.filter(action="institution_contact.approved").count() == 2


def test_rejecting_contacts_reports_counts_and_leaves_the_institution(client):
    staff = staff_with("view_institutioncontact", "change_institutioncontact")
    login_in_english(client, staff)
    new = listed("Université des Marées", "Baie-des-Marées", Institution.Status.REQUESTED)
    first, second = contact(new, "a@marees.ca"), contact(new, "b@marees.ca")

    response = run_action(client, "reject", [first.pk, second.pk])

    assert messages_of(response) == ["2 contacts rejected."]
    assert set(InstitutionContact.objects.values_list("status", flat=True)) == {
        ContactStatus.REJECTED
    }
    new.refresh_from_db()
    assert new.status == Institution.Status.REQUESTED


def test_contact_list_filters_searches_and_shows_the_institution_state(client):
    login_in_english(client, staff_with("view_institutioncontact"))
    waiting = contact(
        listed("Université des Marées", "Baie-des-Marées", Institution.Status.REQUESTED),
        "dean@marees.ca",
    )
    other = contact(listed("Collège Tintamarre", "Tintamarre"), "dept@tintamarre.ca")

    def pks(query: dict) -> set[int]:
        response = client.get(f"{ADMIN}/institutioncontact/", query)
        return {c.pk for c in response.context["cl"].result_list}

    assert pks({"status__exact": ContactStatus.REQUESTED}) == {waiting.pk, other.pk}
    assert pks({"institution__status__exact": "requested"}) == {waiting.pk}
    assert pks({"q": "marees"}) == {waiting.pk}
    html = client.get(f"{ADMIN}/institutioncontact/").content.decode()
    assert '<td class="field-institution_status">Requested</td>' in html
    assert '<td class="field-role">Dean of Arts</td>' in html


def test_staff_who_may_only_look_neither_see_nor_run_the_decisions(client):
    waiting = contact(listed("Collège Tintamarre", "Tintamarre"), "dept@tintamarre.ca")
    viewer = staff_with("view_institutioncontact")
    login_in_english(client, viewer)

    page = client.get(f"{ADMIN}/institutioncontact/")
    response = run_action(client, "approve", [waiting.pk])

    assert page.status_code == 200
    assert 'value="approve"' not in page.content.decode()
    assert response.status_code == 200  # no action to run: the list is shown again
    waiting.refresh_from_db()
    assert waiting.status == ContactStatus.REQUESTED
    assert client.post(f"{ADMIN}/institutioncontact/{waiting.pk}/change/", {}).status_code == 403
