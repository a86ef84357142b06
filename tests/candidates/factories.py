"""Factories for the dossier: Application (through its service) and Document, plus tiny files.

`ApplicationFactory` goes through `services.application_create`, so the dossier gets a real
candidate number and its first timeline row; like the service, it needs the campaign to be open
(use the `campaign_open` fixture of tests/candidates/conftest.py, or an open campaign).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import struct
import zlib
from pathlib import Path

import factory

from candidates import services
from candidates.choices import DOCUMENTS_WITH_EXPIRY, DocumentKind
from candidates.models import Application, Document
from tapif.core.selectors import campaign_current
from tests.factories import EASTERN, CandidateFactory

#: A moment inside the 2026-2027 window (the current campaign loaded by the data migration).
CAMPAIGN_OPEN_AT = dt.datetime(2026, 1, 15, 12, tzinfo=EASTERN)
#: A moment after that campaign has closed (27 February 2026, 23:59:59).
CAMPAIGN_CLOSED_AT = dt.datetime(2026, 2, 28, 9, tzinfo=EASTERN)


def tiny_pdf() -> bytes:
    """A real one-page PDF (empty page), with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def tiny_png() -> bytes:
    """A real 1x1 white PNG, built chunk by chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\xff\xff")  # filter byte + one white pixel
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def tiny_jpeg() -> bytes:
    """A real 1x1 JPEG (Pillow is installed with WeasyPrint)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(out, format="JPEG")
    return out.getvalue()


def stored_files(location: Path) -> list[Path]:
    """Every file under a storage folder (empty when nothing was stored)."""
    return sorted(p for p in location.rglob("*") if p.is_file()) if location.exists() else []


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft dossier in the current campaign, created by `services.application_create`."""

    class Meta:
        model = Application

    candidate = factory.SubFactory(CandidateFactory)
    campaign = factory.LazyFunction(campaign_current)

    @classmethod
    def _create(cls, model_class, *, candidate, campaign, **kwargs):
        if kwargs:
            raise TypeError(f"ApplicationFactory sets only candidate and campaign, not {kwargs}")
        return services.application_create(candidate=candidate, campaign=campaign)


_PDF = tiny_pdf()


class DocumentFactory(factory.django.DjangoModelFactory):
    """A current PDF document; passports get an expiry date far enough in the future."""

    class Meta:
        model = Document

    application = factory.SubFactory(ApplicationFactory)
    kind = DocumentKind.TRANSCRIPTS
    file = factory.django.FileField(data=_PDF, filename="scan.pdf")
    original_name = "scan.pdf"
    content_type = "application/pdf"
    size = len(_PDF)
    sha256 = hashlib.sha256(_PDF).hexdigest()
    expires_on = factory.LazyAttribute(
        lambda o: dt.date(2030, 6, 30) if o.kind in DOCUMENTS_WITH_EXPIRY else None
    )
    uploaded_by = factory.LazyAttribute(lambda o: o.application.candidate)
