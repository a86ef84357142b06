"""The bad-file corpus: files an attacker (or a broken scanner) would upload, sent to every slot.

Every file is generated here (no binary is committed): PDFs built with pypdf carrying
JavaScript, launch actions, attachments or encryption, polyglots, truncated files, a
decompression bomb, programs and web pages under document names, odd names, an empty file and
one byte over the limit. Each is posted, as a browser would (a raw multipart body, so the names
arrive as sent), to every upload slot a candidate has: each kind of document on the documents
page, the fee receipt on the fee page and the criminal record check when accepting an offer.
Each must be refused with its own message and nothing may be stored: the test counts document
rows and stored files before and after, and records the figure printed at the end of the run
("bad files: N tried, 0 stored", see tests/conftest.py). Good files are still stored, images
re-encoded without metadata or appended bytes, and a refused replacement keeps the current file.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import struct
import uuid
import zlib
from dataclasses import dataclass

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.urls import reverse
from django.utils import translation
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from candidates import services
from candidates.choices import DOCUMENTS_WITH_EXPIRY, DocumentKind
from candidates.documents import clean_name
from candidates.models import Document
from payments.models import Payment
from placements.choices import OfferStatus
from placements.offers import offer_for
from selection.services import criteria_ensure
from tapif.core.uploads import OversizedUpload
from tests.candidates.factories import (
    ApplicationFactory,
    stored_files,
    tiny_jpeg,
    tiny_pdf,
    tiny_png,
)
from tests.placements.test_offer_pages import RELEASED_AT, release_round

MESSAGES = {
    "empty": "The file is empty.",
    "too_large": "The file is larger than 10 MB. Scan it at a lower resolution.",
    "type": "Only PDF, JPEG or PNG files are accepted (this file is none of them).",
    "pdf_broken": "This PDF cannot be read: it is damaged or incomplete.",
    "pdf_encrypted": "This PDF is protected by a password or encrypted.",
    "pdf_script": "This PDF contains JavaScript or an interactive form",
    "pdf_launch": "This PDF tries to open a program or another file",
    "pdf_attachment": "This PDF carries attached files",
    "polyglot": "This file contains web page code besides the document",
    "image_broken": "This image cannot be read: it is damaged or incomplete.",
    "image_too_large": "This image has too many pixels (more than 40 million).",
}

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


# --- generators --------------------------------------------------------------------------------


def _name(value: str) -> NameObject:
    return NameObject(value)


def _js_action(code: str = "app.alert(1)") -> DictionaryObject:
    return DictionaryObject(
        {_name("/S"): _name("/JavaScript"), _name("/JS"): TextStringObject(code)}
    )


def pdf(change=None) -> bytes:
    """A one-page PDF written by pypdf, after `change(writer)` added what it adds."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if change is not None:
        change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _open_action_js(writer):
    writer._root_object[_name("/OpenAction")] = _js_action()


def _names_tree_js(writer):
    tree = DictionaryObject({_name("/Names"): ArrayObject([TextStringObject("x"), _js_action()])})
    writer._root_object[_name("/Names")] = DictionaryObject({_name("/JavaScript"): tree})


def _page_aa_js(writer):
    writer.pages[0][_name("/AA")] = DictionaryObject({_name("/O"): _js_action()})


def _link_annotation_js(writer):
    link = DictionaryObject(
        {
            _name("/Type"): _name("/Annot"),
            _name("/Subtype"): _name("/Link"),
            _name("/Rect"): ArrayObject([NumberObject(0)] * 4),
            _name("/A"): _js_action(),
        }
    )
    writer.pages[0][_name("/Annots")] = ArrayObject([writer._add_object(link)])


def _launch(writer):
    writer._root_object[_name("/OpenAction")] = DictionaryObject(
        {_name("/S"): _name("/Launch"), _name("/F"): TextStringObject("C:\\Windows\\calc.exe")}
    )


def _embedded_file(writer):
    writer.add_attachment("invoice.exe", EXE)


def _file_attachment_annotation(writer):
    spec = DictionaryObject(
        {_name("/Type"): _name("/Filespec"), _name("/F"): TextStringObject("a")}
    )
    annotation = DictionaryObject(
        {
            _name("/Type"): _name("/Annot"),
            _name("/Subtype"): _name("/FileAttachment"),
            _name("/Rect"): ArrayObject([NumberObject(0)] * 4),
            _name("/FS"): spec,
        }
    )
    writer.pages[0][_name("/Annots")] = ArrayObject([writer._add_object(annotation)])


