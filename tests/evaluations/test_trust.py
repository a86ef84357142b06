"""The chain of trust of evaluations (issue 15, holes 2 and 4).

A candidate who invites an alias and grades themselves must not change their dossier; an
evaluation counts only from the invited address, proved, and vouched for by an institution or
by staff; the candidate never reads the level an evaluation gave.
"""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.utils import translation

from candidates.models import Application, FrenchProfile
from candidates.selectors import dossier_load, dossier_status
from evaluations import services
from evaluations.choices import EvaluatorCheck, RequestStatus
from evaluations.models import EvaluationRequest
from tapif.core import roles
from tapif.core.exceptions import DomainError
from tapif.core.messages import explain_message
from tapif.core.models import AuditEntry, Institution
from tapif.core.services import institution_set_email_domains
from tests.candidates.dossier import complete_dossier
from tests.candidates.factories import ApplicationFactory
from tests.evaluations.factories import (
    COMPLETE,
    EvaluationRequestFactory,
    InstitutionFactory,
    confirm_token_in,
    drafted,
    listed,
    opened_by,
    professor_route,
)
from tests.factories import ProfessorFactory, StaffFactory

pytestmark = pytest.mark.usefixtures("campaign_open")

ALIAS = "my.alias.prof@example.org"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def dossier(campaign_open) -> Application:
    return complete_dossier(professor_route(ApplicationFactory()))


def invite(application: Application, email: str) -> EvaluationRequest:
    return EvaluationRequestFactory(application=application, evaluator_email=email)


def submit(request: EvaluationRequest, level: str = "C2") -> None:
    drafted(request, **(COMPLETE | {"overall_level": level}))
    services.evaluation_submit(request=request, user=request.professor.user)


def level_of(application: Application) -> str:
    application.refresh_from_db(fields=["french_level"])
    return application.french_level


def manager():
    staff = StaffFactory()
    staff.groups.add(Group.objects.get(name=roles.PROGRAMME_MANAGER))
    return staff


# --- the alias trick -------------------------------------------------------------------------


