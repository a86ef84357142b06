"""Dossier creation, numbering, section saves, transitions and submission (services)."""

import datetime as dt

import pytest
from django.core import mail

from candidates import services
from candidates.choices import ApplicationStatus
from candidates.models import Application, DossierEvent
from candidates.selectors import dossier_load, dossier_status
from tapif.core.exceptions import DomainError
from tests.candidates.dossier import complete_dossier, fill_sections
from tests.candidates.factories import CAMPAIGN_CLOSED_AT, ApplicationFactory
from tests.factories import CandidateFactory, StaffFactory

pytestmark = pytest.mark.usefixtures("campaign_open", "private_storage")


def test_numbers_follow_the_campaign_prefix_and_a_sequence():
    first, second = ApplicationFactory(), ApplicationFactory()
    assert (first.number, second.number) == ("CA27-00001", "CA27-00002")


def test_a_number_is_never_reused_after_a_deletion():
    ApplicationFactory()
    second = ApplicationFactory()
    DossierEvent.objects.status_changes().filter(application=second).delete()
    second.delete()
    assert ApplicationFactory().number == "CA27-00003"


def test_creating_twice_returns_the_same_dossier():
    candidate = CandidateFactory()
    first = ApplicationFactory(candidate=candidate)
    assert services.application_create(candidate=candidate, campaign=first.campaign) == first
    assert Application.objects.count() == 1


def test_creation_records_the_first_timeline_row():
    application = ApplicationFactory()
    change = DossierEvent.objects.status_changes().get(application=application)
    assert (change.from_status, change.to_status, change.actor) == (
        "",
        "draft",
        application.candidate,
    )


def test_an_unverified_candidate_cannot_start_a_dossier(reference_campaign):
    with pytest.raises(DomainError, match="Confirm your e-mail"):
        services.application_create(
            candidate=CandidateFactory(verified=False), campaign=reference_campaign
        )


def test_no_dossier_can_be_started_after_the_close(campaign_open, reference_campaign):
    campaign_open.move_to(CAMPAIGN_CLOSED_AT)
    with pytest.raises(DomainError, match="closed"):
        services.application_create(candidate=CandidateFactory(), campaign=reference_campaign)


def test_a_section_save_writes_only_its_fields():
    application = ApplicationFactory()
    fill_sections(application)
    services.section_update(
        application=application,
        section="identity",
        data={"phone": "514 555 0100"},
        actor=application.candidate,
    )
    identity = dossier_load(application.pk).identity
    assert identity.phone == "514 555 0100"
    assert identity.legal_last_name == "Tremblay"


def test_a_complete_dossier_waits_only_for_the_french_evaluation():
    application = complete_dossier(ApplicationFactory())
    status = dossier_status(dossier_load(application.pk))
    assert status.all_missing() == []
    assert status.verdict.eligible is None
    assert [r.rule for r in status.verdict.unknowns()] == ["french_level"]


def test_a_recorded_french_level_completes_the_eligibility():
    application = complete_dossier(ApplicationFactory())
    services.application_record_french_level(
        application=application, level="B2", actor=None, source="evaluation"
    )
    assert dossier_status(dossier_load(application.pk)).verdict.eligible is True


def test_missing_items_are_named_per_section():
    application = ApplicationFactory()
    status = dossier_status(dossier_load(application.pk))
    assert not status.complete
    assert [s.key for s in status.sections if not s.complete] == [
        "identity",
        "studies",
        "french",
        "assets",
    ]
    assert "Passport" in [str(item) for item in status.documents_missing]


def test_submission_locks_records_and_mails_once(django_capture_on_commit_callbacks):
    application = complete_dossier(ApplicationFactory())

    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=application, actor=application.candidate)
        services.application_submit(application=application, actor=application.candidate)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.submitted_at is not None
    assert (
        DossierEvent.objects.status_changes()
        .filter(application=application, to_status="submitted")
        .count()
        == 1
    )
    assert len(mail.outbox) == 1
    assert application.number in mail.outbox[0].subject
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_submission_mail_is_in_the_candidates_language(django_capture_on_commit_callbacks):
    application = complete_dossier(
        ApplicationFactory(candidate=CandidateFactory(preferred_language="en"))
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=application, actor=application.candidate)
    assert "is submitted" in mail.outbox[0].subject


