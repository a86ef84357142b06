"""The document admin's check actions: accept, and reject with a reason (an intermediate form),
offered only to staff holding `candidates.review_document`."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages

from candidates import services
from candidates.choices import (
    ApplicationStatus,
    DocumentKind,
    DocumentRejection,
    DocumentReview,
    DossierEventKind,
)
from candidates.models import Application, Document, DossierEvent
from tapif.core.models import AuditEntry
from tests.candidates.dossier import complete_dossier
from tests.candidates.factories import CAMPAIGN_OPEN_AT, ApplicationFactory
from tests.factories import CandidateFactory, StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_open", "private_storage")]

CHANGELIST = "/admin/candidates/document/"
ACTIONS = {"accept_documents", "reject_documents"}


def staff_with(*codenames: str, **kwargs):
    user = StaffFactory(**kwargs)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="candidates",
            # Their scope is every dossier; reviewers' narrower one: test_document_scope.py.
            codename__in=[*codenames, "view_every_dossier"],
        )
    )
    return user


def login(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def submitted_dossier() -> Application:
    application = complete_dossier(
        ApplicationFactory(candidate=CandidateFactory(preferred_language="en"))
    )
    return services.application_submit(application=application, actor=application.candidate)


def current(application: Application, kind: str) -> Document:
    return Document.objects.get(application=application, kind=kind, is_current=True)


def run(client, action: str, documents, **form):
    data = {"action": action, "_selected_action": [str(d.pk) for d in documents]}
    if form:
        data.update({"apply": "yes", **form})
    else:
        data["index"] = "0"  # the first click, from the list's action bar
    return client.post(CHANGELIST, data)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def action_choices(response) -> set[str]:
    """The actions the list offers (no action form at all when none is left)."""
    form = response.context["action_form"]
    return {name for name, _label in form.fields["action"].choices} if form else set()


@pytest.fixture
def dossier():
    return submitted_dossier()


@pytest.fixture
def reviewer():
    return staff_with("view_document", "review_document", email="reviewer@example.ca")


@pytest.fixture
def reviewer_client(client, reviewer):
    return login(client, reviewer)


def test_staff_without_the_permission_neither_see_nor_run_the_actions(
    client, dossier, mailoutbox, django_capture_on_commit_callbacks
):
    login(client, staff_with("view_document"))
    document = current(dossier, DocumentKind.TRANSCRIPTS)
    mailoutbox.clear()

    page = client.get(CHANGELIST)
    with django_capture_on_commit_callbacks(execute=True):
        accepted = run(client, "accept_documents", [document])
        rejected = run(
            client,
            "reject_documents",
            [document],
            reason=DocumentRejection.UNREADABLE,
            note="",
        )

    assert page.status_code == 200
    assert page.context["action_form"] is None  # no action left to offer
    assert not ACTIONS & action_choices(page)
    html = page.content.decode()
    assert "accept_documents" not in html
    assert "reject_documents" not in html
    assert document.original_name in html  # they still read the list
    # With no such action to run, the list treats the POSTs as a plain display.
    assert accepted.status_code == rejected.status_code == 200
    assert messages_of(accepted) == messages_of(rejected) == []
    document.refresh_from_db()
    assert document.review_status == DocumentReview.PENDING
    assert document.reviewed_by is None
    dossier.refresh_from_db()
    assert dossier.status == ApplicationStatus.SUBMITTED
    assert not AuditEntry.objects.filter(action__in=["document.accept", "document.reject"]).exists()
    assert mailoutbox == []


def test_staff_with_the_permission_see_both_actions(reviewer_client, dossier):
    page = reviewer_client.get(CHANGELIST)

    assert action_choices(page) >= ACTIONS
    html = page.content.decode()
    assert "Accept the selected documents" in html
    assert "Reject the selected documents (with a reason)" in html


def test_accept_action_accepts_and_completes_the_dossier(reviewer_client, reviewer, dossier):
    documents = list(Document.objects.filter(application=dossier, is_current=True))

    response = run(reviewer_client, "accept_documents", documents)

    assert response.status_code == 302
    assert messages_of(response) == [f"{len(documents)} documents accepted."]
    for document in documents:
        document.refresh_from_db()
        assert document.review_status == DocumentReview.ACCEPTED
        assert document.reviewed_by == reviewer
        assert document.reviewed_at == CAMPAIGN_OPEN_AT
    dossier.refresh_from_db()
    assert dossier.status == ApplicationStatus.COMPLETE
    change = DossierEvent.objects.status_changes().filter(application=dossier).latest("id")
    assert (change.to_status, change.actor) == (ApplicationStatus.COMPLETE, reviewer)


def test_accept_action_reports_a_draft_it_refused(reviewer_client, dossier):
    draft = complete_dossier(ApplicationFactory())
    refused = current(draft, DocumentKind.PASSPORT)
    accepted = current(dossier, DocumentKind.PASSPORT)

    response = run(reviewer_client, "accept_documents", [refused, accepted])

    found = messages_of(response)
    assert len(found) == 2
    assert found[0].startswith(f"{refused}: not changed: Documents are checked once the dossier")
    assert found[1] == "1 document accepted."
    refused.refresh_from_db()
    accepted.refresh_from_db()
    assert refused.review_status == DocumentReview.PENDING
    assert accepted.review_status == DocumentReview.ACCEPTED


def test_reject_action_asks_for_a_reason_then_rejects_and_mails(
    reviewer_client, reviewer, dossier, mailoutbox, django_capture_on_commit_callbacks
):
    document = current(dossier, DocumentKind.TRANSCRIPTS)
    mailoutbox.clear()

    form_page = run(reviewer_client, "reject_documents", [document])

    assert form_page.status_code == 200
    assert form_page.templates[0].name == "admin/action_confirmation.html"
    html = form_page.content.decode()
    assert dossier.number in html
    assert document.original_name in html
    assert "for 14 days" in html
    assert 'name="reason"' in html
    assert 'name="note"' in html
    assert '<input type="hidden" name="action" value="reject_documents">' in html
    document.refresh_from_db()
    assert document.review_status == DocumentReview.PENDING

    # "Other reason" without a note: the form again, nothing changed.
    refused = run(
        reviewer_client,
        "reject_documents",
        [document],
        reason=DocumentRejection.OTHER,
        note="   ",
    )

    assert refused.status_code == 200
    assert refused.templates[0].name == "admin/action_confirmation.html"
    assert refused.context["form"].errors == {
        "note": ["Explain the reason to the candidate in the note."]
    }
    assert "Explain the reason to the candidate in the note." in refused.content.decode()
    document.refresh_from_db()
    assert document.review_status == DocumentReview.PENDING
    assert mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        response = run(
            reviewer_client,
            "reject_documents",
            [document],
            reason=DocumentRejection.OTHER,
            note="Only one year of transcripts is included.",
        )

    assert response.status_code == 302
    assert messages_of(response) == ["1 document rejected: its candidate is told by e-mail."]
    document.refresh_from_db()
    assert document.review_status == DocumentReview.REJECTED
    assert document.rejection_reason == DocumentRejection.OTHER
    assert document.rejection_note == "Only one year of transcripts is included."
    assert document.reviewed_by == reviewer
    assert document.may_be_replaced()
    dossier.refresh_from_db()
    assert dossier.status == ApplicationStatus.INCOMPLETE
    assert DossierEvent.objects.filter(
        application=dossier, kind=DossierEventKind.DOCUMENT_REJECTED, actor=reviewer
    ).exists()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [dossier.candidate.email]
    assert "Other reason (see the note)" in mailoutbox[0].body
    assert "Only one year of transcripts is included." in mailoutbox[0].body


def test_reject_action_without_a_reason_shows_the_form_again(reviewer_client, dossier):
    document = current(dossier, DocumentKind.BIRTH_CERTIFICATE)

    response = run(reviewer_client, "reject_documents", [document], note="Blurry")

    assert response.status_code == 200
    assert response.templates[0].name == "admin/action_confirmation.html"
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    document.refresh_from_db()
    assert document.review_status == DocumentReview.PENDING
    dossier.refresh_from_db()
    assert dossier.status == ApplicationStatus.SUBMITTED


def test_reject_from_the_change_page(reviewer_client, dossier):
    document = current(dossier, DocumentKind.PASSPORT)
    url = f"{CHANGELIST}{document.pk}/change/"
    field = "CHANGE_FORM-action"

    page = reviewer_client.get(url)
    response = reviewer_client.post(
        url,
        {
            field: "reject_documents",
            "_selected_action": str(document.pk),
            "apply": "yes",
            "reason": DocumentRejection.EXPIRED,
            "note": "",
        },
    )

    assert f'name="{field}"' in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == url
    document.refresh_from_db()
    assert document.review_status == DocumentReview.REJECTED
    assert document.rejection_reason == DocumentRejection.EXPIRED
