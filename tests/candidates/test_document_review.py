"""Staff check each document of a submitted dossier (services), and what the candidate then sees
and may replace on their documents page.

Pages are requested in English (`/en/…`) so the assertions read the exact English messages.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from candidates import services
from candidates.choices import (
    ApplicationStatus,
    DocumentKind,
    DocumentRejection,
    DocumentReview,
    DossierEventKind,
)
from candidates.models import Application, Document, DossierEvent
from candidates.selectors import dossier_load, dossier_status
from tapif.core.exceptions import DomainError
from tapif.core.models import AuditEntry, Campaign
from tapif.core.moments import moment_words
from tests.candidates.dossier import complete_dossier
from tests.candidates.dossier import upload as service_upload
from tests.candidates.factories import (
    CAMPAIGN_CLOSED_AT,
    CAMPAIGN_OPEN_AT,
    ApplicationFactory,
    stored_files,
    tiny_pdf,
)
from tests.factories import EASTERN, CandidateFactory, StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_open", "private_storage")]

PDF = tiny_pdf()
MULTIPART = 'enctype="multipart/form-data"'
LOCKED = "Your dossier has been submitted and can no longer be changed."
TOO_LATE = "The time allowed to replace this document has passed."
TRANSCRIPTS_EN = "Transcripts of the last two completed years (stamped)"
TRANSCRIPTS_FR = "Relevés de notes des deux dernières années complétées (avec cachet)"


def url(name: str, **kwargs) -> str:
    with translation.override("en"):
        return reverse(f"candidates:{name}", kwargs=kwargs or None)


def submitted_dossier(language: str = "fr") -> Application:
    application = complete_dossier(
        ApplicationFactory(candidate=CandidateFactory(preferred_language=language))
    )
    return services.application_submit(application=application, actor=application.candidate)


def current(application: Application, kind: str) -> Document:
    return Document.objects.get(application=application, kind=kind, is_current=True)


def required_kinds(application: Application) -> list[str]:
    return list(dossier_status(dossier_load(application.pk)).required_documents)


def status_of(application: Application) -> str:
    application.refresh_from_db()
    return application.status


def post_upload(client, kind: str, name: str = "corrected.pdf"):
    data = {f"{kind}-file": SimpleUploadedFile(name, PDF, content_type="application/pdf")}
    if kind == DocumentKind.PASSPORT:
        data[f"{kind}-expires_on"] = "2030-01-01"
    return client.post(url("document_upload", kind=kind), data)


def upload_actions(html: str) -> list[str]:
    """The action of every upload form on the page."""
    return re.findall(r'<form[^>]*enctype="multipart/form-data"[^>]*action="([^"]+)"', html)


@pytest.fixture
def staff():
    return StaffFactory(email="checker@example.ca")


@pytest.fixture
def dossier():
    return submitted_dossier()


# --- accept ------------------------------------------------------------------------------------


def test_accept_records_who_when_and_an_audit_entry(dossier, staff):
    document = current(dossier, DocumentKind.PASSPORT)

    returned = services.document_accept(document=document, actor=staff)

    document.refresh_from_db()
    assert returned.pk == document.pk
    assert document.review_status == DocumentReview.ACCEPTED
    assert document.reviewed_by == staff
    assert document.reviewed_at == CAMPAIGN_OPEN_AT
    assert (document.rejection_reason, document.rejection_note) == ("", "")
    assert document.replaceable_until is None
    entry = AuditEntry.objects.get(action="document.accept")
    assert (entry.actor, entry.target_type, entry.target_id) == (
        staff,
        "candidates.document",
        str(document.pk),
    )
    # The other required documents are still to check: the dossier stays submitted.
    assert status_of(dossier) == ApplicationStatus.SUBMITTED


def test_the_dossier_becomes_complete_once_every_required_document_is_accepted(dossier, staff):
    kinds = required_kinds(dossier)
    assert len(kinds) >= 2
    for kind in kinds[:-1]:
        services.document_accept(document=current(dossier, kind), actor=staff)
        assert status_of(dossier) == ApplicationStatus.SUBMITTED
    assert (
        not DossierEvent.objects.status_changes()
        .filter(application=dossier, to_status=ApplicationStatus.COMPLETE)
        .exists()
    )

    services.document_accept(document=current(dossier, kinds[-1]), actor=staff)

    assert status_of(dossier) == ApplicationStatus.COMPLETE
    change = DossierEvent.objects.status_changes().filter(application=dossier).latest("id")
    assert (change.from_status, change.to_status, change.actor) == (
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.COMPLETE,
        staff,
    )
    # Accepting again changes nothing: no second audit entry, no second status change.
    services.document_accept(document=current(dossier, kinds[0]), actor=staff)
    assert AuditEntry.objects.filter(action="document.accept").count() == len(kinds)
    assert (
        DossierEvent.objects.status_changes()
        .filter(application=dossier, to_status=ApplicationStatus.COMPLETE)
        .count()
        == 1
    )


# --- reject ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "note", "code"),
    [
        ("", "", "reason"),
        ("blurry", "A note", "reason"),
        (DocumentRejection.OTHER, "", "note"),
        (DocumentRejection.OTHER, "   ", "note"),
    ],
)
def test_reject_needs_a_valid_reason_and_a_note_for_other(dossier, staff, reason, note, code):
    document = current(dossier, DocumentKind.TRANSCRIPTS)

    with pytest.raises(DomainError) as error:
        services.document_reject(document=document, actor=staff, reason=reason, note=note)

    assert error.value.code == code
    document.refresh_from_db()
    assert document.review_status == DocumentReview.PENDING
    assert document.replaceable_until is None
    assert status_of(dossier) == ApplicationStatus.SUBMITTED
    assert not DossierEvent.objects.filter(kind=DossierEventKind.DOCUMENT_REJECTED).exists()


def test_reject_opens_the_window_makes_the_dossier_incomplete_and_mails_the_candidate(
    staff, django_capture_on_commit_callbacks, mailoutbox
):
    dossier = submitted_dossier(language="en")
    mailoutbox.clear()  # the submission's confirmation
    document = current(dossier, DocumentKind.TRANSCRIPTS)

    with django_capture_on_commit_callbacks(execute=True):
        services.document_reject(
            document=document,
            actor=staff,
            reason=DocumentRejection.NOT_STAMPED,
            note="  The stamp of the registrar is missing.  ",
        )

    document.refresh_from_db()
    assert document.review_status == DocumentReview.REJECTED
    assert document.rejection_reason == DocumentRejection.NOT_STAMPED
    assert document.rejection_note == "The stamp of the registrar is missing."
    assert document.reviewed_by == staff
    assert document.reviewed_at == CAMPAIGN_OPEN_AT
    assert document.replaceable_until == CAMPAIGN_OPEN_AT + dt.timedelta(days=14)
    assert document.may_be_replaced()
    assert services.document_replaceable_kinds(dossier) == {DocumentKind.TRANSCRIPTS}

    label = f"{TRANSCRIPTS_EN}: Not stamped by the institution"
    assert status_of(dossier) == ApplicationStatus.INCOMPLETE
    change = DossierEvent.objects.status_changes().filter(application=dossier).latest("id")
    assert (change.from_status, change.to_status, change.actor, change.note) == (
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.INCOMPLETE,
        staff,
        label,
    )
    event = DossierEvent.objects.get(application=dossier, kind=DossierEventKind.DOCUMENT_REJECTED)
    assert event.actor == staff
    assert event.note == f"{label}. The stamp of the registrar is missing."
    entry = AuditEntry.objects.get(action="document.reject")
    assert entry.target_id == str(document.pk)
    assert entry.data == {
        "reason": "not_stamped",
        "note": "The stamp of the registrar is missing.",
    }

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [dossier.candidate.email]
    assert dossier.number in mail.subject
    assert TRANSCRIPTS_EN in mail.subject
    link = f"{settings.SITE_URL}{url('documents')}"
    html = mail.alternatives[0][0]
    for body in (mail.body, html):
        assert dossier.number in body
        assert TRANSCRIPTS_EN in body
        assert "Not stamped by the institution" in body
        assert "The stamp of the registrar is missing." in body
        assert link in body


def test_the_timeline_note_is_in_the_candidates_language(dossier, staff):
    services.document_reject(
        document=current(dossier, DocumentKind.TRANSCRIPTS),
        actor=staff,
        reason=DocumentRejection.OTHER,
        note="Le cachet manque.",
    )

    label = f"{TRANSCRIPTS_FR}: Autre motif (voir la note)"
    event = DossierEvent.objects.get(application=dossier, kind=DossierEventKind.DOCUMENT_REJECTED)
    assert event.note == f"{label}. Le cachet manque."
    assert (
        DossierEvent.objects.status_changes().filter(application=dossier).latest("id").note == label
    )


def test_the_window_follows_the_campaigns_setting(dossier, staff):
    Campaign.objects.filter(pk=dossier.campaign_id).update(correction_window_days=3)
    dossier.refresh_from_db()

    services.document_reject(
        document=current(dossier, DocumentKind.PASSPORT),
        actor=staff,
        reason=DocumentRejection.EXPIRED,
    )

    document = current(dossier, DocumentKind.PASSPORT)
    assert document.replaceable_until == CAMPAIGN_OPEN_AT + dt.timedelta(days=3)


def test_rejecting_a_document_of_a_complete_dossier_makes_it_incomplete(dossier, staff):
    for kind in required_kinds(dossier):
        services.document_accept(document=current(dossier, kind), actor=staff)
    assert status_of(dossier) == ApplicationStatus.COMPLETE

    services.document_reject(
        document=current(dossier, DocumentKind.BIRTH_CERTIFICATE),
        actor=staff,
        reason=DocumentRejection.UNREADABLE,
    )

    assert status_of(dossier) == ApplicationStatus.INCOMPLETE
    document = current(dossier, DocumentKind.BIRTH_CERTIFICATE)
    assert document.review_status == DocumentReview.REJECTED
    change = DossierEvent.objects.status_changes().filter(application=dossier).latest("id")
    assert (change.from_status, change.to_status) == (
        ApplicationStatus.COMPLETE,
        ApplicationStatus.INCOMPLETE,
    )


# --- refusals ----------------------------------------------------------------------------------


def test_documents_of_a_draft_cannot_be_checked(staff):
    draft = complete_dossier(ApplicationFactory())
    document = current(draft, DocumentKind.PASSPORT)

    with pytest.raises(DomainError) as accepting:
        services.document_accept(document=document, actor=staff)
    with pytest.raises(DomainError) as rejecting:
        services.document_reject(
            document=document, actor=staff, reason=DocumentRejection.UNREADABLE
        )

    assert accepting.value.code == rejecting.value.code == "status"
    document.refresh_from_db()
    assert document.review_status == DocumentReview.PENDING
    assert document.reviewed_by is None
    assert status_of(draft) == ApplicationStatus.DRAFT
    assert not AuditEntry.objects.filter(action__in=["document.accept", "document.reject"]).exists()
    assert not DossierEvent.objects.filter(kind=DossierEventKind.DOCUMENT_REJECTED).exists()


def test_a_replaced_version_cannot_be_checked(staff):
    application = complete_dossier(ApplicationFactory())
    old = current(application, DocumentKind.TRANSCRIPTS)
    service_upload(application, DocumentKind.TRANSCRIPTS)  # a newer version, before submission
    services.application_submit(application=application, actor=application.candidate)
    old.refresh_from_db()
    assert not old.is_current

    with pytest.raises(DomainError) as accepting:
        services.document_accept(document=old, actor=staff)
    with pytest.raises(DomainError) as rejecting:
        services.document_reject(document=old, actor=staff, reason=DocumentRejection.UNREADABLE)

    assert accepting.value.code == rejecting.value.code == "replaced"
    old.refresh_from_db()
    assert old.review_status == DocumentReview.PENDING
    assert status_of(application) == ApplicationStatus.SUBMITTED


# --- the candidate's page -----------------------------------------------------------------------


@pytest.fixture
def rejected(dossier, staff):
    """The transcripts rejected (window: 14 days from the frozen moment)."""
    return services.document_reject(
        document=current(dossier, DocumentKind.TRANSCRIPTS),
        actor=staff,
        reason=DocumentRejection.NOT_STAMPED,
        note="The registrar's stamp is missing.",
    )


@pytest.fixture
def owner(client, dossier):
    client.force_login(dossier.candidate)
    return client


def test_before_any_check_a_submitted_dossier_offers_no_upload(owner, dossier):
    html = owner.get(url("documents")).content.decode()

    assert html.count(MULTIPART) == 0


def test_the_page_offers_an_upload_only_for_the_rejected_document(owner, dossier, rejected):
    response = owner.get(url("documents"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count(MULTIPART) == 1
    assert upload_actions(html) == [url("document_upload", kind=DocumentKind.TRANSCRIPTS)]
    assert "Not stamped by the institution" in html
    assert "The registrar&#x27;s stamp is missing." in html
    with translation.override("en"):
        until = moment_words(rejected.replaceable_until, rejected.application.campaign)
    assert f"Upload a corrected file by {until}: only this document can be changed." in html
    slots = {slot.kind: slot for slot in response.context["slots"]}
    assert [kind for kind, slot in slots.items() if slot.replaceable] == [DocumentKind.TRANSCRIPTS]


def test_the_rejected_document_can_be_replaced_after_the_campaign_closes(
    client, staff, campaign_open, private_storage
):
    # Rejected a week before the closing date: the window runs past it.
    campaign_open.move_to(dt.datetime(2026, 2, 20, 10, tzinfo=EASTERN))
    dossier = submitted_dossier()
    old = services.document_reject(
        document=current(dossier, DocumentKind.TRANSCRIPTS),
        actor=staff,
        reason=DocumentRejection.UNREADABLE,
    )
    campaign_open.move_to(CAMPAIGN_CLOSED_AT)
    assert timezone.now() > dossier.campaign.closes_at
    assert timezone.now() < old.replaceable_until
    client.force_login(dossier.candidate)
    files_before = len(stored_files(private_storage))

    page = client.get(url("documents")).content.decode()
    response = post_upload(client, DocumentKind.TRANSCRIPTS, "stamped.pdf")

    assert page.count(MULTIPART) == 1
    assert response.status_code == 302
    assert response["Location"] == f"{url('documents')}#document-transcripts"
    new = current(dossier, DocumentKind.TRANSCRIPTS)
    assert new.pk != old.pk
    assert new.original_name == "stamped.pdf"
    assert new.review_status == DocumentReview.PENDING
    assert new.uploaded_by == dossier.candidate
    old.refresh_from_db()
    assert not old.is_current
    assert old.review_status == DocumentReview.REJECTED
    assert len(stored_files(private_storage)) == files_before + 1
    event = DossierEvent.objects.get(application=dossier, kind=DossierEventKind.DOCUMENT_REPLACED)
    assert event.actor == dossier.candidate
    # The note names the document (it follows the request's language, unlike the rejection's).
    assert event.note in (TRANSCRIPTS_EN, TRANSCRIPTS_FR)
    # Nothing left to replace: the page offers no upload any more.
    assert client.get(url("documents")).content.decode().count(MULTIPART) == 0
    assert status_of(dossier) == ApplicationStatus.INCOMPLETE


def test_any_other_document_is_refused_and_nothing_is_stored(
    owner, dossier, rejected, private_storage
):
    documents_before = Document.objects.count()
    files_before = len(stored_files(private_storage))

    response = post_upload(owner, DocumentKind.BIRTH_CERTIFICATE, "other.pdf")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<ul class="errorlist"><li>{LOCKED}</li></ul>' in html
    assert f'<a href="#document-birth_certificate">Birth certificate: {LOCKED}</a>' in html
    assert Document.objects.count() == documents_before
    assert len(stored_files(private_storage)) == files_before
    assert not DossierEvent.objects.filter(kind=DossierEventKind.DOCUMENT_REPLACED).exists()


def test_after_the_window_the_rejected_document_is_refused(
    client, dossier, rejected, campaign_open, private_storage
):
    campaign_open.move_to(rejected.replaceable_until + dt.timedelta(minutes=1))
    client.force_login(dossier.candidate)
    documents_before = Document.objects.count()
    files_before = len(stored_files(private_storage))

    page = client.get(url("documents")).content.decode()
    response = post_upload(client, DocumentKind.TRANSCRIPTS)

    assert page.count(MULTIPART) == 0
    assert "The time allowed to replace it has passed." in page
    assert response.status_code == 200
    assert f'<ul class="errorlist"><li>{TOO_LATE}</li></ul>' in response.content.decode()
    assert Document.objects.count() == documents_before
    assert len(stored_files(private_storage)) == files_before
    assert current(dossier, DocumentKind.TRANSCRIPTS).pk == rejected.pk


def test_accepting_the_replacement_makes_the_dossier_complete_again(
    owner, dossier, rejected, staff
):
    for kind in required_kinds(dossier):
        if kind != DocumentKind.TRANSCRIPTS:
            services.document_accept(document=current(dossier, kind), actor=staff)
    assert status_of(dossier) == ApplicationStatus.INCOMPLETE

    assert post_upload(owner, DocumentKind.TRANSCRIPTS).status_code == 302
    replacement = current(dossier, DocumentKind.TRANSCRIPTS)
    assert replacement.pk != rejected.pk
    assert status_of(dossier) == ApplicationStatus.INCOMPLETE

    # The rejected version can no longer be checked; the new one can.
    with pytest.raises(DomainError) as error:
        services.document_accept(document=rejected, actor=staff)
    assert error.value.code == "replaced"
    services.document_accept(document=replacement, actor=staff)

    assert status_of(dossier) == ApplicationStatus.COMPLETE
    assert list(
        DossierEvent.objects.status_changes()
        .filter(application=dossier)
        .order_by("id")
        .values_list("to_status", flat=True)
    ) == [
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.INCOMPLETE,
        ApplicationStatus.COMPLETE,
    ]


def test_a_rejected_document_is_missing_again_for_the_candidate_and_staff(client, dossier, staff):
    """Found trying the demo: after a rejection the pages said "Documents: complete"."""
    application = dossier
    passport = current(application, DocumentKind.PASSPORT)
    services.document_reject(document=passport, actor=staff, reason="unreadable")

    with translation.override("en"):
        status = dossier_status(dossier_load(application.pk))
        missing = [str(item) for item in status.documents_missing]
    assert missing == ["Passport: rejected by the embassy, upload a new file"]
    client.force_login(application.candidate)
    html = client.get("/en/dossier/").content.decode()
    assert "The embassy could not accept a document" in html
    documents = client.get("/en/dossier/documents/").content.decode()
    assert '<span class="state state-fail">rejected: replace it</span>' in documents
