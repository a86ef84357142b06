"""Every evaluation service: what it changes, what it refuses (changing nothing), the e-mails it
sends after commit, and what it records on the dossier (evaluator status, French level)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation

from candidates import services as dossier_services
from candidates.eligibility import Status
from candidates.models import Application, FrenchProfile
from candidates.selectors import dossier_load, dossier_status
from evaluations import services
from evaluations.choices import ContactStatus, EvaluationStatus, RequestStatus
from evaluations.models import Evaluation, EvaluationRequest, InstitutionContact, Professor
from evaluations.tokens import token_hash
from tapif.core.exceptions import DomainError
from tapif.core.models import AuditEntry, Campaign, Institution, OutboundMessage
from tapif.core.outbox import message_deliver, message_failed
from tests.candidates.dossier import complete_dossier
from tests.candidates.factories import CAMPAIGN_CLOSED_AT, CAMPAIGN_OPEN_AT, ApplicationFactory
from tests.evaluations.factories import (
    COMPLETE,
    EvaluationRequestFactory,
    InstitutionFactory,
    ProfessorProfileFactory,
    drafted,
    opened_by,
    professor_route,
    submitted,
    token_in,
)
from tests.factories import (
    CandidateFactory,
    InstitutionContactFactory,
    ProfessorFactory,
    StaffFactory,
)

pytestmark = pytest.mark.usefixtures("campaign_open")


@pytest.fixture(autouse=True)
def _english():
    """Refusals are read in English here (the pages' tests look at both languages)."""
    with translation.override("en"):
        yield


def invite(application: Application, **overrides) -> EvaluationRequest:
    data = {
        "evaluator_name": "  Hélène Gagnon ",
        "evaluator_email": " Helene.Gagnon@UOttawa.example.ca ",
        "institution": None,
        "relationship": "current_professor",
        "language": "fr",
    } | overrides
    return services.evaluation_request_create(
        application=application, actor=application.candidate, **data
    )


def french_of(application: Application) -> FrenchProfile:
    return FrenchProfile.objects.get(application=application)


def actions_on(target) -> list[str]:
    return list(
        AuditEntry.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- evaluation_request_create --------------------------------------------------------------------


def test_create_records_the_request_and_the_dossier_and_mails_after_commit(
    application, django_capture_on_commit_callbacks
):
    institution = InstitutionFactory(name="Université d’Ottawa")
    with django_capture_on_commit_callbacks() as callbacks:
        request = invite(application, institution=institution)
        assert mail.outbox == []  # nothing leaves before the commit

    assert (request.evaluator_name, request.evaluator_email, request.institution) == (
        "Hélène Gagnon",
        "helene.gagnon@uottawa.example.ca",
        institution,
    )
    assert request.status == RequestStatus.INVITED
    assert request.token_expires_at == application.campaign.closes_at
    assert request.sent_at is None
    assert french_of(application).evaluator_status == "invited"
    assert actions_on(request) == ["evaluation_request.create"]

    for callback in callbacks:
        callback()
    (message,) = mail.outbox
    assert message.to == ["helene.gagnon@uottawa.example.ca"]
    assert message.reply_to == [application.candidate.email]
    # In French, the evaluator's chosen language (the English wording is checked below).
    assert message.subject.startswith("[TAPIF] ")
    assert application.candidate.get_full_name() in message.subject
    assert "/fr/evaluations/r/" in message.body
    token = token_in(message)
    # Only the hash is stored; the link opens this very request.
    request.refresh_from_db()
    assert request.token_hash == token_hash(token)
    assert token not in request.token_hash
    assert services.evaluation_request_by_token(token) == request
    assert request.sent_at == CAMPAIGN_OPEN_AT
    assert request.delivery_failed_at is None


def test_create_writes_the_invitation_in_the_chosen_language(
    application, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(application, language="en")
    (message,) = mail.outbox
    name = application.candidate.get_full_name()
    assert message.subject == f"[TAPIF] TAPIF: {name} asks you to evaluate their French"
    assert "/en/evaluations/r/" in message.body
    assert "This personal link works until 27 February 2026" in message.body


def test_an_invitation_the_mail_server_refuses_is_recorded_for_the_candidate(
    application, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = {
        "default": {"BACKEND": "tests.evaluations.factories.UnknownAddressEmailBackend"}
    }
    with django_capture_on_commit_callbacks(execute=True):
        request = invite(application)
    request.refresh_from_db()
    assert (request.sent_at, request.delivery_failed_at) == (None, CAMPAIGN_OPEN_AT)
    assert request.status == RequestStatus.INVITED  # kept: the candidate corrects or resends
    (message,) = OutboundMessage.objects.all()
    assert message.status == OutboundMessage.Status.FAILED
    assert "link" not in message.context  # the personal link is not kept once given up


def test_an_invitation_meeting_a_mail_server_down_waits_and_is_sent_later(
    application, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": "tests.evaluations.factories.RefusingEmailBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        request = invite(application)
    (message,) = OutboundMessage.objects.all()
    assert message.status == OutboundMessage.Status.PENDING
    request.refresh_from_db()
    assert (request.sent_at, request.delivery_failed_at) == (None, None)  # nothing to tell yet

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    later = CAMPAIGN_OPEN_AT + dt.timedelta(minutes=2)
    assert message_deliver(message.pk, now=later).status == OutboundMessage.Status.SENT
    (sent,) = mail.outbox
    assert services.evaluation_request_by_token(token_in(sent)) == request
    request.refresh_from_db()
    assert request.sent_at == CAMPAIGN_OPEN_AT  # time is frozen in these tests
    assert "link" not in OutboundMessage.objects.get().context


def test_only_the_latest_invitation_records_its_delivery(
    invitation, settings, django_capture_on_commit_callbacks
):
    """A first e-mail refused late, after the candidate resent a fresh link, changes nothing."""
    first = OutboundMessage.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.evaluation_request_resend(
            request=invitation, actor=invitation.application.candidate
        )
    assert list(OutboundMessage.objects.order_by("pk").values_list("dedup_key", flat=True)) == [
        f"evaluation-invitation:{invitation.pk}:0",
        f"evaluation-invitation:{invitation.pk}:1",
    ]
    message_failed.send(sender=OutboundMessage, message=first)
    invitation.refresh_from_db()
    assert invitation.delivery_failed_at is None


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("SELF", "is one of your own addresses: your evaluator must be someone else"),
        ("other@univ.example.ca", "An evaluator is already invited. Replace them if needed."),
    ],
)
def test_create_refuses_oneself_and_a_second_waiting_evaluator(application, email, message):
    first = invite(application)
    if email == "SELF":
        first.delete()
        email = application.candidate.email.upper()
    before = EvaluationRequest.objects.count()
    with pytest.raises(DomainError, match=message):
        invite(application, evaluator_email=email)
    assert EvaluationRequest.objects.count() == before


def test_create_refuses_once_an_evaluation_is_received(invitation):
    submitted(opened_by(invitation))
    with pytest.raises(DomainError, match=re.escape("Your evaluation has already been received.")):
        invite(invitation.application, evaluator_email="second@univ.example.ca")
    assert EvaluationRequest.objects.count() == 1


def test_create_refuses_a_dossier_on_the_official_test_route(application):
    dossier_services.section_update(
        application=application,
        section="french",
        data={"proof_route": "official_test"},
        actor=application.candidate,
    )
    with pytest.raises(DomainError, match="proves your French with an official test"):
        invite(application)
    assert not EvaluationRequest.objects.exists()
    assert french_of(application).evaluator_status == ""


def test_create_refuses_after_the_campaign_closes(application, campaign_open):
    campaign_open.move_to(CAMPAIGN_CLOSED_AT)
    with pytest.raises(DomainError, match="The application period has ended"):
        invite(application)
    assert not EvaluationRequest.objects.exists()


# --- evaluation_request_resend --------------------------------------------------------------------


def test_resend_sends_a_fresh_link_and_kills_the_old_one(
    invitation, django_capture_on_commit_callbacks
):
    EvaluationRequest.objects.filter(pk=invitation.pk).update(
        delivery_failed_at=CAMPAIGN_OPEN_AT, unopened_notice_at=CAMPAIGN_OPEN_AT
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.evaluation_request_resend(
            request=invitation, actor=invitation.application.candidate
        )

    (message,) = mail.outbox
    new_token = token_in(message)
    assert new_token != invitation.token
    assert services.evaluation_request_by_token(invitation.token) is None
    assert services.evaluation_request_by_token(new_token).pk == invitation.pk
    invitation.refresh_from_db()
    assert (invitation.resent_count, invitation.delivery_failed_at) == (1, None)
    assert invitation.unopened_notice_at is None  # the daily check may tell the candidate again
    assert actions_on(invitation) == ["evaluation_request.create", "evaluation_request.resend"]


def test_resend_still_works_once_the_dossier_is_submitted(
    invitation, private_storage, django_capture_on_commit_callbacks
):
    application = complete_dossier(invitation.application)
    dossier_services.application_submit(application=application, actor=application.candidate)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.evaluation_request_resend(request=invitation, actor=application.candidate)
    assert [m.to for m in mail.outbox] == [[invitation.evaluator_email]]


def test_resend_is_refused_after_the_campaign_closes(invitation, campaign_open):
    campaign_open.move_to(CAMPAIGN_CLOSED_AT)
    with pytest.raises(DomainError, match="the invitation can no longer be sent"):
        services.evaluation_request_resend(
            request=invitation, actor=invitation.application.candidate
        )
    assert services.evaluation_request_by_token(invitation.token).pk == invitation.pk


def test_resend_is_refused_once_the_evaluator_has_answered(opened):
    submitted(opened)
    with pytest.raises(DomainError, match="no longer waiting for the evaluator"):
        services.evaluation_request_resend(request=opened, actor=opened.application.candidate)
    opened.refresh_from_db()
    assert opened.resent_count == 0


# --- evaluation_request_replace -------------------------------------------------------------------


def test_replace_withdraws_the_evaluator_and_invites_another(
    opened, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        new = services.evaluation_request_replace(
            request=opened,
            evaluator_name="Marc Cyr",
            evaluator_email="marc.cyr@univ.example.ca",
            institution=None,
            relationship="former_professor",
            language="en",
            actor=opened.application.candidate,
        )

    opened.refresh_from_db()
    assert (opened.status, opened.replaced_at) == (RequestStatus.REPLACED, CAMPAIGN_OPEN_AT)
    assert (new.status, new.evaluator_email, new.relationship) == (
        RequestStatus.INVITED,
        "marc.cyr@univ.example.ca",
        "former_professor",
    )
    assert french_of(opened.application).evaluator_status == "invited"
    assert [m.to for m in mail.outbox] == [["marc.cyr@univ.example.ca"]]
    # The old link opens nothing for anyone else (it is bound, and replaced).
    with pytest.raises(DomainError) as refused:
        services.evaluation_request_open(token=opened.token, user=ProfessorFactory())
    assert refused.value.code == "taken"
    # Nor can the replaced professor keep writing.
    with pytest.raises(DomainError, match="This request is closed"):
        drafted(opened)


def test_replace_refused_after_the_close_leaves_the_evaluator_in_place(invitation, campaign_open):
    campaign_open.move_to(CAMPAIGN_CLOSED_AT)
    with pytest.raises(DomainError, match="The application period has ended"):
        services.evaluation_request_replace(
            request=invitation,
            evaluator_name="Marc Cyr",
            evaluator_email="marc.cyr@univ.example.ca",
            institution=None,
            relationship="former_professor",
            language="fr",
            actor=invitation.application.candidate,
        )
    invitation.refresh_from_db()
    assert (invitation.status, invitation.replaced_at) == (RequestStatus.INVITED, None)
    assert EvaluationRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("close", "message"),
    [
        ("submit", "This evaluator has already submitted: they cannot be replaced."),
        ("decline", "This evaluator has declined: invite someone else instead."),
        ("replace", "This evaluator has already been replaced."),
    ],
)
def test_replace_refuses_an_evaluator_who_is_no_longer_expected(opened, close, message):
    if close == "submit":
        submitted(opened)
    elif close == "decline":
        services.evaluation_request_decline(
            request=opened, user=opened.professor.user, reason="On leave"
        )
    else:
        EvaluationRequest.objects.filter(pk=opened.pk).update(status=RequestStatus.REPLACED)
    status_before = EvaluationRequest.objects.get(pk=opened.pk).status
    with pytest.raises(DomainError, match=message):
        services.evaluation_request_replace(
            request=opened,
            evaluator_name="Marc Cyr",
            evaluator_email="marc.cyr@univ.example.ca",
            institution=None,
            relationship="former_professor",
            language="fr",
            actor=opened.application.candidate,
        )
    assert EvaluationRequest.objects.get(pk=opened.pk).status == status_before
    assert EvaluationRequest.objects.count() == 1


# --- evaluation_request_by_token ------------------------------------------------------------------


def test_by_token_finds_only_the_exact_token(invitation):
    assert services.evaluation_request_by_token(invitation.token) == invitation
    assert services.evaluation_request_by_token(invitation.token[:-1]) is None
    assert services.evaluation_request_by_token("") is None
    assert services.evaluation_request_by_token("x" * 101) is None
    # The stored hash is not a token: knowing it opens nothing.
    assert services.evaluation_request_by_token(invitation.token_hash) is None


# --- evaluation_request_open ----------------------------------------------------------------------


def test_open_binds_the_request_to_the_professor_once(invitation, campaign_open):
    user = ProfessorFactory(email=invitation.evaluator_email, first_name="Hélène")

    opened = services.evaluation_request_open(token=invitation.token, user=user)

    professor = Professor.objects.get()
    assert (professor.user, professor.email, professor.full_name) == (
        user,
        user.email,
        user.get_full_name(),
    )
    assert (opened.professor, opened.status, opened.opened_at) == (
        professor,
        RequestStatus.OPENED,
        CAMPAIGN_OPEN_AT,
    )
    assert french_of(invitation.application).evaluator_status == "opened"
    assert actions_on(opened) == ["evaluation_request.create", "evaluation_request.open"]
    # Following the link again later is harmless.
    campaign_open.shift(dt.timedelta(days=2))
    again = services.evaluation_request_open(token=invitation.token, user=user)
    assert (again.pk, again.opened_at) == (opened.pk, CAMPAIGN_OPEN_AT)
    assert Professor.objects.count() == 1


def test_open_binds_a_professor_listed_by_their_institution(invitation):
    listed = ProfessorProfileFactory(user=None, email=invitation.evaluator_email)
    user = ProfessorFactory(email=invitation.evaluator_email)
    opened = services.evaluation_request_open(token=invitation.token, user=user)
    listed.refresh_from_db()
    assert (opened.professor, listed.user) == (listed, user)
    assert Professor.objects.count() == 1


@pytest.mark.parametrize(
    ("setup", "code", "message"),
    [
        ("unknown", "unknown", "This link is not valid. Ask the candidate to send it again."),
        ("candidate", "kind", "This link is for a Professeur account."),
        ("institution", "kind", "This link is for a Professeur account."),
        ("staff", "kind", "This link is for a Professeur account."),
        ("taken", "taken", "This request is already linked to another account."),
        ("expired", "expired", "This link has expired. Ask the candidate to send it again."),
        ("replaced", "replaced", "The candidate has chosen another evaluator"),
    ],
)
def test_open_refuses_and_binds_nothing(invitation, campaign_open, setup, code, message):
    token, user = invitation.token, ProfessorFactory()
    if setup == "unknown":
        token = "a-guessed-token-of-the-right-length-0123456789ab"
    elif setup in {"candidate", "institution", "staff"}:
        user = {"candidate": CandidateFactory, "institution": InstitutionContactFactory}.get(
            setup, StaffFactory
        )()
    elif setup == "taken":
        opened_by(invitation)
    elif setup == "expired":
        campaign_open.move_to(invitation.token_expires_at + dt.timedelta(seconds=1))
    else:
        EvaluationRequest.objects.filter(pk=invitation.pk).update(status=RequestStatus.REPLACED)
    before = EvaluationRequest.objects.values("professor", "status", "opened_at").get()

    with pytest.raises(DomainError, match=message) as refused:
        services.evaluation_request_open(token=token, user=user)

    assert refused.value.code == code
    assert EvaluationRequest.objects.values("professor", "status", "opened_at").get() == before
    assert not Professor.objects.filter(user=user).exists()


# --- evaluation_request_decline -------------------------------------------------------------------


def test_decline_records_the_reason_and_tells_the_candidate(
    opened, django_capture_on_commit_callbacks
):
    candidate = opened.application.candidate
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.evaluation_request_decline(
            request=opened, user=opened.professor.user, reason="  On sabbatical until June.  "
        )

    opened.refresh_from_db()
    assert (opened.status, opened.declined_at, opened.decline_reason) == (
        RequestStatus.DECLINED,
        CAMPAIGN_OPEN_AT,
        "On sabbatical until June.",
    )
    assert french_of(opened.application).evaluator_status == "declined"
    (message,) = mail.outbox
    assert message.to == [candidate.email]
    assert "On sabbatical until June." in message.body
    assert "/evaluations/evaluator/" in message.body
    # The candidate can invite someone else straight away.
    new = invite(opened.application, evaluator_email="marc.cyr@univ.example.ca")
    assert new.status == RequestStatus.INVITED
    assert french_of(opened.application).evaluator_status == "invited"


@pytest.mark.parametrize(
    ("who", "reason", "message"),
    [
        ("other", "Busy", "This request is not addressed to you."),
        ("professor", "   ", "Tell the candidate why, in a few words."),
        ("closed", "Busy", "This request can no longer be declined."),
    ],
)
def test_decline_refusals_change_nothing(opened, who, reason, message):
    user = opened.professor.user
    if who == "other":
        user = ProfessorFactory()
    elif who == "closed":
        submitted(opened)
    before = EvaluationRequest.objects.values("status", "declined_at", "decline_reason").get()
    with pytest.raises(DomainError, match=message):
        services.evaluation_request_decline(request=opened, user=user, reason=reason)
    assert EvaluationRequest.objects.values("status", "declined_at", "decline_reason").get() == (
        before
    )


def test_a_request_never_opened_cannot_be_declined_by_anyone(invitation):
    with pytest.raises(DomainError, match=re.escape("This request is not addressed to you.")):
        services.evaluation_request_decline(
            request=invitation, user=ProfessorFactory(), reason="Not me"
        )


# --- evaluation_save / evaluation_missing ---------------------------------------------------------


def test_save_keeps_a_partial_draft_and_updates_it(opened):
    user = opened.professor.user
    first = services.evaluation_save(
        request=opened, user=user, data={"oral_expression": "B1", "comment": "Début"}
    )
    assert (first.status, first.oral_expression, first.comment) == (
        EvaluationStatus.DRAFT,
        "B1",
        "Début",
    )
    assert services.evaluation_missing(first) == [
        "oral_comprehension",
        "written_comprehension",
        "written_expression",
        "overall_level",
        "motivation",
        "aptitude",
        "known_for",
        "known_context",
        "recommendation",
    ]
    second = services.evaluation_save(request=opened, user=user, data={"oral_expression": "B2"})
    assert second.pk == first.pk
    assert (second.oral_expression, second.comment) == ("B2", "Début")  # other fields kept
    assert Evaluation.objects.count() == 1
    # Saving a draft does not touch the dossier.
    assert Application.objects.get().french_level == ""


def test_missing_lists_every_required_field_before_a_draft_and_none_when_complete(opened):
    assert services.evaluation_missing(None) == list(services.REQUIRED_TO_SUBMIT)
    assert services.evaluation_missing(drafted(opened)) == []


def test_save_refuses_a_level_out_of_range_and_keeps_the_draft(opened):
    drafted(opened)
    with pytest.raises(ValidationError) as refused:
        services.evaluation_save(
            request=opened,
            user=opened.professor.user,
            data={"overall_level": "Z9", "comment": "Changed"},
        )
    assert "overall_level" in refused.value.message_dict
    evaluation = Evaluation.objects.get()
    assert (evaluation.overall_level, evaluation.comment) == ("B2", COMPLETE["comment"])


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("other", "This request is not addressed to you."),
        ("submitted", "This evaluation has been submitted and can no longer be changed."),
        ("replaced", "This request is closed: the evaluation can no longer be changed."),
    ],
)
def test_save_refusals_keep_the_evaluation(opened, setup, message):
    user = opened.professor.user
    if setup == "other":
        drafted(opened)
        user = ProfessorFactory()
    elif setup == "submitted":
        submitted(opened)
    else:
        drafted(opened)
        EvaluationRequest.objects.filter(pk=opened.pk).update(status=RequestStatus.REPLACED)
    with pytest.raises(DomainError, match=message):
        services.evaluation_save(request=opened, user=user, data={"comment": "Overwritten"})
    assert Evaluation.objects.get().comment == COMPLETE["comment"]


# --- evaluation_submit ----------------------------------------------------------------------------


def test_submit_freezes_the_evaluation_and_feeds_the_dossier(
    opened, campaign_open, django_capture_on_commit_callbacks
):
    drafted(opened)
    campaign_open.shift(dt.timedelta(hours=1))
    moment = CAMPAIGN_OPEN_AT + dt.timedelta(hours=1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        evaluation = services.evaluation_submit(request=opened, user=opened.professor.user)

    assert (evaluation.status, evaluation.submitted_at) == (EvaluationStatus.SUBMITTED, moment)
    opened.refresh_from_db()
    assert (opened.status, opened.submitted_at) == (RequestStatus.SUBMITTED, moment)
    application = Application.objects.get()
    assert (application.french_level, application.french_level_source) == ("B2", "evaluation")
    assert french_of(application).evaluator_status == "submitted"
    assert actions_on(evaluation) == ["evaluation.submit"]
    (message,) = mail.outbox
    assert message.to == [application.candidate.email]
    assert application.number in message.subject
    for secret in ("Marmoset", "Pangolin", "B2"):
        assert secret not in message.body  # the candidate's e-mail says received, nothing more
    # The French rule of the dossier now passes, and section 3 is complete.
    status = dossier_status(dossier_load(application.pk))
    french_rule = next(r for r in status.verdict.rules if r.rule == "french_level")
    assert french_rule.status == Status.PASS
    assert next(s for s in status.sections if s.key == "french").missing == []


def test_submitting_twice_is_refused_and_changes_nothing(opened, campaign_open):
    evaluation = submitted(opened)
    campaign_open.shift(dt.timedelta(hours=3))
    with pytest.raises(
        DomainError, match=re.escape("This evaluation has already been submitted.")
    ) as err:
        services.evaluation_submit(request=opened, user=opened.professor.user)
    assert err.value.code == "submitted"
    again = Evaluation.objects.get()
    assert (again.submitted_at, again.comment) == (evaluation.submitted_at, COMPLETE["comment"])
    assert actions_on(again) == ["evaluation.submit"]


def test_submitting_an_incomplete_evaluation_says_what_is_missing(opened):
    services.evaluation_save(
        request=opened,
        user=opened.professor.user,
        data={k: v for k, v in COMPLETE.items() if k not in {"motivation", "recommendation"}},
    )
    with pytest.raises(
        DomainError, match=r"^Complete the evaluation first: motivation, recommendation\.$"
    ):
        services.evaluation_submit(request=opened, user=opened.professor.user)
    assert Evaluation.objects.get().status == EvaluationStatus.DRAFT
    assert Application.objects.get().french_level == ""


def test_submitting_without_any_draft_lists_every_field(opened):
    with pytest.raises(DomainError, match="Complete the evaluation first: oral comprehension, "):
        services.evaluation_submit(request=opened, user=opened.professor.user)
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("setup", ["other", "replaced"])
def test_submit_is_refused_to_anyone_else_and_on_a_closed_request(opened, setup):
    drafted(opened)
    user = opened.professor.user
    if setup == "other":
        user = ProfessorFactory()
        message = "This request is not addressed to you."
    else:
        EvaluationRequest.objects.filter(pk=opened.pk).update(status=RequestStatus.REPLACED)
        message = "This request is closed: the evaluation can no longer be sent."
    with pytest.raises(DomainError, match=message):
        services.evaluation_submit(request=opened, user=user)
    assert Evaluation.objects.get().status == EvaluationStatus.DRAFT
    assert Application.objects.get().french_level == ""


# --- evaluation_requests_flag_unopened ------------------------------------------------------------


def test_flag_unopened_tells_each_candidate_once(campaign_open, django_capture_on_commit_callbacks):
    def dossier():
        candidate = CandidateFactory(preferred_language="en")
        return professor_route(ApplicationFactory(candidate=candidate))

    waiting = EvaluationRequestFactory(application=dossier())
    refused = EvaluationRequestFactory(application=dossier())
    EvaluationRequest.objects.filter(pk=refused.pk).update(delivery_failed_at=CAMPAIGN_OPEN_AT)
    opened = opened_by(EvaluationRequestFactory(application=dossier()))
    mail.outbox.clear()

    # Three days on: only the refused delivery is worth telling.
    campaign_open.shift(dt.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.evaluation_requests_flag_unopened() == 1
    assert [m.to for m in mail.outbox] == [[refused.application.candidate.email]]
    assert f"The invitation to {refused.evaluator_email} could not be delivered." in (
        mail.outbox[0].body
    )

    # Four days after sending: the unopened one too, and nobody twice; the opened one never.
    campaign_open.shift(dt.timedelta(days=1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.evaluation_requests_flag_unopened() == 1
        assert services.evaluation_requests_flag_unopened() == 0
    assert [m.to for m in mail.outbox] == [[waiting.application.candidate.email]]
    assert mail.outbox[0].subject == "[TAPIF] Your evaluator has not opened your request yet"
    flagged = dict(EvaluationRequest.objects.values_list("pk", "unopened_notice_at"))
    assert flagged[opened.pk] is None
    assert flagged[waiting.pk] == CAMPAIGN_OPEN_AT + dt.timedelta(days=4)


# --- institutions ---------------------------------------------------------------------------------


def test_an_institution_contact_asks_then_is_approved_with_their_institution(
    django_capture_on_commit_callbacks,
):
    user = InstitutionContactFactory()
    requested = Institution.objects.create(name="Collège Boréal", city="Sudbury", province="ON")
    contact = services.institution_contact_request(
        user=user, institution=requested, role=" Registrar "
    )
    assert (contact.status, contact.role) == (ContactStatus.REQUESTED, "Registrar")
    staff = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.institution_contact_decide(contact=contact, approve=True, actor=staff)
    contact.refresh_from_db()
    requested.refresh_from_db()
    assert (contact.status, contact.decided_by) == (ContactStatus.APPROVED, staff)
    assert requested.status == Institution.Status.APPROVED
    assert [m.to for m in mail.outbox] == [[user.email]]
    with pytest.raises(
        DomainError, match=re.escape("Your account already represents Collège Boréal.")
    ):
        services.institution_contact_request(user=user, institution=requested, role="Dean")


def test_only_an_institution_account_can_represent_a_university():
    with pytest.raises(DomainError, match="Only an institution account"):
        services.institution_contact_request(
            user=ProfessorFactory(), institution=InstitutionFactory(), role="Dean"
        )
    assert not InstitutionContact.objects.exists()


def test_an_approved_contact_lists_and_deactivates_only_their_professors():
    mine, theirs = InstitutionFactory(), InstitutionFactory()
    users = []
    for institution in (mine, theirs):
        user = InstitutionContactFactory()
        contact = services.institution_contact_request(
            user=user, institution=institution, role="Chair"
        )
        services.institution_contact_decide(contact=contact, approve=True, actor=StaffFactory())
        users.append(user)
    professor = services.professor_add(
        user=users[0], full_name=" Anne Roy ", email="Anne.Roy@Univ.example.ca"
    )
    assert (professor.email, professor.full_name, professor.institution) == (
        "anne.roy@univ.example.ca",
        "Anne Roy",
        mine,
    )
    with pytest.raises(DomainError, match="listed by another institution"):
        services.professor_add(
            user=users[1], full_name="Anne Roy", email="anne.roy@univ.example.ca"
        )
    with pytest.raises(DomainError, match="not listed by your institution"):
        services.professor_set_active(user=users[1], professor=professor, active=False)
    assert (
        services.professor_set_active(user=users[0], professor=professor, active=False).is_active
        is False
    )
    with pytest.raises(DomainError, match="has not been approved yet"):
        services.professor_add(
            user=InstitutionContactFactory(), full_name="X", email="x@univ.example.ca"
        )


def test_a_rejected_institution_cannot_be_represented():
    from tapif.core.models import Institution
    from tests.factories import InstitutionContactFactory

    rejected = Institution.objects.create(
        name="Fake U", city="Nowhere", province="ON", status=Institution.Status.REJECTED
    )
    with pytest.raises(DomainError, match="not on the programme's list"):
        services.institution_contact_request(
            user=InstitutionContactFactory(), institution=rejected, role="Dean"
        )


def test_flag_unopened_counts_the_campaigns_calendar_days_in_its_zone(
    campaign_open, django_capture_on_commit_callbacks
):
    application = professor_route(ApplicationFactory(candidate=CandidateFactory()))
    Campaign.objects.filter(pk=application.campaign_id).update(
        time_zone="America/Vancouver", unopened_invitation_days=2
    )
    pacific = ZoneInfo("America/Vancouver")
    campaign_open.move_to(dt.datetime(2026, 1, 20, 22, 0, tzinfo=pacific))
    request = EvaluationRequestFactory(application=application)
    assert request.sent_at == dt.datetime(2026, 1, 20, 22, 0, tzinfo=pacific)

    campaign_open.move_to(dt.datetime(2026, 1, 21, 23, 59, tzinfo=pacific))  # one day on
    with django_capture_on_commit_callbacks(execute=True):
        assert services.evaluation_requests_flag_unopened() == 0

    campaign_open.move_to(dt.datetime(2026, 1, 22, 6, 0, tzinfo=pacific))  # 32 hours, 2 days
    with django_capture_on_commit_callbacks(execute=True):
        assert services.evaluation_requests_flag_unopened() == 1