def test_an_incomplete_dossier_cannot_be_submitted():
    application = ApplicationFactory()
    fill_sections(application)
    with pytest.raises(DomainError, match="not complete") as error:
        services.application_submit(application=application, actor=application.candidate)
    assert "Passport" in error.value.message or "Passeport" in error.value.message
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_an_ineligible_dossier_cannot_be_submitted():
    application = ApplicationFactory()
    complete_dossier(application)
    services.section_update(
        application=application,
        section="identity",
        data={"date_of_birth": dt.date(2008, 1, 1)},
        actor=application.candidate,
    )
    with pytest.raises(DomainError, match=r"cannot be submitted|ne peut pas"):
        services.application_submit(application=application, actor=application.candidate)


def test_a_submitted_dossier_can_no_longer_be_changed():
    application = complete_dossier(ApplicationFactory())
    services.application_submit(application=application, actor=application.candidate)
    with pytest.raises(DomainError, match="submitted"):
        services.section_update(
            application=application,
            section="identity",
            data={"phone": "514 555 0100"},
            actor=application.candidate,
        )


def test_nothing_can_be_changed_after_the_close(campaign_open):
    application = ApplicationFactory()
    campaign_open.move_to(CAMPAIGN_CLOSED_AT)
    with pytest.raises(DomainError, match="ended"):
        services.section_update(
            application=application,
            section="identity",
            data={"phone": "514 555 0100"},
            actor=application.candidate,
        )


def test_staff_reopen_with_a_reason(django_capture_on_commit_callbacks):
    application = complete_dossier(ApplicationFactory())
    services.application_submit(application=application, actor=application.candidate)
    staff = StaffFactory()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.application_reopen(
            application=application, actor=staff, reason="Transcripts are not stamped."
        )

    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    change = DossierEvent.objects.status_changes().filter(application=application).last()
    assert (change.from_status, change.to_status, change.actor, change.note) == (
        "submitted",
        "draft",
        staff,
        "Transcripts are not stamped.",
    )
    assert "Transcripts are not stamped." in mail.outbox[0].body


def test_reopen_requires_a_reason():
    application = complete_dossier(ApplicationFactory())
    services.application_submit(application=application, actor=application.candidate)
    with pytest.raises(DomainError, match="why"):
        services.application_reopen(application=application, actor=StaffFactory(), reason=" ")


def test_an_invalid_transition_is_refused_with_a_clear_message():
    application = ApplicationFactory()
    with pytest.raises(DomainError, match="cannot go from"):
        services.application_transition(application=application, to_status="accepted", actor=None)


def test_couple_proposed_confirmed_and_dissolved():
    first = ApplicationFactory(candidate=CandidateFactory(email="a@example.ca"))
    second = ApplicationFactory(candidate=CandidateFactory(email="b@example.ca"))
    couple = services.couple_propose(
        application=first,
        partner_email="B@example.ca",
        preference="together_only",
        actor=first.candidate,
    )
    services.couple_confirm(couple=couple, application=second, actor=second.candidate)
    couple.refresh_from_db()
    assert (couple.status, couple.partner) == ("confirmed", second)

    services.couple_dissolve(couple=couple, application=second, actor=second.candidate)
    couple.refresh_from_db()
    assert couple.status == "dissolved"


def test_a_couple_invitation_cannot_be_confirmed_by_someone_else():
    first = ApplicationFactory(candidate=CandidateFactory(email="a@example.ca"))
    intruder = ApplicationFactory(candidate=CandidateFactory(email="c@example.ca"))
    couple = services.couple_propose(
        application=first,
        partner_email="b@example.ca",
        preference="together_only",
        actor=first.candidate,
    )
    with pytest.raises(DomainError, match="not addressed to you"):
        services.couple_confirm(couple=couple, application=intruder, actor=intruder.candidate)


def test_one_cannot_declare_a_couple_with_oneself():
    first = ApplicationFactory(candidate=CandidateFactory(email="a@example.ca"))
    with pytest.raises(DomainError, match="not yours"):
        services.couple_propose(
            application=first,
            partner_email="a@example.ca",
            preference="together_only",
            actor=first.candidate,
        )


def test_reopening_a_draft_is_refused_and_sends_nothing(django_capture_on_commit_callbacks):
    application = ApplicationFactory()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(DomainError, match="already a draft"),
    ):
        services.application_reopen(application=application, actor=StaffFactory(), reason="Check")
    assert mail.outbox == []
    assert DossierEvent.objects.status_changes().filter(application=application).count() == 1
