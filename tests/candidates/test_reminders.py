"""Reminders to candidates (candidates.reminders): who gets which one on which day, what it
says, and that nothing is sent twice.

The current campaign (2026-2027) closes on 27 February 2026 at 23:59 Toronto time, its French
test results are due on 20 February; reminders go 14, 7 and 2 days before the close and 14 and
3 days before the test deadline. Time is frozen: dossiers are made in January, the jobs run on
the day under test at 09:00 (beat's hour).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail

from candidates import reminders
from candidates import services as dossier_services
from candidates.choices import ApplicationStatus, DocumentKind
from candidates.models import Application
from candidates.tasks import send_deadline_reminders, send_language_test_reminders
from tapif.core.models import Campaign, JobRun, OutboundMessage
from tests.candidates.dossier import (
    complete_dossier,
    declare_fee,
    fill_documents,
    fill_sections,
    upload,
)
from tests.candidates.factories import ApplicationFactory
from tests.factories import EASTERN, CampaignFactory, CandidateFactory, StaffFactory

pytestmark = pytest.mark.usefixtures("campaign_open", "private_storage")

DEADLINE = reminders.DEADLINE_TEMPLATE
LANGUAGE_TEST = reminders.LANGUAGE_TEST_TEMPLATE


def at(day: int, month: int = 2, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=EASTERN)


@pytest.fixture
def run(campaign_open, django_capture_on_commit_callbacks):
    """Run a job at a moment, delivering its e-mails as a worker would once it commits."""

    def run_at(job, moment: dt.datetime) -> dict:
        campaign_open.move_to(moment)
        with django_capture_on_commit_callbacks(execute=True):
            return job()

    return run_at


def draft(language: str = "en", **candidate) -> Application:
    return ApplicationFactory(candidate=CandidateFactory(preferred_language=language, **candidate))


def sent_to(user, template: str = DEADLINE) -> list:
    """The e-mails delivered to this person (for one kind of reminder)."""
    keys = set(
        OutboundMessage.objects.filter(recipient=user, template=template).values_list(
            "pk", flat=True
        )
    )
    return [m for m in mail.outbox if int(m.extra_headers["X-Tapif-Message"]) in keys]


def keys_of(template: str) -> list[str]:
    return sorted(
        OutboundMessage.objects.filter(template=template).values_list("dedup_key", flat=True)
    )


def test_reminder_tells_a_draft_exactly_what_is_missing(run):
    application = fill_sections(draft())
    empty = draft()

    summary = run(reminders.deadline_reminders_send, at(13))

    assert summary == {"sent": 2, "already_sent": 0, "stage": 14}
    (message,) = sent_to(application.candidate)
    assert message.subject == f"[TAPIF] Dossier {application.number}: 14 days left to submit it"
    assert message.to == [application.candidate.email]
    body = message.body
    assert (
        "Applications for the TAPIF 2026-2027 programme close in 14 days, "
        "on 27 February 2026, 11:59 p.m. Eastern time."
    ) in body
    assert f"Your dossier {application.number} has not been submitted yet" in body
    assert (
        "What your dossier still needs:\n\n"
        "5. My strengths\n"
        "  - Application fee: declare your Interac e-Transfer and upload its receipt\n\n"
        "Documents\n"
        "  - Passport\n"
        "  - Transcripts of the last two completed years (stamped)\n"
        "  - Birth certificate\n"
    ) in body
    assert "1. Identity" not in body  # filled in: not listed
    assert f"Your dossier: {settings.SITE_URL}/en/dossier/\n" in body
    html = message.alternatives[0][0]
    assert "<li>Application fee: declare your Interac e-Transfer" in html
    assert "<strong>Documents</strong>" in html
    assert f'<a href="{settings.SITE_URL}/en/dossier/"' in html

    (other,) = sent_to(empty.candidate)
    for expected in [
        "1. Identity\n  - This section has not been filled in yet.\n",
        "3. French\n  - How your French level will be proved\n",
        "5. My strengths\n  - This section has not been filled in yet.\n"
        "  - Application fee: declare your Interac e-Transfer and upload its receipt\n",
    ]:
        assert expected in other.body
    assert keys_of(DEADLINE) == sorted(
        f"deadline-reminder:{a.pk}:{a.campaign_id}:2026-02-27:T-14" for a in (application, empty)
    )


def test_reminder_is_written_in_the_candidates_language(run):
    application = fill_sections(draft("fr"))
    run(reminders.deadline_reminders_send, at(13))
    (message,) = sent_to(application.candidate)
    # The list and the dates in French (the sentences around them come with the catalogue).
    assert "5. Mes atouts\n" in message.body
    assert "  - Acte de naissance\n" in message.body
    assert "Documents\n  - Passeport\n" in message.body
    assert "27 février 2026" in message.body
    assert "/fr/dossier/" in message.body
    assert "L’équipe TAPIF de l’Ambassade de France au Canada" in message.body
    assert "Birth certificate" not in message.body
    assert "My strengths" not in message.body


def test_a_complete_draft_is_told_to_submit(run):
    application = complete_dossier(draft())
    run(reminders.deadline_reminders_send, at(13))
    (message,) = sent_to(application.candidate)
    assert "Everything seems to be in your dossier: read it over and submit it." in message.body
    assert "What your dossier still needs" not in message.body


def test_a_draft_that_cannot_be_submitted_is_told_why(run):
    application = fill_sections(draft(), identity={"date_of_birth": dt.date(1980, 1, 1)})
    fill_documents(application)
    declare_fee(application)
    run(reminders.deadline_reminders_send, at(13))
    (message,) = sent_to(application.candidate)
    assert "As it stands, your dossier cannot be submitted:\n  - " in message.body
    assert "35" in message.body.split("cannot be submitted:")[1]  # the age rule's message
    assert "Everything seems to be in your dossier" not in message.body


def test_a_dossier_submitted_the_day_of_the_reminder_gets_nothing(run, campaign_open):
    application = complete_dossier(draft())
    waiting = draft()
    campaign_open.move_to(at(13, hour=8))  # submitted an hour before the job
    dossier_services.application_submit(application=application, actor=application.candidate)

    summary = run(reminders.deadline_reminders_send, at(13))

    assert summary == {"sent": 1, "already_sent": 0, "stage": 14}
    assert sent_to(application.candidate) == []
    assert len(sent_to(waiting.candidate)) == 1


def test_running_twice_the_same_day_sends_each_reminder_once(run):
    first, second = draft(), draft()
    assert run(reminders.deadline_reminders_send, at(13)) == {
        "sent": 2,
        "already_sent": 0,
        "stage": 14,
    }
    assert run(reminders.deadline_reminders_send, at(13, hour=15)) == {
        "sent": 0,
        "already_sent": 2,
        "stage": 14,
    }
    assert [len(sent_to(a.candidate)) for a in (first, second)] == [1, 1]
    assert OutboundMessage.objects.filter(template=DEADLINE).count() == 2


def test_stages_follow_the_days_and_a_missed_one_goes_out_late_once(run):
    application = draft()
    for moment, stage in [
        (at(1), None),  # 26 days before: nothing yet
        (at(12), None),  # 15 days before
        (at(14), 14),  # the 14-day job did not run yesterday: sent today, late
        (at(15), 14),  # …and not again
        (at(20), 7),
        (at(21), 7),
        (at(25), 2),
        (at(26), 2),
        (at(27), 0),  # the morning of the closing day
    ]:
        assert run(reminders.deadline_reminders_send, moment)["stage"] == stage, moment
    subjects = [m.subject for m in sent_to(application.candidate)]
    assert subjects == [
        f"[TAPIF] Dossier {application.number}: 13 days left to submit it",
        f"[TAPIF] Dossier {application.number}: 7 days left to submit it",
        f"[TAPIF] Dossier {application.number}: 2 days left to submit it",
        f"[TAPIF] Dossier {application.number}: last day to submit it",
    ]
    assert keys_of(DEADLINE) == [
        f"deadline-reminder:{application.pk}:{application.campaign_id}:2026-02-27:T-{stage}"
        for stage in (0, 14, 2, 7)  # sorted as text
    ]


def test_the_closing_day_says_today(run):
    application = draft()
    application.campaign.deadline_reminder_days = "0"
    application.campaign.save(update_fields=["deadline_reminder_days"])
    run(reminders.deadline_reminders_send, at(27))
    (message,) = sent_to(application.candidate)
    assert message.subject == f"[TAPIF] Dossier {application.number}: last day to submit it"
    assert (
        "Applications for the TAPIF 2026-2027 programme close today at 11:59 p.m. Eastern time."
        in message.body
    )


def test_days_are_counted_in_the_campaigns_time_zone(run):
    application = draft()
    # 22:30 on 13 February in Toronto, already the 14th in UTC: still 14 days to go.
    late_evening = dt.datetime(2026, 2, 14, 3, 30, tzinfo=dt.UTC)
    assert run(reminders.deadline_reminders_send, late_evening)["stage"] == 14
    (message,) = sent_to(application.candidate)
    assert "14 days left" in message.subject


def test_the_campaign_sets_the_days(run):
    application = draft()
    campaign = application.campaign
    campaign.deadline_reminder_days = "10"
    campaign.save(update_fields=["deadline_reminder_days"])
    assert run(reminders.deadline_reminders_send, at(13)) == {
        "sent": 0,
        "already_sent": 0,
        "stage": None,
    }
    assert run(reminders.deadline_reminders_send, at(17))["sent"] == 1
    assert keys_of(DEADLINE) == [
        f"deadline-reminder:{application.pk}:{campaign.pk}:2026-02-27:T-10"
    ]


def test_a_closed_campaign_reminds_no_one(run):
    draft()
    summary = run(reminders.deadline_reminders_send, at(28))
    assert summary == {"sent": 0, "already_sent": 0, "stage": None}
    assert mail.outbox == []


def test_only_drafts_of_the_current_campaign_by_active_accounts_are_reminded(run, campaign_open):
    reminded = draft()
    withdrawn = draft()
    dossier_services.application_transition(
        application=withdrawn, to_status=ApplicationStatus.WITHDRAWN, actor=withdrawn.candidate
    )
    gone = draft(is_active=False)
    # A dossier of another campaign (open at the same dates) is not this job's business.
    other_campaign = CampaignFactory(
        opens_at=at(1, month=1), closes_at=dt.datetime(2026, 2, 27, 23, 59, tzinfo=EASTERN)
    )
    ApplicationFactory(campaign=other_campaign)

    assert run(reminders.deadline_reminders_send, at(13))["sent"] == 1
    assert [m.to for m in mail.outbox] == [[reminded.candidate.email]]
    assert sent_to(withdrawn.candidate) == sent_to(gone.candidate) == []


def test_the_task_records_its_run(run):
    draft()
    summary = run(send_deadline_reminders, at(13))
    assert summary == {"sent": 1, "already_sent": 0, "stage": 14}
    (job,) = JobRun.objects.filter(job="deadline_reminders")
    assert (job.status, job.summary) == (JobRun.Status.DONE, summary)


# --- French test results ------------------------------------------------------------------------


def on_test_route(application, **test):
    dossier_services.section_update(
        application=application,
        section="french",
        data={"proof_route": "official_test", **test},
        actor=application.candidate,
    )
    return application


TEST_ENTERED = {"test_name": "TCF", "test_level": "B2", "test_date": dt.date(2026, 1, 10)}


def test_language_test_reminder_lists_what_the_candidate_still_owes(run):
    nothing_yet = on_test_route(draft())
    no_certificate = on_test_route(draft(), **TEST_ENTERED)

    summary = run(reminders.language_test_reminders_send, at(6))

    assert summary == {"sent": 2, "already_sent": 0, "awaiting_check": 0, "stage": 14}
    (message,) = sent_to(nothing_yet.candidate, LANGUAGE_TEST)
    assert message.subject == "[TAPIF] Your official French test: results due by 20 February 2026"
    assert "Its results must be in your dossier by 20 February 2026, in 14 days." in message.body
    assert (
        "Still to do:\n"
        "  - Official test taken\n"
        "  - Level obtained\n"
        "  - Date of the results\n"
        "  - Official French test certificate\n"
    ) in message.body
    (message,) = sent_to(no_certificate.candidate, LANGUAGE_TEST)
    assert "Still to do:\n  - Official French test certificate\n\n" in message.body
    assert keys_of(LANGUAGE_TEST) == sorted(
        f"language-test-reminder:{a.pk}:{a.campaign_id}:2026-02-20:T-14"
        for a in (nothing_yet, no_certificate)
    )


def test_language_test_results_dated_after_the_deadline_are_pointed_out(run):
    late = on_test_route(draft(), **{**TEST_ENTERED, "test_date": dt.date(2026, 2, 21)})
    upload(late, DocumentKind.LANGUAGE_TEST)
    run(reminders.language_test_reminders_send, at(17))
    (message,) = sent_to(late.candidate, LANGUAGE_TEST)
    assert (
        "Still to do:\n  - Your results are dated after 20 February 2026: "
        "the programme cannot accept them\n"
    ) in message.body
    assert "in 3 days" in message.body


def test_language_test_reminder_in_french(run):
    application = on_test_route(draft("fr"))
    run(reminders.language_test_reminders_send, at(6))
    (message,) = sent_to(application.candidate, LANGUAGE_TEST)
    assert "  - Test officiel passé\n" in message.body
    assert "  - Attestation de test officiel de français\n" in message.body
    assert "20 février 2026" in message.subject


def test_language_test_reminder_leaves_out_those_with_nothing_to_do(run):
    reminded = on_test_route(draft())
    professor_route = fill_sections(draft())  # proves French by an evaluation
    awaiting = on_test_route(draft(), **TEST_ENTERED)
    upload(awaiting, DocumentKind.LANGUAGE_TEST)
    verified = on_test_route(draft(), **TEST_ENTERED)
    upload(verified, DocumentKind.LANGUAGE_TEST)
    dossier_services.french_test_verify(application=verified, actor=StaffFactory())
    withdrawn = on_test_route(draft())
    dossier_services.application_transition(
        application=withdrawn, to_status=ApplicationStatus.WITHDRAWN, actor=withdrawn.candidate
    )

    summary = run(reminders.language_test_reminders_send, at(6))

    assert summary == {"sent": 1, "already_sent": 0, "awaiting_check": 1, "stage": 14}
    assert [m.to for m in mail.outbox] == [[reminded.candidate.email]]
    for application in (professor_route, awaiting, verified, withdrawn):
        assert sent_to(application.candidate, LANGUAGE_TEST) == []


def test_language_test_stages_run_twice_and_after_the_deadline(run):
    application = on_test_route(draft())
    for moment, stage, sent in [
        (at(5), None, 0),  # 15 days before the results are due
        (at(7), 14, 1),  # the 14-day job missed yesterday: sent late
        (at(7, hour=18), 14, 0),  # run again the same day
        (at(17), 3, 1),
        (at(20), 3, 0),  # the deadline itself
        (at(21), None, 0),  # past it
    ]:
        summary = run(reminders.language_test_reminders_send, moment)
        assert (summary["stage"], summary["sent"]) == (stage, sent), moment
    assert len(sent_to(application.candidate, LANGUAGE_TEST)) == 2
    assert OutboundMessage.objects.filter(template=LANGUAGE_TEST).count() == 2


def test_language_test_task_records_its_run(run):
    on_test_route(draft())
    summary = run(send_language_test_reminders, at(6))
    (job,) = JobRun.objects.filter(job="language_test_reminders")
    assert (
        job.summary
        == summary
        == {
            "sent": 1,
            "already_sent": 0,
            "awaiting_check": 0,
            "stage": 14,
        }
    )


def test_a_submitted_dossier_with_its_certificate_rejected_is_reminded(run, campaign_open):
    application = fill_sections(draft(), french={"proof_route": "official_test", **TEST_ENTERED})
    fill_documents(application)
    declare_fee(application)
    upload(application, DocumentKind.LANGUAGE_TEST)
    dossier_services.application_submit(application=application, actor=application.candidate)
    certificate = application.documents.get(kind=DocumentKind.LANGUAGE_TEST, is_current=True)
    dossier_services.document_reject(
        document=certificate, actor=StaffFactory(), reason="unreadable"
    )

    run(reminders.language_test_reminders_send, at(6))

    (message,) = sent_to(application.candidate, LANGUAGE_TEST)
    assert (
        "  - Official French test certificate: rejected by the embassy, upload a new file\n"
        in message.body
    )


def test_keys_written_before_they_named_the_deadline_still_count_for_that_deadline(run):
    application = draft()
    run(reminders.deadline_reminders_send, at(13))
    # As the reminder was keyed before keys named the deadline (13 days before 27 February).
    OutboundMessage.objects.filter(template=DEADLINE).update(
        dedup_key=f"deadline-reminder:{application.pk}:{application.campaign_id}:T-14"
    )

    assert run(reminders.deadline_reminders_send, at(14)) == {
        "sent": 0,
        "already_sent": 1,
        "stage": 14,
    }

    # The close moves to 6 March: the old key announced 27 February, the stages start again.
    Campaign.objects.filter(pk=application.campaign_id).update(
        closes_at=dt.datetime(2026, 3, 6, 23, 59, 59, tzinfo=EASTERN)
    )
    assert run(reminders.deadline_reminders_send, at(20)) == {
        "sent": 1,
        "already_sent": 0,
        "stage": 14,
    }
    assert sent_to(application.candidate)[-1].subject == (
        f"[TAPIF] Dossier {application.number}: 14 days left to submit it"
    )
