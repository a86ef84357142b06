"""Staff watch the outbox and the scheduled jobs in admin, and send a failed e-mail again."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from tapif.core import outbox
from tapif.core.jobs import run_job
from tapif.core.models import Campaign, OutboundMessage
from tapif.core.roles import PROGRAMME_MANAGER
from tests.candidates.factories import ApplicationFactory
from tests.core.test_outbox import SUBMITTED
from tests.core.test_roles import log_in, member_of, run_action

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_open")]

OUTBOX = "/admin/core/outboundmessage/"
JOBS = "/admin/core/jobrun/"


@pytest.fixture
def failed_message(settings) -> OutboundMessage:
    settings.MAILERS = {"default": {"BACKEND": "tests.core.test_outbox.NoSuchUserBackend"}}
    dossier = ApplicationFactory()
    message = outbox.mail_user(
        user=dossier.candidate,
        template_prefix=SUBMITTED,
        context={"application": dossier, "campaign": dossier.campaign, "link": "https://t/0k"},
    )
    outbox.message_deliver(message.pk)
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    return message


def test_the_outbox_lists_failures_with_their_error_and_never_the_context(client, failed_message):
    log_in(client, member_of(PROGRAMME_MANAGER))

    page = client.get(OUTBOX, {"status__exact": "failed"}).content.decode()
    detail = client.get(f"{OUTBOX}{failed_message.pk}/change/").content.decode()

    assert failed_message.to_email in page
    assert "No such user" in page
    assert failed_message.dossier in detail
    assert "https://t/0k" not in detail


def test_a_programme_manager_sends_a_failed_e_mail_again(
    client, failed_message, django_capture_on_commit_callbacks
):
    log_in(client, member_of(PROGRAMME_MANAGER))

    with django_capture_on_commit_callbacks(execute=True):
        run_action(client, OUTBOX, "resend", [failed_message.pk])

    assert "1 e-mail will be sent again." in client.get(OUTBOX).content.decode()
    failed_message.refresh_from_db()
    assert failed_message.status == OutboundMessage.Status.SENT
    assert [m.to for m in mail.outbox] == [[failed_message.to_email]]


def test_the_jobs_page_shows_each_jobs_last_run_and_what_it_did(client):
    run_job("deliver_pending_mail", lambda: {"requeued": 3})
    log_in(client, member_of(PROGRAMME_MANAGER))

    page = client.get(JOBS).content.decode()

    assert "Last run of each job" in page
    assert "Send e-mails left waiting" in page
    assert "e-mails dispatched again: 3" in page
    assert "never" in page  # the jobs that have not run yet


def test_reminder_days_must_be_whole_numbers_separated_by_commas():
    campaign = Campaign.objects.get(is_current=True)
    campaign.deadline_reminder_days = "14, 7, soon"

    with pytest.raises(ValidationError, match="Write whole numbers of days"):
        campaign.full_clean()

    campaign.deadline_reminder_days = " 2,14 ,7"
    campaign.full_clean()
    assert campaign.deadline_reminder_day_list == [14, 7, 2]
