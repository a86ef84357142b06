"""Messages to a filtered set of candidates: the filters, the preview in each language, one
outbox row and one timeline entry per recipient, never twice, and in bulk."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from candidates.bulk_messages import (
    RecipientFilter,
    group_message_preview,
    group_message_recipients,
    group_message_send,
)
from candidates.choices import DocumentKind, DossierEventKind
from candidates.models import Application, Assets, DossierEvent, GroupMessage
from tapif.core.exceptions import DomainError
from tapif.core.models import Academie, AuditEntry, OutboundMessage, User
from tapif.core.outbox import message_deliver
from tests.candidates.factories import DocumentFactory
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def dossiers(campaign, count, *, start=0, status="submitted", language="en", **fields):
    users = User.objects.bulk_create(
        User(
            email=f"gm{start + i}@example.ca",
            first_name=f"Prénom{start + i}",
            last_name="Nom",
            preferred_language=language,
        )
        for i in range(count)
    )
    return Application.objects.bulk_create(
        Application(
            campaign=campaign,
            candidate=user,
            number=f"GM-{start + i:05d}",
            status=status,
            **fields,
        )
        for i, user in enumerate(users)
    )


def written(campaign, **filters) -> GroupMessage:
    return GroupMessage.objects.create(
        campaign=campaign,
        subject_fr="Rappel des pièces",
        body_fr="Merci d’ajouter votre relevé de notes.",
        subject_en="Documents reminder",
        body_en="Please add your transcripts.",
        filters=RecipientFilter(**filters).as_dict(),
    )


def test_filters_pick_the_dossiers(reference_campaign):
    first, second = Academie.objects.order_by("code")[:2]
    submitted = dossiers(reference_campaign, 3, payment_status="verified", french_level="B2")
    drafts = dossiers(reference_campaign, 2, start=10, status="draft")
    Assets.objects.create(application=submitted[0], academie_1=second, academie_2=first)
    DocumentFactory(application=submitted[1], kind=DocumentKind.TRANSCRIPTS)

    def picked(**filters):
        return set(
            group_message_recipients(
                campaign_id=reference_campaign.pk, recipient_filter=RecipientFilter(**filters)
            ).values_list("number", flat=True)
        )

    everyone = {d.number for d in submitted + drafts}
    assert picked() == everyone
    assert picked(statuses=["draft"]) == {d.number for d in drafts}
    assert picked(payment_status="none") == {d.number for d in drafts}
    assert picked(payment_status="verified", french_level="B2") == {d.number for d in submitted}
    assert picked(french_level="C1") == set()
    assert picked(academie_id=first.pk) == {submitted[0].number}
    assert picked(missing_document=DocumentKind.TRANSCRIPTS) == everyone - {submitted[1].number}


def test_preview_shows_two_recipients_per_language(reference_campaign):
    dossiers(reference_campaign, 3, language="en")
    dossiers(reference_campaign, 3, start=10, language="fr")
    message = written(reference_campaign)

    previews = group_message_preview(message=message)

    assert [(p.language, p.number) for p in previews] == [
        ("fr", "GM-00010"),
        ("fr", "GM-00011"),
        ("en", "GM-00000"),
        ("en", "GM-00001"),
    ]
    french, english = previews[0], previews[2]
    assert english.subject == "TAPIF 2026-2027: Documents reminder"
    assert "Hello Prénom0," in english.text
    assert "Please add your transcripts." in english.text
    assert french.subject == "TAPIF 2026-2027 : Rappel des pièces"
    assert "Bonjour Prénom10," in french.text
    assert "Merci d’ajouter votre relevé de notes." in french.text
    assert "Please add" not in french.text


def test_send_writes_one_message_and_one_timeline_entry_per_recipient_once(
    reference_campaign, mailoutbox, django_capture_on_commit_callbacks
):
    english = dossiers(reference_campaign, 2, language="en")
    french = dossiers(reference_campaign, 1, start=10, language="fr")
    dossiers(reference_campaign, 1, start=20, status="draft")  # filtered out
    message = written(reference_campaign, statuses=["submitted"])
    manager = StaffFactory()

    with django_capture_on_commit_callbacks(execute=True):
        count = group_message_send(message=message, actor=manager)

    assert count == 3
    rows = OutboundMessage.objects.filter(template="candidates/email/group_message")
    assert {(r.dossier, r.language) for r in rows} == {
        (english[0].number, "en"),
        (english[1].number, "en"),
        (french[0].number, "fr"),
    }
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted(
        d.candidate.email for d in english + french
    )
    french_mail = next(m for m in mailoutbox if m.to == [french[0].candidate.email])
    assert "Merci d’ajouter votre relevé de notes." in french_mail.body
    events = DossierEvent.objects.filter(kind=DossierEventKind.PROGRAMME_MESSAGE)
    assert {(e.application_id, e.note) for e in events} == {
        (english[0].pk, "Documents reminder"),
        (english[1].pk, "Documents reminder"),
        (french[0].pk, "Rappel des pièces"),
    }
    message.refresh_from_db()
    assert (message.recipients_count, message.sent_by) == (3, manager)
    assert AuditEntry.objects.get(action="group_message.send").data["recipients"] == 3

    with pytest.raises(DomainError, match="sent already"):
        group_message_send(message=message, actor=manager)
    assert rows.count() == 3
    # A retried delivery does not send twice either.
    assert message_deliver(rows.first().pk).status == "sent"
    assert len(mailoutbox) == 3


def test_send_to_5000_recipients_takes_a_fixed_number_of_queries(
    reference_campaign, django_assert_max_num_queries
):
    dossiers(reference_campaign, 5000)
    message = written(reference_campaign)

    with django_assert_max_num_queries(20):
        count = group_message_send(message=message, actor=StaffFactory())

    assert count == 5000
    assert OutboundMessage.objects.filter(template="candidates/email/group_message").count() == 5000
    assert DossierEvent.objects.filter(kind=DossierEventKind.PROGRAMME_MESSAGE).count() == 5000


def test_admin_saves_filters_previews_and_sends(client, reference_campaign):
    dossiers(reference_campaign, 1, language="fr", status="incomplete")
    dossiers(reference_campaign, 1, start=5, status="draft")
    manager = StaffFactory()
    manager.groups.add(Group.objects.get(name="Programme manager"))
    client.force_login(manager)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    response = client.post(
        "/admin/candidates/groupmessage/add/",
        {
            "campaign": reference_campaign.pk,
            "statuses": ["incomplete"],
            "payment_status": "",
            "french_level": "",
            "academie": "",
            "missing_document": "",
            "subject_fr": "Dossier incomplet",
            "body_fr": "Complétez-le.",
            "subject_en": "Incomplete dossier",
            "body_en": "Complete it.",
        },
    )
    assert response.status_code == 302
    message = GroupMessage.objects.get()
    assert message.filters["statuses"] == ["incomplete"]
    assert message.created_by == manager

    page = client.get(f"/admin/candidates/groupmessage/{message.pk}/change/").content.decode()
    assert "1 candidate" in page
    assert "Complétez-le." in page

    response = client.post(
        "/admin/candidates/groupmessage/",
        {"action": "send", "_selected_action": [message.pk]},
        follow=True,
    )
    assert "Incomplete dossier: sent to 1 candidate." in response.content.decode()
    assert OutboundMessage.objects.filter(dossier="GM-00000").count() == 1


def test_a_sent_message_reads_but_cannot_be_changed(client, reference_campaign):
    dossiers(reference_campaign, 1)
    message = written(reference_campaign, statuses=["submitted"])
    manager = StaffFactory()
    manager.groups.add(Group.objects.get(name="Programme manager"))
    group_message_send(message=message, actor=manager)
    client.force_login(manager)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    page = client.get(f"/admin/candidates/groupmessage/{message.pk}/change/")

    assert page.status_code == 200
    assert "Documents reminder" in page.content.decode()
    assert 'name="subject_en"' not in page.content.decode()
    response = client.post(
        f"/admin/candidates/groupmessage/{message.pk}/change/",
        {"campaign": reference_campaign.pk, "subject_en": "Changed"},
    )
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.subject_en == "Documents reminder"