def test_an_account_at_another_address_does_not_bind_and_asks_the_invited_address(
    dossier, django_capture_on_commit_callbacks
):
    request = invite(dossier, ALIAS)
    other = ProfessorFactory(email="someone.else@example.org")
    sent = len(mail.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        opened = services.evaluation_request_open(token=request.token, user=other)

    assert opened.professor is None
    assert opened.status == RequestStatus.INVITED
    assert opened.pending_professor.user == other
    asked = mail.outbox[sent]
    assert asked.to == [ALIAS]
    assert "someone.else@example.org" in asked.body
    # Not bound: the other account cannot draft anything.
    with pytest.raises(DomainError, match="not addressed to you"):
        services.evaluation_save(request=opened, user=other, data={"comment": "x"})
    assert level_of(dossier) == ""


def test_the_alias_registered_but_unvouched_waits_for_staff_and_leaves_the_level(dossier):
    request = opened_by(invite(dossier, ALIAS), vouched=False)

    submit(request, "C2")

    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert request.evaluator_check == EvaluatorCheck.PENDING
    assert level_of(dossier) == ""
    assert FrenchProfile.objects.get(application=dossier).evaluator_status == "confirming"


def test_a_professor_listed_by_an_approved_contact_counts(dossier):
    request = opened_by(invite(dossier, "prof@uottawa.example.ca"), vouched=True)

    submit(request, "B2")

    request.refresh_from_db()
    assert request.evaluator_check == EvaluatorCheck.VOUCHED
    assert level_of(dossier) == "B2"


def test_a_listing_by_a_contact_not_approved_does_not_vouch(dossier):
    professor = listed("prof@uottawa.example.ca")
    contact = professor.added_by.institution_contact
    contact.status = "requested"
    contact.save(update_fields=["status"])
    request = opened_by(invite(dossier, "prof@uottawa.example.ca"), vouched=False)

    submit(request, "B2")

    assert level_of(dossier) == ""


def test_an_address_on_a_domain_staff_approved_counts_and_another_domain_waits(dossier):
    institution = InstitutionFactory()
    institution_set_email_domains(
        institution=institution, domains="uottawa.example.ca", actor=manager()
    )
    on_domain = opened_by(invite(dossier, "anyone@uottawa.example.ca"), vouched=False)
    submit(on_domain, "B2")
    assert level_of(dossier) == "B2"

    other = complete_dossier(professor_route(ApplicationFactory()))
    off_domain = opened_by(invite(other, "anyone@elsewhere.example.ca"), vouched=False)
    submit(off_domain, "B2")
    assert level_of(other) == ""


def test_the_invited_address_confirming_another_account_binds_it_but_it_still_needs_vouching(
    dossier, django_capture_on_commit_callbacks
):
    request = invite(dossier, ALIAS)
    other = ProfessorFactory(email="someone.else@example.org")
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.evaluation_request_open(token=request.token, user=other)

    bound = services.evaluation_request_confirm_address(token=confirm_token_in(mail.outbox[sent]))

    assert bound.professor.user == other
    assert bound.address_confirmed_at is not None
    submit(bound, "C2")
    assert level_of(dossier) == ""  # the alias is nobody's listed address


def test_only_domain_managers_set_domains_and_public_mailboxes_are_refused():
    institution = InstitutionFactory()
    with pytest.raises(DomainError, match="allowed to approve e-mail domains"):
        institution_set_email_domains(
            institution=institution, domains="uottawa.ca", actor=StaffFactory()
        )
    with pytest.raises(DomainError, match=r"gmail\.com gives addresses to anyone"):
        institution_set_email_domains(institution=institution, domains="gmail.com", actor=manager())
    institution.refresh_from_db()
    assert institution.email_domains == ""
    assert institution.approved_domains == []

    approver = manager()
    institution_set_email_domains(
        institution=institution, domains=" @UOttawa.ca\nuottawa.ca ", actor=approver
    )
    institution.refresh_from_db()
    assert institution.approved_domains == ["uottawa.ca"]
    assert institution.domains_approved_by == approver
    assert AuditEntry.objects.filter(
        action="institution.email_domains", target_id=str(institution.pk)
    ).exists()


def test_the_domain_field_is_read_only_in_the_admin_without_the_permission(client):
    institution = InstitutionFactory()
    reviewer = StaffFactory()
    reviewer.groups.add(Group.objects.get(name=roles.PROGRAMME_MANAGER))
    client.force_login(reviewer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(f"/admin/core/institution/{institution.pk}/change/").content.decode()
    assert 'name="email_domains"' in page

    reviewer.groups.clear()
    reviewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_institution", "change_institution"])
    )
    reviewer = type(reviewer).objects.get(pk=reviewer.pk)
    client.force_login(reviewer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(f"/admin/core/institution/{institution.pk}/change/").content.decode()
    assert 'name="email_domains"' not in page


# --- the candidate's own addresses ------------------------------------------------------------


def test_the_candidates_other_addresses_are_refused_at_invitation(dossier):
    EmailAddress.objects.create(user=dossier.candidate, email="Second@Example.org", verified=False)
    with pytest.raises(DomainError, match=r"second@example\.org is one of your own addresses"):
        services.evaluation_request_create(
            application=dossier,
            evaluator_name="Me",
            evaluator_email="second@example.org",
            institution=None,
            relationship="current_professor",
            language="en",
            actor=dossier.candidate,
        )
    assert not EvaluationRequest.objects.filter(application=dossier).exists()


def test_the_candidates_address_is_refused_again_at_binding(dossier):
    request = invite(dossier, ALIAS)
    # After the invitation, the candidate adds the alias to their own account.
    EmailAddress.objects.create(user=dossier.candidate, email=ALIAS, verified=True)
    professor = ProfessorFactory(email=ALIAS.replace("my", "their"))
    EmailAddress.objects.create(user=professor, email=ALIAS, verified=False)

    with pytest.raises(DomainError, match="cannot evaluate themselves"):
        services.evaluation_request_open(token=request.token, user=professor)
    request.refresh_from_db()
    assert request.professor is None
    assert request.pending_professor is None


# --- rate limit -------------------------------------------------------------------------------


@override_settings(
    ACCOUNT_RATE_LIMITS={"evaluation_invite": "2/h/key"}, TAPIF_EVALUATION_INVITES_PER_HOUR=2
)
def test_invitations_and_resends_are_limited_per_candidate(client, dossier):
    cache.clear()
    client.force_login(dossier.candidate)
    data = {
        "evaluator_name": "Hélène Gagnon",
        "evaluator_email": "helene@uottawa.example.ca",
        "institution": "",
        "relationship": "current_professor",
        "language": "fr",
    }
    assert client.post("/en/evaluations/evaluator/", data).status_code == 302
    request = EvaluationRequest.objects.get(application=dossier)
    client.post(f"/en/evaluations/evaluator/{request.pk}/resend/")
    request.refresh_from_db()
    assert request.resent_count == 1

    response = client.post(f"/en/evaluations/evaluator/{request.pk}/resend/", follow=True)

    request.refresh_from_db()
    assert request.resent_count == 1
    assert (
        "You have sent 2 invitations in the last hour, the most allowed: wait a little before "
        "sending another one."
    ) in response.content.decode()
    cache.clear()


# --- the staff queue --------------------------------------------------------------------------


@pytest.fixture
def waiting(dossier) -> EvaluationRequest:
    request = opened_by(invite(dossier, ALIAS), vouched=False)
    submit(request, "B2")
    request.refresh_from_db()
    return request


def test_staff_confirm_the_evaluator_and_the_level_reaches_the_dossier(waiting, client):
    client.force_login(manager())
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    listing = client.get("/admin/evaluations/evaluationrequest/?evaluator_check=pending")
    assert waiting.application.number in listing.content.decode()

    response = client.post(
        "/admin/evaluations/evaluationrequest/",
        {"action": "confirm_evaluator", "_selected_action": [waiting.pk]},
        follow=True,
    )

    assert "1 evaluator confirmed" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.evaluator_check == EvaluatorCheck.CONFIRMED
    assert level_of(waiting.application) == "B2"
    assert AuditEntry.objects.filter(action="evaluation_request.evaluator_confirmed").count() == 1


def test_staff_reject_the_evaluator_and_the_candidate_may_invite_again(
    waiting, client, django_capture_on_commit_callbacks
):
    client.force_login(manager())
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/evaluations/evaluationrequest/",
            {"action": "reject_evaluator", "_selected_action": [waiting.pk]},
        )

    waiting.refresh_from_db()
    assert waiting.status == RequestStatus.REJECTED
    assert level_of(waiting.application) == ""
    assert FrenchProfile.objects.get(application=waiting.application).evaluator_status == (
        "rejected"
    )
    told = [m for m in mail.outbox if m.to == [waiting.application.candidate.email]]
    assert "Invitez une autre personne pour l’évaluation" in told[-1].subject
    assert "son évaluation ne compte pas" in told[-1].body
    invite(waiting.application, "real.prof@uottawa.example.ca")  # allowed again


def test_a_reviewer_cannot_confirm_an_evaluator(waiting):
    reviewer = StaffFactory()
    reviewer.groups.add(Group.objects.get(name=roles.REVIEWER))
    with pytest.raises(DomainError, match="allowed to confirm evaluators"):
        services.evaluation_request_confirm_evaluator(request=waiting, actor=reviewer)
    assert level_of(waiting.application) == ""


def test_the_candidate_reads_that_the_embassy_is_confirming(waiting, client):
    client.force_login(waiting.application.candidate)
    for url, text in [
        ("/en/evaluations/evaluator/", "Received, the embassy is confirming the evaluator"),
        ("/fr/evaluations/evaluator/", "Reçue, l’ambassade vérifie l’évaluateur"),
        ("/en/dossier/french/", "The embassy is confirming the evaluator."),
        ("/fr/dossier/french/", "L’ambassade vérifie l’évaluateur."),
    ]:
        assert text in client.get(url).content.decode(), url


# --- hole 4: the candidate never reads an evaluation's level ----------------------------------


@pytest.mark.parametrize(
    ("level", "en", "fr"),
    [
        ("A2", "the French requirement (at least B1, CEFR) is not met", "n’est pas remplie"),
    ],
)
def test_the_candidate_reads_met_or_not_never_the_level(dossier, client, level, en, fr):
    submit(opened_by(invite(dossier, "prof@uottawa.example.ca")), level)
    assert level_of(dossier) == level
    client.force_login(dossier.candidate)
    for url, words in [
        ("/en/dossier/submit/", en),
        ("/fr/dossier/submit/", fr),
        ("/en/dossier/french/", en),
        ("/fr/dossier/french/", fr),
    ]:
        html = client.get(url).content.decode()
        assert words in html, url
        assert f"your level is {level}" not in html
        assert f"votre niveau est {level}" not in html


def test_a_met_requirement_never_names_the_level_to_the_candidate(dossier, client):
    submit(opened_by(invite(dossier, "prof@uottawa.example.ca")), "B2")
    status = dossier_status(dossier_load(dossier.pk))
    french = next(r for r in status.verdict.rules if r.rule == "french_level")
    assert french.message == {
        "code": "eligibility.french_level.evaluation_met",
        "params": {"minimum": "B1"},
    }
    with translation.override("en"):
        english = explain_message(french.message)
    with translation.override("fr"):
        french_words = explain_message(french.message)
    assert english == (
        "Your evaluation has been received: the French requirement (at least B1, CEFR) is met."
    )
    assert french_words == (
        "Votre évaluation a été reçue : l’exigence de français (au moins B1, CECR) est remplie."
    )
    client.force_login(dossier.candidate)
    for url in ["/en/dossier/", "/fr/dossier/", "/en/dossier/summary/", "/fr/dossier/summary/"]:
        html = client.get(url).content.decode()
        assert "Your French level, B2" not in html
        assert "Votre niveau de français, B2" not in html


def test_staff_keep_the_level(dossier, client):
    submit(opened_by(invite(dossier, "prof@uottawa.example.ca")), "B2")
    staff = manager()
    client.force_login(staff)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = client.get(f"/admin/candidates/application/{dossier.pk}/change/").content.decode()
    assert "B2, from the professor&#x27;s evaluation" in html


def test_an_institution_must_be_approved_for_its_domains_to_vouch(dossier):
    institution = InstitutionFactory(status=Institution.Status.REQUESTED)
    institution_set_email_domains(
        institution=institution, domains="uottawa.example.ca", actor=manager()
    )
    request = opened_by(invite(dossier, "anyone@uottawa.example.ca"), vouched=False)
    submit(request, "B2")
    assert level_of(dossier) == ""
