"""The documents page: upload, refusals next to the field, versions, download, locks, queries.

Pages are requested in English (`/en/…`) so the assertions read the exact English messages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from PIL import Image
from pytest_django.asserts import assertInHTML

from candidates.choices import ApplicationStatus, Citizenship, DocumentKind
from candidates.models import Document, Identity
from candidates.services import application_transition
from tests.candidates.factories import (
    CAMPAIGN_CLOSED_AT,
    ApplicationFactory,
    DocumentFactory,
    stored_files,
    tiny_jpeg,
    tiny_pdf,
    tiny_png,
)

ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
PDF = tiny_pdf()


def url(name: str, **kwargs) -> str:
    with translation.override("en"):
        return reverse(f"candidates:{name}", kwargs=kwargs or None)


def upload(client, kind: str, content: bytes, name: str, *, expires_on: str = "", ctype: str = ""):
    data = {
        f"{kind}-file": SimpleUploadedFile(
            name, content, content_type=ctype or "application/octet-stream"
        )
    }
    if expires_on:
        data[f"{kind}-expires_on"] = expires_on
    return client.post(url("document_upload", kind=kind), data)


def input_tag(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    assert match, f"no input named {name}"
    return match.group(0)


@pytest.fixture
def dossier(campaign_open, private_storage):
    return ApplicationFactory()


@pytest.fixture
def owner(client, dossier):
    client.force_login(dossier.candidate)
    return client


# --- the page ----------------------------------------------------------------------------------


def test_page_shows_one_card_per_required_document_plus_the_optional_one(owner, dossier):
    response = owner.get(url("documents"))

    assert response.status_code == 200
    slots = response.context["slots"]
    assert [(s.kind, s.required, s.current) for s in slots] == [
        (DocumentKind.PASSPORT, True, None),
        (DocumentKind.TRANSCRIPTS, True, None),
        (DocumentKind.BIRTH_CERTIFICATE, True, None),
        (DocumentKind.CRIMINAL_RECORD, False, None),
    ]
    html = response.content.decode()
    # The fee receipt is declared with the payment, on the application fee page.
    assert html.count('enctype="multipart/form-data"') == 4
    assert '<h2 id="document-passport-title">Passport</h2>' in html
    assert "It must be valid until at least 30 October 2027" in html
    assert "transcripts of the last two completed years of study, bearing the university" in html
    assert "A copy of your birth certificate, in French or in English." in html


def test_page_offers_pdf_and_images_and_a_date_input_for_the_passport(owner):
    html = owner.get(url("documents")).content.decode()

    assertInHTML(
        f'<input type="file" name="transcripts-file" accept="{ACCEPT}" required'
        ' aria-describedby="id_transcripts-file_helptext" id="id_transcripts-file">',
        html,
    )
    assertInHTML(
        '<input type="date" name="passport-expires_on"'
        ' aria-describedby="id_passport-expires_on_helptext" id="id_passport-expires_on">',
        html,
    )
    assert 'name="transcripts-expires_on"' not in html
    assert '<label for="id_passport-file">Passport: file to upload</label>' in html


def test_section_5_gives_the_exact_etransfer_instructions_with_a_nonced_copy_script(owner, dossier):
    response = owner.get(url("assets"))
    html = response.content.decode()

    campaign = dossier.campaign
    assert "<dd>80.00 CAD</dd>" in html
    assert f'<code id="etransfer-recipient">{campaign.etransfer_recipient}</code>' in html
    memo = f"TAPIF application fee {dossier.number}"
    assert campaign.etransfer_memo_for(dossier.number) == memo
    assert f'<code id="etransfer-memo">{memo}</code>' in html
    assert (
        '<button type="button" class="button button-secondary copy-button"'
        ' data-copy="etransfer-memo" aria-label="Copy the message" hidden>Copy</button>'
    ) in html
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}">' in html


def test_page_follows_the_documents_the_dossier_requires(owner, dossier):
    Identity.objects.create(
        application=dossier, citizenship=Citizenship.PERMANENT_RESIDENT, is_eu_citizen=True
    )

    slots = owner.get(url("documents")).context["slots"]

    assert [s.kind for s in slots] == [
        DocumentKind.PR_CARD,
        DocumentKind.CITIZENSHIP_PASSPORT,
        DocumentKind.EU_PASSPORT,
        DocumentKind.TRANSCRIPTS,
        DocumentKind.BIRTH_CERTIFICATE,
        DocumentKind.CRIMINAL_RECORD,
    ]


def test_a_file_no_longer_required_stays_visible_without_an_upload_form(owner, dossier):
    # Uploaded while the candidate had said "permanent resident", then changed their answer.
    card = DocumentFactory(application=dossier, kind=DocumentKind.PR_CARD)

    response = owner.get(url("documents"))

    slot = response.context["slots"][-1]
    assert (slot.kind, slot.required, slot.uploadable, slot.current, slot.form) == (
        DocumentKind.PR_CARD,
        False,
        False,
        card,
        None,
    )
    html = response.content.decode()
    assert "No longer required for your dossier." in html
    assert url("document_download", pk=card.pk) in html
    assert url("document_upload", kind=DocumentKind.PR_CARD) not in html


def test_a_passport_expiring_too_early_carries_the_rule_message(owner):
    upload(owner, DocumentKind.PASSPORT, PDF, "passport.pdf", expires_on="2027-01-01")
    owner.get(url("documents"))  # uses up the "received" message

    html = owner.get(url("documents")).content.decode()

    assert (
        '<p class="rule-note">Your passport must be valid until at least 30 October 2027; '
        "it expires on 1 January 2027."
    ) in html


# --- upload ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "content", "name", "content_type", "extension"),
    [
        (DocumentKind.TRANSCRIPTS, PDF, "relevés 2024-2025.pdf", "application/pdf", "pdf"),
        (DocumentKind.BIRTH_CERTIFICATE, tiny_png(), "birth.png", "image/png", "png"),
        (DocumentKind.CRIMINAL_RECORD, tiny_jpeg(), "check.JPG", "image/jpeg", "jpg"),
    ],
)
def test_upload_stores_a_real_file_under_a_generated_name(
    owner, dossier, private_storage, kind, content, name, content_type, extension
):
    response = upload(owner, kind, content, name)

    assert response.status_code == 302
    assert response["Location"] == f"{url('documents')}#document-{kind}"
    document = Document.objects.get()
    assert (document.kind, document.original_name, document.content_type) == (
        kind,
        name,
        content_type,
    )
    stored = (private_storage / document.file.name).read_bytes()
    # A PDF is stored as sent; an image is decoded and stored re-encoded (no metadata kept).
    if content_type == "application/pdf":
        assert stored == content
    else:
        assert Image.open(io.BytesIO(stored)).size == Image.open(io.BytesIO(content)).size
    assert document.size == len(stored)
    assert document.sha256 == hashlib.sha256(stored).hexdigest()
    assert document.is_current is True
    assert document.uploaded_by == dossier.candidate
    assert document.expires_on is None
    assert re.fullmatch(
        rf"dossiers/2026-2027/{dossier.number}/{kind}/[0-9a-f]{{32}}\.{extension}",
        document.file.name,
    )
    assert stored_files(private_storage) == [private_storage / document.file.name]
    page = owner.get(response["Location"]).content.decode()
    assert f"{document.get_kind_display()}: “{name}” has been received." in page


def test_upload_of_a_passport_records_its_expiry_date(owner):
    response = upload(owner, DocumentKind.PASSPORT, PDF, "passport.pdf", expires_on="2031-05-04")

    assert response.status_code == 302
    assert Document.objects.get().expires_on == dt.date(2031, 5, 4)
    html = owner.get(url("documents")).content.decode()
    assert "<dd>4 May 2031</dd>" in html


ELEVEN_MB = b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024)


@pytest.mark.parametrize(
    ("kind", "content", "name", "expires_on", "field", "message"),
    [
        pytest.param(
            DocumentKind.TRANSCRIPTS,
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64,
            "transcripts.pdf",
            "",
            "file",
            "Only PDF, JPEG or PNG files are accepted (this file is none of them).",
            id="windows-exe-renamed-pdf",
        ),
        pytest.param(
            DocumentKind.TRANSCRIPTS,
            ELEVEN_MB,
            "big.pdf",
            "",
            "file",
            "The file is larger than 10 MB. Scan it at a lower resolution.",
            id="eleven-mb",
        ),
        pytest.param(
            DocumentKind.BIRTH_CERTIFICATE,
            b"",
            "empty.pdf",
            "",
            "file",
            "The file is empty.",
            id="empty",
        ),
        pytest.param(
            DocumentKind.PASSPORT,
            PDF,
            "passport.pdf",
            "",
            "expires_on",
            "Enter the expiry date printed on the passport.",
            id="passport-without-expiry",
        ),
    ],
)
def test_refused_upload_shows_the_message_next_to_the_field_and_stores_nothing(
    owner, private_storage, kind, content, name, expires_on, field, message
):
    response = upload(owner, kind, content, name, expires_on=expires_on)

    assert response.status_code == 200
    html = response.content.decode()
    field_id = f"id_{kind}-{field}"
    # Next to the field, announced with it, and summarised at the top with a link to it.
    assert f'<ul class="errorlist" id="{field_id}_error"><li>{message}</li></ul>' in html
    tag = input_tag(html, f"{kind}-{field}")
    assert 'aria-invalid="true"' in tag
    assert f'aria-describedby="{field_id}_helptext {field_id}_error"' in tag
    start = html.index('id="error-summary"')
    summary = html[start : html.index("</div>", start)]
    assert f'<a href="#{field_id}">' in summary
    assert message in summary
    # Only that card's field is marked.
    assert html.count('aria-invalid="true"') == 1
    assert Document.objects.count() == 0
    assert stored_files(private_storage) == []


def test_refused_passport_upload_keeps_the_typed_expiry_date(owner):
    response = upload(
        owner, DocumentKind.PASSPORT, b"MZ" + b"\x00" * 100, "p.pdf", expires_on="2031-05-04"
    )

    tag = input_tag(response.content.decode(), "passport-expires_on")
    assert 'value="2031-05-04"' in tag
    assert Document.objects.count() == 0


def test_replacing_a_document_keeps_the_previous_version_for_staff_only(owner, private_storage):
    upload(owner, DocumentKind.TRANSCRIPTS, PDF, "first.pdf")
    first = Document.objects.get()
    upload(owner, DocumentKind.TRANSCRIPTS, tiny_png(), "second.png")

    first.refresh_from_db()
    second = Document.objects.exclude(pk=first.pk).get()
    assert first.is_current is False
    assert second.is_current is True
    assert len(stored_files(private_storage)) == 2
    owner.get(url("documents"))  # shows (and uses up) the two "received" messages
    html = owner.get(url("documents")).content.decode()
    assert "second.png" in html
    assert "first.pdf" not in html
    assert url("document_download", pk=second.pk) in html
    assert url("document_download", pk=first.pk) not in html


def test_unknown_kind_is_not_found(owner):
    response = upload(owner, "tax_return", PDF, "x.pdf")

    assert response.status_code == 404
    assert Document.objects.count() == 0


def test_kind_the_dossier_does_not_need_is_not_found(owner):
    # A Canadian citizen's dossier has no permanent resident card slot.
    response = upload(owner, DocumentKind.PR_CARD, PDF, "card.pdf")

    assert response.status_code == 404
    assert Document.objects.count() == 0


def test_upload_page_answers_only_post(owner):
    assert owner.get(url("document_upload", kind=DocumentKind.TRANSCRIPTS)).status_code == 405


# --- download ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [(PDF, "relevés.pdf", "application/pdf"), (tiny_png(), "scan.png", "image/png")],
)
def test_download_streams_the_stored_bytes_with_private_headers(owner, content, name, content_type):
    upload(owner, DocumentKind.TRANSCRIPTS, content, name)
    document = Document.objects.get()

    response = owner.get(url("document_download", pk=document.pk))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    response.close()
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Length"] == str(len(content))
    expected = (
        "inline; filename*=utf-8''relev%C3%A9s.pdf"
        if name == "relevés.pdf"
        else f'inline; filename="{name}"'
    )
    assert response["Content-Disposition"] == expected


# --- locked dossiers ---------------------------------------------------------------------------


def test_upload_is_refused_after_submission(owner, dossier, private_storage):
    application_transition(
        application=dossier, to_status=ApplicationStatus.SUBMITTED, actor=dossier.candidate
    )

    page = owner.get(url("documents")).content.decode()
    response = upload(owner, DocumentKind.TRANSCRIPTS, PDF, "late.pdf")

    assert 'enctype="multipart/form-data"' not in page
    assert response.status_code == 200
    html = response.content.decode()
    message = "Your dossier has been submitted and can no longer be changed."
    assert (
        f'<li><a href="#document-transcripts">Transcripts of the last two completed years'
        f" (stamped): {message}</a></li>"
    ) in html
    assert f'<ul class="errorlist"><li>{message}</li></ul>' in html
    assert Document.objects.count() == 0
    assert stored_files(private_storage) == []


def test_upload_is_refused_after_the_campaign_closes(
    owner, dossier, private_storage, campaign_open
):
    campaign_open.move_to(CAMPAIGN_CLOSED_AT)
    owner.force_login(dossier.candidate)  # the first session has expired by then

    page = owner.get(url("documents")).content.decode()
    response = upload(owner, DocumentKind.TRANSCRIPTS, PDF, "late.pdf")

    assert 'enctype="multipart/form-data"' not in page
    assert response.status_code == 200
    message = "The application period has ended: your dossier can no longer be changed."
    assert f'<ul class="errorlist"><li>{message}</li></ul>' in response.content.decode()
    assert Document.objects.count() == 0
    assert stored_files(private_storage) == []


# --- queries -----------------------------------------------------------------------------------


def _page_queries(client, documents: int) -> int:
    application = ApplicationFactory()
    kinds = [
        DocumentKind.PASSPORT,
        DocumentKind.TRANSCRIPTS,
        DocumentKind.BIRTH_CERTIFICATE,
        DocumentKind.FEE_RECEIPT,
        DocumentKind.CRIMINAL_RECORD,
        DocumentKind.LANGUAGE_TEST,  # not required here: shown as a kept file
    ]
    for kind in kinds[:documents]:
        DocumentFactory(application=application, kind=kind)
    client.force_login(application.candidate)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("documents"))
    assert response.status_code == 200
    assert sum(1 for s in response.context["slots"] if s.current) == documents
    return len(queries)


def test_documents_page_queries_do_not_grow_with_the_documents(
    client, campaign_open, private_storage
):
    assert _page_queries(client, 1) == _page_queries(client, 6)
