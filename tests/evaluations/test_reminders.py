"""Reminders to evaluators and the nightly clean-up of dead links (evaluations.reminders).

The invitation goes out on 15 January 2026 (the `invitation` fixture); with the campaign's
defaults the evaluator is reminded 7, 14 and 21 days later (22 and 29 January, 5 February),
and with the third the candidate is told they may replace them. The campaign closes on
27 February. Jobs run at 09:20, beat's hour.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from candidates import services as dossier_services
from candidates.choices import ApplicationStatus
from evaluations import services
from evaluations.choices import RequestStatus
from evaluations.models import EvaluationRequest
from evaluations.reminders import evaluator_reminders_send, invitation_tokens_clear_expired
from evaluations.tasks import (
    clear_expired_invitation_tokens,
    flag_unopened_invitations,
    send_evaluator_reminders,
)
from tapif.core.models import AuditEntry, JobRun, OutboundMessage
from tests.candidates.factories import ApplicationFactory
from tests.evaluations.factories import (
    EvaluationRequestFactory,
    opened_by,
    professor_route,
    submitted,
    token_in,
)
from tests.factories import EASTERN

REMINDER = "evaluations/email/evaluator_reminder"
NOTE = "evaluations/email/evaluator_unanswered"


def at(day: int, month: int = 1, hour: int = 9, minute: int = 20) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=EASTERN)


@pytest.fixture
def run(campaign_open, django_capture_on_commit_callbacks):
    """Run a job at a moment, delivering its e-mails as a worker would once it commits."""

    def run_at(job, moment: dt.datetime):
        campaign_open.move_to(moment)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            return job()

    return run_at


def reminders_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def test_the_first_reminder_goes_a_week_after_the_invitation_with_a_fresh_link(run, invitation):
    assert invitation.sent_at == at(15, hour=12, minute=0)
    assert run(evaluator_reminders_send, at(21)) == {"sent": 0, "candidates_told": 0}

    assert run(evaluator_reminders_send, at(22)) == {"sent": 1, "candidates_told": 0}

    (message,) = mail.outbox
    assert message.to == [invitation.evaluator_email]
    assert message.reply_to == [invitation.application.candidate.email]
    # The evaluator chose French: dates, link and signature in French.
    assert "15 janvier 2026" in message.body
    assert "/fr/evaluations/r/" in message.body
    assert "L’équipe TAPIF de l’Ambassade de France au Canada" in message.body
    token = token_in(message)
    assert token != invitation.token
    assert services.evaluation_request_by_token(invitation.token) is None  # the old link is dead
    assert services.evaluation_request_by_token(token) == invitation
    invitation.refresh_from_db()
    assert (invitation.reminders_sent, invitation.last_reminded_at) == (1, at(22))
    assert invitation.sent_at == at(15, hour=12, minute=0)  # the invitation's date stays
    (row,) = OutboundMessage.objects.filter(template=REMINDER)
    assert row.dedup_key == f"evaluator-reminder:{invitation.pk}:1"
    assert row.status == OutboundMessage.Status.SENT
    assert "link" not in row.context  # the personal link is not kept once sent
    assert AuditEntry.objects.filter(
        action="evaluation_request.remind", target_id=str(invitation.pk), data={"number": 1}
    ).exists()


def test_the_reminder_reads_in_english_for_an_english_evaluator(run, application):
    invitation = EvaluationRequestFactory(application=application, language="en")
    run(evaluator_reminders_send, at(22))
    (message,) = mail.outbox
    name = application.candidate.get_full_name()
    assert message.subject == f"[TAPIF] Reminder: {name} is waiting for your evaluation"
    body = " ".join(message.body.split())
    assert f"On 15 January 2026, {name} asked you to assess their French" in body
    assert "Your evaluation has not reached us yet." in body
    assert "it replaces the links sent before, which no longer work" in body
    assert "This personal link works until 27 February 2026, 11:59 p.m. Eastern time." in body
    assert "/en/evaluations/r/" in body
    assert "This is our last reminder." not in body
    assert invitation.evaluator_name in body


def test_running_twice_the_same_day_sends_one_reminder(run, invitation):
    assert run(evaluator_reminders_send, at(22))["sent"] == 1
    token = token_in(mail.outbox[0])
    assert run(evaluator_reminders_send, at(22, hour=16)) == {"sent": 0, "candidates_told": 0}
    assert mail.outbox == []
    assert OutboundMessage.objects.filter(template=REMINDER).count() == 1
    assert services.evaluation_request_by_token(token) == invitation  # still the working link


def test_three_reminders_then_a_note_to_the_candidate(run, invitation):
    candidate = invitation.application.candidate
    for moment, number in [(at(22), 1), (at(29), 2), (at(5, month=2), 3)]:
        told = number == 3
        assert run(evaluator_reminders_send, moment) == {"sent": 1, "candidates_told": told}
        (reminder,) = reminders_to(invitation.evaluator_email)
        with translation.override(invitation.language):
            last_words = gettext("This is our last reminder.")
        assert (last_words in reminder.body) is told
        assert len(reminders_to(candidate.email)) == told
    (note,) = reminders_to(candidate.email)
    assert note.subject == (
        f"[TAPIF] {invitation.evaluator_name} n’a toujours pas envoyé votre évaluation"
    )
    body = " ".join(note.body.split())
    assert (
        f"Nous avons invité {invitation.evaluator_name} ({invitation.evaluator_email}) le "
        "15 janvier 2026 à évaluer votre français et lui avons envoyé 3 rappels depuis"
    ) in body
    assert "remplacez-le par une autre personne au plus tard le 27 février 2026" in body
    assert "/fr/evaluations/evaluator/" in body
    assert sorted(
        OutboundMessage.objects.filter(template__in=[REMINDER, NOTE]).values_list(
            "dedup_key", flat=True
        )
    ) == [
        f"evaluator-last-reminder:{invitation.pk}",
        f"evaluator-reminder:{invitation.pk}:1",
        f"evaluator-reminder:{invitation.pk}:2",
        f"evaluator-reminder:{invitation.pk}:3",
    ]
    # No fourth, ever.
    for moment in (at(12, month=2), at(26, month=2)):
        assert run(evaluator_reminders_send, moment) == {"sent": 0, "candidates_told": 0}
    invitation.refresh_from_db()
    assert invitation.reminders_sent == 3


def test_the_campaign_sets_the_schedule(run, invitation):
    campaign = invitation.application.campaign
    campaign.evaluator_reminder_after_days = 3
    campaign.evaluator_reminder_every_days = 2
    campaign.evaluator_reminder_max = 1
    campaign.save()
    assert run(evaluator_reminders_send, at(17))["sent"] == 0
    assert run(evaluator_reminders_send, at(18)) == {"sent": 1, "candidates_told": 1}
    assert run(evaluator_reminders_send, at(20))["sent"] == 0


def test_a_job_that_was_down_catches_up_one_reminder_at_a_time(run, invitation):
    assert run(evaluator_reminders_send, at(2, month=2))["sent"] == 1  # 22 and 29 Jan missed
    assert run(evaluator_reminders_send, at(5, month=2))["sent"] == 0  # not two in a week
    assert run(evaluator_reminders_send, at(9, month=2))["sent"] == 1
    invitation.refresh_from_db()
    assert invitation.reminders_sent == 2


def test_a_replaced_evaluator_stops_and_the_new_one_counts_from_its_own_invitation(
    run, invitation, campaign_open, django_capture_on_commit_callbacks
):
    run(evaluator_reminders_send, at(22))
    campaign_open.move_to(at(24, hour=10))
    with django_capture_on_commit_callbacks(execute=True):
        new = services.evaluation_request_replace(
            request=invitation,
            evaluator_name="Jean Martin",
            evaluator_email="jean.martin@univ.example.ca",
            institution=None,
            relationship="former_professor",
            language="en",
            actor=invitation.application.candidate,
        )
    new.refresh_from_db()
    assert (new.sent_at, new.reminders_sent) == (at(24, hour=10), 0)

    assert run(evaluator_reminders_send, at(29)) == {"sent": 0, "candidates_told": 0}
    assert run(evaluator_reminders_send, at(31)) == {"sent": 1, "candidates_told": 0}
    (message,) = mail.outbox
    assert message.to == ["jean.martin@univ.example.ca"]
    assert "Dear Jean Martin," in message.body
    assert list(
        OutboundMessage.objects.filter(template=REMINDER)
        .order_by("pk")
        .values_list("dedup_key", flat=True)
    ) == [f"evaluator-reminder:{invitation.pk}:1", f"evaluator-reminder:{new.pk}:1"]
    invitation.refresh_from_db()
    assert (invitation.status, invitation.reminders_sent) == (RequestStatus.REPLACED, 1)


def test_an_opened_request_is_reminded_and_its_new_link_still_opens_it(run, opened):
    assert run(evaluator_reminders_send, at(22))["sent"] == 1
    token = token_in(mail.outbox[0])
    again = services.evaluation_request_open(token=token, user=opened.professor.user)
    assert again.pk == opened.pk


@pytest.mark.parametrize("answer", ["submitted", "declined"])
def test_an_evaluator_who_answered_gets_nothing(run, opened, answer):
    if answer == "submitted":
        submitted(opened)
    else:
        services.evaluation_request_decline(
            request=opened, user=opened.professor.user, reason="En congé sabbatique."
        )
    assert run(evaluator_reminders_send, at(22)) == {"sent": 0, "candidates_told": 0}
    assert not OutboundMessage.objects.filter(template=REMINDER).exists()


def test_nothing_once_the_campaign_has_closed(run, invitation):
    EvaluationRequest.objects.filter(pk=invitation.pk).update(reminders_sent=1)
    assert run(evaluator_reminders_send, at(26, month=2))["sent"] == 1  # the day before
    assert run(evaluator_reminders_send, at(28, month=2, hour=0, minute=5))["sent"] == 0
    assert run(evaluator_reminders_send, at(10, month=3))["sent"] == 0


def test_nothing_for_an_invitation_not_delivered_or_a_withdrawn_dossier(run, application):
    undelivered = EvaluationRequestFactory(application=application)
    EvaluationRequest.objects.filter(pk=undelivered.pk).update(
        sent_at=None, delivery_failed_at=at(15)
    )
    assert run(evaluator_reminders_send, at(22))["sent"] == 0

    EvaluationRequest.objects.filter(pk=undelivered.pk).update(
        sent_at=at(15), delivery_failed_at=None
    )
    dossier_services.application_transition(
        application=application, to_status=ApplicationStatus.WITHDRAWN, actor=None
    )
    assert run(evaluator_reminders_send, at(22))["sent"] == 0


def test_a_reminder_refused_by_the_mail_server_stops_the_next_ones(run, invitation, settings):
    settings.MAILERS = {
        "default": {"BACKEND": "tests.evaluations.factories.UnknownAddressEmailBackend"}
    }
    assert run(evaluator_reminders_send, at(22))["sent"] == 1
    invitation.refresh_from_db()
    assert invitation.delivery_failed_at == at(22)  # the candidate sees it, and is told
    assert OutboundMessage.objects.get(template=REMINDER).status == OutboundMessage.Status.FAILED
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert run(evaluator_reminders_send, at(29))["sent"] == 0
    assert run(flag_unopened_invitations, at(29, minute=5)) == {"candidates_told": 1}


def test_the_tasks_record_their_runs(run, invitation):
    assert run(send_evaluator_reminders, at(22)) == {"sent": 1, "candidates_told": 0}
    assert run(flag_unopened_invitations, at(22)) == {"candidates_told": 1}  # still unopened
    assert run(clear_expired_invitation_tokens, at(28, month=2, hour=3, minute=30)) == {
        "cleared": 1
    }
    assert dict(JobRun.objects.values_list("job", "summary")) == {
        "evaluator_reminders": {"sent": 1, "candidates_told": 0},
        "unopened_invitations": {"candidates_told": 1},
        "expired_invitation_tokens": {"cleared": 1},
    }
    assert set(JobRun.objects.values_list("status", flat=True)) == {JobRun.Status.DONE}


# --- Clean-up of dead links ---------------------------------------------------------------------


def test_clean_up_forgets_links_that_no_longer_work_and_keeps_live_ones(application, campaign_open):
    live = EvaluationRequestFactory(application=application)
    answered = EvaluationRequestFactory(application=professor_route(ApplicationFactory()))
    submitted(opened_by(answered))
    declined = opened_by(
        EvaluationRequestFactory(application=professor_route(ApplicationFactory()))
    )
    services.evaluation_request_decline(
        request=declined, user=declined.professor.user, reason="Non"
    )

    assert invitation_tokens_clear_expired() == {"cleared": 2}
    assert services.evaluation_request_by_token(live.token) == live
    for request in (answered, declined):
        request.refresh_from_db()
        assert request.token_hash is None
        assert services.evaluation_request_by_token(request.token) is None

    campaign_open.move_to(at(28, month=2, hour=3, minute=30))  # the links expired at the close
    assert invitation_tokens_clear_expired() == {"cleared": 1}
    live.refresh_from_db()
    assert live.token_hash is None
    assert invitation_tokens_clear_expired() == {"cleared": 0}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_cleared_link_reads_as_not_valid(invitation, language):
    invitation_tokens_clear_expired(now=at(28, month=2))
    response = Client().get(f"/{language}/evaluations/r/{invitation.token}/")
    assert response.status_code == 404
    expected = {
        "en": "This link is not valid. Ask the candidate to send it again.",
        "fr": "Ce lien n’est pas valide.",
    }[language]
    assert expected in response.content.decode()