def _encrypt(writer):
    writer.encrypt(user_password="", owner_password="owner")  # opens without a password


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A black 1-bit PNG of width x height pixels: about 110 KB, 900 million pixels decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def jpeg_with_gps() -> bytes:
    """A 40 x 20 photo whose EXIF says: turn it a quarter (orientation 6), taken at 45°N 75°W."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (45.0, 25.0, 1.0), 3: "W", 4: (75.0, 41.0, 2.0)})
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "navy").save(out, format="JPEG", exif=exif)
    return out.getvalue()


@dataclass(frozen=True)
class BadFile:
    label: str
    filename: str
    content: bytes
    code: str


@functools.cache
def bad_files() -> tuple[BadFile, ...]:
    good = tiny_pdf()
    return (
        BadFile("html before a pdf (polyglot)", "cv.pdf", HTML + good, "polyglot"),
        BadFile("html after a pdf (polyglot)", "cv.pdf", good + HTML, "polyglot"),
        BadFile(
            "html in a pdf's first kilobyte",
            "cv.pdf",
            good[:9] + b"%" + HTML + good[9:],
            "polyglot",
        ),
        BadFile("pdf with /OpenAction javascript", "a.pdf", pdf(_open_action_js), "pdf_script"),
        BadFile("pdf with javascript names tree", "a.pdf", pdf(_names_tree_js), "pdf_script"),
        BadFile("pdf with a page /AA javascript", "a.pdf", pdf(_page_aa_js), "pdf_script"),
        BadFile("pdf with a javascript link", "a.pdf", pdf(_link_annotation_js), "pdf_script"),
        BadFile(
            "pdf with #-escaped /JavaScript",
            "a.pdf",
            good.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /J#61vaScript >>"),
            "pdf_script",
        ),
        BadFile("pdf with /Launch", "a.pdf", pdf(_launch), "pdf_launch"),
        BadFile("pdf with an embedded file", "a.pdf", pdf(_embedded_file), "pdf_attachment"),
        BadFile(
            "pdf with a file attachment annotation",
            "a.pdf",
            pdf(_file_attachment_annotation),
            "pdf_attachment",
        ),
        BadFile("encrypted pdf", "a.pdf", pdf(_encrypt), "pdf_encrypted"),
        BadFile("truncated 5-byte pdf", "a.pdf", b"%PDF-", "pdf_broken"),
        BadFile("pdf cut in half", "a.pdf", good[: len(good) // 2], "pdf_broken"),
        BadFile("30000x30000 png (bomb)", "scan.png", png_bomb(), "image_too_large"),
        BadFile("truncated png", "scan.png", tiny_png()[:30], "image_broken"),
        BadFile("truncated jpeg", "photo.jpg", tiny_jpeg()[:100], "image_broken"),
        BadFile("windows program renamed .pdf", "passport.pdf", EXE, "type"),
        BadFile("web page renamed .pdf", "passport.pdf", HTML, "type"),
        BadFile("svg renamed .png", "photo.png", b'<svg onload="alert(1)"/>', "type"),
        BadFile("text file named .png", "photo.png", b"just some text\n", "type"),
        BadFile("double extension passport.pdf.exe", "passport.pdf.exe", EXE, "type"),
        BadFile("double extension x.php.pdf", "x.php.pdf", b"<?php system($_GET['c']); ?>", "type"),
        BadFile("path traversal name", "../../etc/passwd.pdf", b"root:x:0:0:root:/root", "type"),
        BadFile("very long name", "a" * 400 + ".pdf", HTML, "type"),
        BadFile("right-to-left override name", "scan\u202egnp.exe", EXE, "type"),
        BadFile("NUL in the name", "scan\x00.pdf", EXE, "type"),
        BadFile("zero bytes", "empty.pdf", b"", "empty"),
        BadFile(
            "limit + 1 bytes",
            "big.pdf",
            b"%PDF-1.4\n" + b"0" * (settings.UPLOAD_MAX_BYTES + 1 - 9),
            "too_large",
        ),
    )


# --- posting as a browser does -----------------------------------------------------------------


def multipart(fields: dict[str, str], file_field: str, filename: str, content: bytes):
    """A multipart body with the file name exactly as given (the test client would clean it)."""
    boundary = f"----bad-files-{uuid.uuid4().hex}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post(client, path: str, fields: dict[str, str], file_field: str, filename: str, content):
    body, content_type = multipart(fields, file_field, filename, content)
    return client.post(path, data=body, content_type=content_type)


def documents_url(kind: str = "", language: str = "en") -> str:
    with translation.override(language):
        if kind:
            return reverse("candidates:document_upload", kwargs={"kind": kind})
        return reverse("candidates:documents")


def document_slot(kind: str):
    """Post one file to a document's card, with an expiry date where the card asks one."""
    fields = {f"{kind}-expires_on": "2031-05-04"} if kind in DOCUMENTS_WITH_EXPIRY else {}

    def send(client, filename: str, content: bytes):
        return post(client, documents_url(kind), fields, f"{kind}-file", filename, content)

    return send


FEE_FIELDS = {
    "amount": "80.00",
    "sent_on": "2026-01-14",
    "sender_name": "Camille Tremblay",
    "reference_number": "CA7Kp2Rt9Xq1",
    "memo": "TAPIF application fee",
}


def fee_slot(client, filename: str, content: bytes):
    return post(client, "/en/dossier/fee/", FEE_FIELDS, "receipt", filename, content)


def offer_slot(client, filename: str, content: bytes):
    fields = {"passport_confirmed": "on"}
    return post(client, "/en/offer/accept/", fields, "criminal_record", filename, content)


def snapshot(private_storage):
    rows = sorted(Document.objects.values_list("pk", "kind", "is_current", "sha256"))
    return rows, stored_files(private_storage)


def send_corpus(client, slots: dict[str, object], private_storage, record_property) -> int:
    """Post every bad file to every slot; nothing may change. Returns how many were tried."""
    before = snapshot(private_storage)
    tried = 0
    for slot_name, send in slots.items():
        for bad in bad_files():
            response = send(client, bad.filename, bad.content)
            html = response.content.decode()
            assert response.status_code in (200, 400), (slot_name, bad.label)
            assert MESSAGES[bad.code] in html, (slot_name, bad.label)
            tried += 1
    after = snapshot(private_storage)
    stored = len(set(after[0]) - set(before[0])) + len(set(after[1]) - set(before[1]))
    record_property("figure", ("bad files", {"tried": tried, "stored": stored}))
    assert after == before
    return tried


# --- every slot --------------------------------------------------------------------------------


@pytest.fixture
def dossier(campaign_open, private_storage):
    """A draft whose documents page asks for every kind a dossier can need."""
    application = ApplicationFactory()
    actor = application.candidate
    services.section_update(
        application=application,
        section="identity",
        data={"citizenship": "permanent_resident", "is_eu_citizen": True},
        actor=actor,
    )
    services.section_update(
        application=application,
        section="french",
        data={"proof_route": "official_test"},
        actor=actor,
    )
    return application


def _upload_good(application, kind: str) -> Document:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return services.document_upload(
        application=application,
        kind=kind,
        actor=application.candidate,
        upload=SimpleUploadedFile(f"{kind}.pdf", tiny_pdf()),
        expires_on=dt.date(2031, 5, 4) if kind in DOCUMENTS_WITH_EXPIRY else None,
    )


def test_bad_files_are_refused_by_every_document_card(
    client, dossier, private_storage, record_property
):
    client.force_login(dossier.candidate)
    page = client.get(documents_url())
    kinds = [slot.kind for slot in page.context["slots"] if slot.form is not None]
    # The current file of each card must survive a refused replacement.
    current = {kind: _upload_good(dossier, kind).pk for kind in kinds}

    send_corpus(
        client, {kind: document_slot(kind) for kind in kinds}, private_storage, record_property
    )

    assert dict(Document.objects.filter(is_current=True).values_list("kind", "pk")) == current
    # A Canadian citizen's card asks for the passport instead of the PR card and its passport.
    services.section_update(
        application=dossier,
        section="identity",
        data={"citizenship": "canadian", "is_eu_citizen": False},
        actor=dossier.candidate,
    )
    passport = [s.kind for s in client.get(documents_url()).context["slots"] if s.form]
    assert DocumentKind.PASSPORT in passport
    send_corpus(client, {"passport": document_slot("passport")}, private_storage, record_property)
    # With the fee receipt (fee page) and the criminal record check (offer page, tested below),
    # every kind of document a candidate uploads went through the corpus.
    covered = {
        *kinds,
        DocumentKind.PASSPORT,
        DocumentKind.FEE_RECEIPT,
        DocumentKind.CRIMINAL_RECORD,
    }
    assert covered == set(DocumentKind.values)


def test_bad_files_are_refused_as_the_fee_receipt(
    client, campaign_open, private_storage, record_property
):
    application = ApplicationFactory()
    client.force_login(application.candidate)

    send_corpus(client, {"fee receipt": fee_slot}, private_storage, record_property)

    assert not Payment.objects.exists()


@pytest.fixture
def offered(reference_campaign, private_storage, django_capture_on_commit_callbacks):
    """The first candidate of a released round, with a pending offer."""
    criteria_ensure(reference_campaign)
    with time_machine.travel(RELEASED_AT, tick=False):
        released = release_round(reference_campaign, django_capture_on_commit_callbacks)
        yield released.first


def test_bad_files_are_refused_as_the_criminal_record_check(
    client, offered, private_storage, record_property
):
    client.force_login(offered.candidate)

    send_corpus(client, {"criminal record check": offer_slot}, private_storage, record_property)

    assert offer_for(offered).status == OfferStatus.PENDING
    response = offer_slot(client, "casier.pdf", tiny_pdf())  # a good file still goes through
    assert response.status_code == 302
    assert offer_for(offered).status == OfferStatus.ACCEPTED


def test_a_refusal_is_worded_in_french_on_the_french_page(client, dossier, private_storage):
    client.force_login(dossier.candidate)
    body, content_type = multipart({}, "transcripts-file", "cv.pdf", pdf(_open_action_js))

    response = client.post(documents_url("transcripts", "fr"), body, content_type=content_type)

    assert "Ce PDF contient du JavaScript ou un formulaire interactif" in response.content.decode()
    assert stored_files(private_storage) == []


# --- good files --------------------------------------------------------------------------------


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 10), "green").save(out, format="JPEG")
    return out.getvalue()


GOOD = [
    ("a plain pdf", "relevés.pdf", tiny_pdf(), "application/pdf"),
    ("a pdf written by pypdf", "scan.pdf", pdf(), "application/pdf"),
    ("a jpeg", "photo.jpg", jpeg_bytes(), "image/jpeg"),
    ("a png", "scan.png", tiny_png(), "image/png"),
]


@pytest.mark.parametrize(
    ("send", "slot"),
    [(document_slot("transcripts"), "transcripts"), (fee_slot, "fee_receipt")],
    ids=["document card", "fee page"],
)
def test_good_files_are_stored(client, dossier, private_storage, send, slot):
    client.force_login(dossier.candidate)
    for label, filename, content, content_type in GOOD:
        response = send(client, filename, content)

        assert response.status_code == 302, label
        document = Document.objects.filter(kind=slot, is_current=True).get()
        stored = (private_storage / document.file.name).read_bytes()
        assert (document.content_type, document.original_name) == (content_type, filename)
        assert (document.size, document.sha256) == (len(stored), hashlib.sha256(stored).hexdigest())
        if content_type == "application/pdf":
            assert stored == content
    assert Document.objects.filter(kind=slot).count() == len(GOOD)


def test_images_are_stored_upright_without_exif_or_appended_bytes(client, dossier, private_storage):
    client.force_login(dossier.candidate)
    cases = [
        ("photo.jpg", jpeg_with_gps(), (20, 40)),  # turned a quarter, as its EXIF said
        ("photo.jpg", jpeg_bytes() + HTML, (30, 10)),
        ("scan.png", tiny_png() + HTML, (1, 1)),
    ]
    for filename, content, size in cases:
        response = document_slot("transcripts")(client, filename, content)

        assert response.status_code == 302
        document = Document.objects.get(kind="transcripts", is_current=True)
        stored = (private_storage / document.file.name).read_bytes()
        image = Image.open(io.BytesIO(stored))
        assert image.size == size
        assert dict(image.getexif()) == {}
        assert b"<html" not in stored.lower()
        assert b"PhoneMaker" not in stored
        assert (document.size, document.sha256) == (len(stored), hashlib.sha256(stored).hexdigest())


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\scan.pdf", "scan.pdf"),
        ("passport.pdf.exe", "passport.pdf.exe.pdf"),
        ("x.php.pdf", "x.php.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe.pdf"),
        ("scan\u200b.pdf", "scan.pdf"),
        ("a\x00b.pdf", "ab.pdf"),
        ("   ", "document.pdf"),
        (".pdf", "pdf.pdf"),
        ("a" * 400 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_the_name_shown_is_cleaned_and_ends_with_the_type(sent, shown):
    assert clean_name(sent, "application/pdf") == shown


def test_a_good_file_with_an_odd_name_is_stored_under_a_generated_name(
    client, dossier, private_storage
):
    client.force_login(dossier.candidate)

    response = document_slot("transcripts")(client, "../../x.php\u202efdp.exe", tiny_pdf())

    assert response.status_code == 302
    document = Document.objects.get()
    assert document.original_name == "x.phpfdp.exe.pdf"
    assert document.file.name.endswith(".pdf")
    assert ".." not in document.file.name
    assert "php" not in document.file.name


# --- the size limit's upload handler ----------------------------------------------------------


def test_a_file_over_the_limit_is_not_kept_past_the_limit(
    client, dossier, private_storage, settings, monkeypatch
):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # so the temporary-file handler is used
    written = []
    receive = TemporaryFileUploadHandler.receive_data_chunk

    def counting(self, raw_data, start):
        written.append(len(raw_data))
        return receive(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", counting)
    client.force_login(dossier.candidate)

    response = document_slot("transcripts")(client, "big.pdf", b"%PDF-" + b"0" * (5 * 1024**2))

    upload = response.wsgi_request.FILES["transcripts-file"]
    assert isinstance(upload, OversizedUpload)
    assert upload.size > settings.UPLOAD_MAX_BYTES
    assert 0 < sum(written) <= settings.UPLOAD_MAX_BYTES
    assert "The file is larger than 1 MB." in response.content.decode()
    assert stored_files(private_storage) == []
